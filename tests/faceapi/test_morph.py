"""GET /api/morph: an animation between two values' faces, or one frame of it."""

import io
import shutil
from pathlib import Path

import av
import pytest
from django.conf import settings as django_settings
from PIL import Image

from faceapi.models import FaceRender
from safeface import inference
from facekit.engines.generation.dcgan import DcganGenerator
from facekit.provenance import TRAINED_ALGORITHMIC_MEDIA, Verdict
from facekit.provenance.manifest import read_manifest

pytestmark = pytest.mark.django_db


def frames_of_mp4(data: bytes):
    with av.open(io.BytesIO(data)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def test_it_renders_an_mp4_morph_with_every_frame_and_provenance(fetch):
    response = fetch("/api/morph?from=alice&to=bob&frames=5&fps=10&dim=64")

    assert response.status_code == 200 and response["Content-Type"] == "video/mp4"
    frames = frames_of_mp4(response.content)
    assert len(frames) == 5 and frames[0].shape == (64, 64, 3)
    manifest = read_manifest(response.content, "video/mp4", trust_anchors_pem=inference.signing_identity().trust_anchors_pem)
    assert manifest.verdict is Verdict.TRUSTED and manifest.generation["kind"] == "face"
    assert manifest.digital_source_type == TRAINED_ALGORITHMIC_MEDIA


@pytest.mark.parametrize("fmt, pillow", [("gif", "GIF"), ("webp", "WEBP")])
def test_it_renders_gif_and_webp_animations(fetch, fmt, pillow):
    response = fetch(f"/api/morph?from=alice&to=bob&frames=4&fps=5&dim=48&format={fmt}")

    picture = Image.open(io.BytesIO(response.content))
    assert response.status_code == 200 and picture.format == pillow
    assert picture.n_frames == 4 and picture.size == (48, 48)
    picture.seek(1)
    picture.load()  # Pillow reads a frame's duration as it decodes it
    assert picture.info["duration"] == 200


def test_a_single_frame_is_an_image_and_its_ends_are_the_two_faces(fetch):
    first = fetch("/api/morph?from=alice&to=bob&frames=5&frame=0&dim=64&format=png")
    last = fetch("/api/morph?from=alice&to=bob&frames=5&frame=4&dim=64&format=png")
    alice = fetch("/api/face?value=alice&dim=64&format=png")
    bob = fetch("/api/face?value=bob&dim=64&format=png")

    pixels = lambda r: Image.open(io.BytesIO(r.content)).convert("RGB").tobytes()  # noqa: E731
    assert first["Content-Type"] == "image/png"
    assert pixels(first) == pixels(alice) and pixels(last) == pixels(bob)


def test_the_animation_reuses_frames_already_rendered(fetch, client):
    fetch("/api/morph?from=a&to=b&frames=6&frame=2&dim=32")
    assert FaceRender.objects.get().kind == "frames"

    fetch("/api/morph?from=a&to=b&frames=6&dim=32&format=gif")
    for k in range(6):
        assert client.get(f"/api/morph?from=a&to=b&frames=6&frame={k}&dim=40").status_code == 200
    assert sorted(FaceRender.objects.values_list("kind", flat=True)) == ["animation", "frames"]


@pytest.mark.skipif(not django_settings.SAFEFACE_S3_BUCKET, reason="media is on local files in this run (SAFEFACE_TEST_S3=1 puts it on S3)")
def test_a_machine_without_the_frames_reads_them_from_the_bucket_instead_of_drawing_them(fetch, settings, monkeypatch):
    fetch("/api/morph?from=alice&to=bob&frames=4&fps=5&dim=48")
    shutil.rmtree(settings.SAFEFACE_API_CACHE_DIR)  # another machine: the bucket holds the frames, its disk nothing
    drawn = []
    interpolate = DcganGenerator.interpolate
    monkeypatch.setattr(DcganGenerator, "interpolate", lambda self, *a, **k: drawn.append(a) or interpolate(self, *a, **k))

    response = fetch("/api/morph?from=alice&to=bob&frames=4&fps=5&dim=48&format=gif")

    assert response.status_code == 200 and Image.open(io.BytesIO(response.content)).n_frames == 4
    assert drawn == []
    frames = sorted(p.name for p in Path(settings.SAFEFACE_API_CACHE_DIR).rglob("frames/*"))
    assert len(frames) == 4  # the local copy is the frames alone, not the bucket's completion marker
