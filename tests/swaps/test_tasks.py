"""The swap tasks on the real offline engines: analyse an upload, swap chosen faces of a
photo and of a video (each face its own avatar), cancel, and clear failure messages."""

import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from facekit.core.jobs import JobStatus
from facekit.core import storage as media_storage
from swaps import files
from swaps.models import SwapJob, Target
from swaps.tasks import analyse_target, run_swap
from tests.swaps import samples

pytestmark = pytest.mark.django_db


def upload(client, name, data, avatar, content_type="image/jpeg"):
    response = client.post("/swaps/new/", {"avatar": avatar.pk, "target": SimpleUploadedFile(name, data, content_type)})
    assert response.status_code == 302, response.content.decode()[:2000]
    target = Target.objects.latest("pk")
    analyse_target(job_id=target.pk)
    target.refresh_from_db()
    assert target.status == JobStatus.DONE, target.error
    return target


def pick(client, target, data):
    response = client.post(f"/swaps/targets/{target.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return SwapJob.objects.latest("pk")


def box_change(before, after, box, scale=1.0):
    x1, y1, x2, y2 = (int(round(v / scale)) for v in box)
    a, b = before[y1:y2, x1:x2].astype(float), after[y1:y2, x1:x2].astype(float)
    return float(np.abs(a - b).mean())


def test_a_photo_swap_changes_only_the_two_chosen_faces_each_to_its_avatar(alice_client, generated, no_queue):
    first, second = generated
    target = upload(alice_client, "t1.jpg", samples.T1.read_bytes(), first)
    assert len(target.faces) >= 4
    preview = alice_client.get(f"/swaps/targets/{target.pk}/")
    assert preview.status_code == 200 and b"face-box" in preview.content

    swap = pick(alice_client, target, {"avatar": first.pk, "which": "chosen", "face_0": "on", "face_2": "on", "avatar_2": second.pk})
    assert swap.mapping == [{"face": 0, "avatar": first.pk}, {"face": 2, "avatar": second.pk}]
    assert swap.selection == [0, 2] and set(swap.avatars.values_list("pk", flat=True)) == {first.pk, second.pk}

    run_swap(job_id=swap.pk)
    swap.refresh_from_db()
    assert swap.status == JobStatus.DONE, swap.error
    assert swap.engine.startswith("mesh") and swap.timings["total"] > 0

    before = np.asarray(Image.open(target.file.open("rb")).convert("RGB"))
    after = np.asarray(Image.open(swap.result.open("rb")).convert("RGB"))
    assert before.shape == after.shape
    scale = target.preview_size[0] / before.shape[1]
    changes = [box_change(before, after, face["box"], scale) for face in target.faces]
    assert min(changes[0], changes[2]) > 3 * max(c for i, c in enumerate(changes) if i not in (0, 2)), changes

    page = alice_client.get(f"/swaps/{swap.pk}/").content.decode()
    assert f"/swaps/{swap.pk}/result.jpg" in page and f"/swaps/targets/{target.pk}/original" in page
    result = alice_client.get(f"/swaps/{swap.pk}/result.jpg")
    assert result.status_code == 200 and result["Content-Type"] == "image/jpeg"


def test_a_photo_result_is_labelled_as_a_composite(alice_client, generated, no_queue):
    from safeface import inference
    from facekit.provenance import COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA, read_provenance

    target = upload(alice_client, "t1.jpg", samples.T1.read_bytes(), generated[0])
    swap = pick(alice_client, target, {"avatar": generated[0].pk, "which": "largest"})
    assert len(swap.mapping) == 1
    run_swap(job_id=swap.pk)
    swap.refresh_from_db()
    report = read_provenance(swap.result.read(), trust_anchors_pem=inference.signing_identity().trust_anchors_pem)
    assert report.xmp.digital_source_type == COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
    assert report.watermark is not None and report.watermark.safeface_id == f"swap:{swap.pk}"


def test_a_photo_result_s_manifest_names_each_model_that_ran_with_its_licence(alice_client, generated, no_queue):
    from safeface import inference
    from facekit.provenance import read_provenance

    target = upload(alice_client, "t1.jpg", samples.T1.read_bytes(), generated[0])
    swap = pick(alice_client, target, {"avatar": generated[0].pk, "which": "largest"})
    run_swap(job_id=swap.pk)
    swap.refresh_from_db()
    report = read_provenance(swap.result.read(), trust_anchors_pem=inference.signing_identity().trust_anchors_pem)
    models = report.c2pa.generation["models"]

    judges = [judge.name for judge in inference.judges()]
    assert [model["name"] for model in models] == [swap.engine, inference.analyser().name, *judges, inference.screening().screener.name]
    assert models[0] == {"name": swap.engine, "licence": "MIT", "commercial": True}
    assert {model["licence"] for model in models[2:]} == {"CC0-1.0 AND BSL-1.0", "Apache-2.0", "AGPL-3.0-only"}


def test_a_video_swap_keeps_the_sound_reports_fps_and_is_labelled(alice_client, generated, no_queue, tmp_path):
    import av

    from safeface import inference
    from facekit.provenance import COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA, Verdict, read_provenance

    clip = samples.clip(tmp_path / "clip.mp4", seconds=1.0, fps=10, width=320, height=240)
    target = upload(alice_client, "clip.mp4", clip.read_bytes(), generated[0], "video/mp4")
    assert target.kind == "video" and len(target.faces) == 1
    swap = pick(alice_client, target, {"avatar": generated[0].pk, "which": "all"})

    run_swap(job_id=swap.pk)
    swap.refresh_from_db()
    assert swap.status == JobStatus.DONE, swap.error
    assert swap.fps and swap.fps > 0 and swap.result.name.endswith(".mp4")
    with files.local_path(swap.result) as local, av.open(str(local)) as video:
        assert video.streams.video and video.streams.audio
        assert video.metadata["org.safeface.id"] == f"swap:{swap.pk}"
        assert "compositeWithTrainedAlgorithmicMedia" in video.metadata["com.iptc.digitalsourcetype"]
        assert sum(1 for _ in video.decode(video=0)) == 10
    # Labelled as photos are: a signed C2PA manifest (opened the upload, edited with generated
    # media) and the invisible watermark on its first frame.
    report = read_provenance(swap.result.read(), trust_anchors_pem=inference.signing_identity().trust_anchors_pem)
    assert report.mime == "video/mp4" and report.c2pa.verdict is Verdict.TRUSTED
    assert report.c2pa.actions == ("c2pa.opened", "c2pa.edited") and report.c2pa.ingredients == ("source.mp4",)
    assert report.c2pa.digital_source_type == COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
    assert report.trusted_safeface_id == f"swap:{swap.pk}" and report.xmp.safeface_id == f"swap:{swap.pk}"
    assert report.watermark is not None and report.watermark.safeface_id == f"swap:{swap.pk}"

    ranged = alice_client.get(f"/swaps/{swap.pk}/result.mp4", HTTP_RANGE="bytes=100-199")
    assert ranged.status_code == 206 and ranged["Content-Range"].startswith("bytes 100-199/")
    assert b"".join(ranged.streaming_content) == swap.result.open("rb").read()[100:200]


def test_cancelling_a_running_video_swap_stops_it_and_keeps_no_file(alice_client, generated, no_queue, tmp_path, monkeypatch):
    clip = samples.clip(tmp_path / "clip.mp4", seconds=2.0, fps=10, width=320, height=240)
    target = upload(alice_client, "clip.mp4", clip.read_bytes(), generated[0], "video/mp4")
    swap = pick(alice_client, target, {"avatar": generated[0].pk, "which": "all"})

    original = SwapJob.set_progress

    def cancel_midway(self, percent, **fields):
        if percent > 20:
            SwapJob.objects.get(pk=self.pk).cancel()  # the person pressed Cancel
        return original(self, percent, **fields)

    monkeypatch.setattr(SwapJob, "set_progress", cancel_midway)
    monkeypatch.setattr("facekit.engines.video.pipeline.PROGRESS_SECONDS", 0)  # every frame is reported
    run_swap(job_id=swap.pk)
    swap.refresh_from_db()
    assert swap.status == JobStatus.FAILED and swap.cancelled and not swap.result
    assert list(media_storage.stored_files(swap.result.storage, "swaps/results")) == []


def test_a_swap_whose_avatar_was_deleted_fails_clearly(alice_client, generated, no_queue):
    target = upload(alice_client, "t1.jpg", samples.T1.read_bytes(), generated[0])
    swap = pick(alice_client, target, {"avatar": generated[0].pk, "which": "largest"})
    generated[0].delete()
    run_swap(job_id=swap.pk)
    swap.refresh_from_db()
    assert swap.status == JobStatus.FAILED and "can no longer be used" in swap.error


def test_a_swap_whose_upload_was_purged_fails_clearly(alice_client, generated, no_queue):
    target = upload(alice_client, "t1.jpg", samples.T1.read_bytes(), generated[0])
    swap = pick(alice_client, target, {"avatar": generated[0].pk, "which": "largest"})
    target.purge()
    run_swap(job_id=swap.pk)
    swap.refresh_from_db()
    assert swap.status == JobStatus.FAILED and "Upload it again" in swap.error


def test_deleting_an_avatar_keeps_past_results(alice_client, generated, no_queue):
    target = upload(alice_client, "t1.jpg", samples.T1.read_bytes(), generated[0])
    swap = pick(alice_client, target, {"avatar": generated[0].pk, "which": "largest"})
    run_swap(job_id=swap.pk)
    deleted = generated[0].pk
    generated[0].delete()
    swap.refresh_from_db()
    assert swap.status == JobStatus.DONE and swap.avatar is None and swap.result
    assert alice_client.get(f"/swaps/{swap.pk}/result.jpg").status_code == 200
    # ...but no new swap can use it.
    again = alice_client.post(f"/swaps/targets/{target.pk}/", {"avatar": deleted, "which": "all"})
    assert again.status_code == 200 and b"Pick one of your avatars" in again.content


def test_a_photo_with_no_face_offers_no_swap(alice_client, generated, no_queue):
    target = upload(alice_client, "plain.jpg", samples.jpeg(), generated[0])
    assert target.faces == []
    response = alice_client.post(f"/swaps/targets/{target.pk}/", {"avatar": generated[0].pk, "which": "all"})
    assert b"No face was found" in response.content and SwapJob.objects.count() == 0


def test_a_stored_target_is_analysed_to_an_upright_preview(alice_client, generated, no_queue):
    target = upload(alice_client, "holiday.jpg", samples.jpeg_with_gps_and_orientation(), generated[0])
    preview = Image.open(io.BytesIO(alice_client.get(f"/swaps/targets/{target.pk}/preview.jpg").getvalue()))
    assert preview.size == (240, 320) == tuple(target.preview_size)


class Refuses:
    """A swapper that cannot swap these faces (as the mesh swapper refuses faces without dense landmarks)."""

    name = "refuses@0"
    driven_by = None

    def swap(self, sources, target_image, target_faces, *, memory=None):
        from facekit.engines.swapping import SwapError

        raise SwapError("the target face has no dense landmarks; analyse it with the offline analyser")


def test_a_swapper_error_inside_a_video_is_reported_as_itself(alice_client, generated, no_queue, tmp_path, monkeypatch):
    from safeface import inference

    clip = samples.clip(tmp_path / "clip.mp4", seconds=1.0, fps=10, width=320, height=240)
    target = upload(alice_client, "clip.mp4", clip.read_bytes(), generated[0], "video/mp4")
    swap = pick(alice_client, target, {"avatar": generated[0].pk, "which": "all"})
    monkeypatch.setattr(inference, "swapper", lambda strong=False: Refuses())
    run_swap(job_id=swap.pk)
    swap.refresh_from_db()
    assert swap.status == JobStatus.FAILED
    assert "no dense landmarks" in swap.error and "not found again" not in swap.error
