"""The worker side of swaps: analyse an upload, run a swap, delete old uploads."""

from __future__ import annotations

import hashlib
import logging
import time

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile

from safeface import inference
from safeface.jobs import JobError, job_task
from swaps import files
from swaps.models import SwapJob, Target, usable_avatars

logger = logging.getLogger(__name__)

STORAGE_FAILED = (
    "The swap was made but could not be stored: the server's storage is full or not writable. "
    "Nothing was kept; please try again later."
)
TARGET_GONE = "The uploaded file was deleted (uploads are kept for a limited time). Upload it again to make a new swap."


# --- Analyse an upload: faces for the picker --------------------------------------------


@job_task(Target)
def analyse_target(target: Target) -> None:
    if not target.file:
        raise JobError(TARGET_GONE)
    rgb = _target_frame(target)
    faces = inference.analyser().detect(rgb)
    preview, scale = files.encode_preview(rgb)
    height, width = rgb.shape[:2]
    found = [
        {
            "box": [round(float(v) * scale, 1) for v in face.box],
            "area": round(float(face.area)),
            "score": round(float(face.score), 3),
        }
        for face in faces
    ]
    storage = target.preview.storage
    if target.preview:
        storage.delete(target.preview.name)
    try:
        name = storage.save(f"swaps/previews/{target.pk}.jpg", ContentFile(preview))
    except OSError as exc:
        raise JobError(STORAGE_FAILED) from exc
    done = target.succeed(
        preview=name,
        preview_size=[round(width * scale), round(height * scale)],
        faces=found,
        analyser=inference.analyser().name,
    )
    if not done:
        storage.delete(name)


def _target_frame(target: Target) -> np.ndarray:
    if target.is_video:
        from safeface.engines.video import VideoError, read_frame

        with files.local_path(target.file) as path:
            try:
                return read_frame(path, target.frame)
            except VideoError as exc:
                raise JobError(f"That frame of the video could not be read: {exc}") from exc
    with target.file.open("rb") as stored:
        return files.decode_rgb(stored.read())


# --- Run a swap --------------------------------------------------------------------------


@job_task(SwapJob)
def run_swap(job: SwapJob) -> None:
    started = time.monotonic()
    target = job.target
    if not target.file:
        raise JobError(TARGET_GONE)
    indices = [entry["face"] for entry in job.mapping]
    sources = _sources(job)
    timings = {"queued": round((job.started_at - job.created_at).total_seconds(), 3)}
    if job.is_video:
        _swap_video(job, target, indices, sources, timings, started)
    else:
        _swap_photo(job, target, indices, sources, timings, started)


def _sources(job: SwapJob) -> list:
    """One SourceFace per mapped face, from avatars the owner may still use (a deleted,
    hidden or no-longer-public avatar is refused, even for a swap queued before)."""
    from safeface.engines.swapping import NoFaceError, prepare_source

    analyser = inference.analyser()
    usable = {a.pk: a for a in usable_avatars(job.owner).filter(pk__in={e["avatar"] for e in job.mapping})}
    prepared = {}
    sources = []
    for entry in job.mapping:
        avatar = usable.get(entry["avatar"])
        if avatar is None:
            raise JobError(f"Avatar {entry['avatar']} can no longer be used (it was deleted or made private). Pick another avatar.")
        if avatar.pk not in prepared:
            with avatar.image.open("rb") as stored:
                data = stored.read()
            if avatar.sha256 and hashlib.sha256(data).hexdigest() != avatar.sha256:
                logger.error("Avatar %s's image does not match its checksum", avatar.pk)
                raise JobError(f"Avatar {avatar.pk}'s picture is damaged on the server. Pick another avatar.")
            try:
                prepared[avatar.pk] = prepare_source(analyser, files.decode_rgb(data))
            except NoFaceError as exc:
                raise JobError(f"Avatar {avatar.pk} can't be used as a source: {exc}") from exc
        sources.append(prepared[avatar.pk])
    return sources


def _swap_photo(job, target, indices, sources, timings, started) -> None:
    from safeface.engines.swapping import SwapError, select_faces, swap_photo
    from safeface.provenance import GenerationFacts, Kind, label_image

    with target.file.open("rb") as stored:
        original = stored.read()
    rgb = files.decode_rgb(original)
    faces = inference.analyser().detect(rgb)
    try:
        chosen = select_faces(faces, indices)
    except ValueError as exc:
        raise JobError(f"The chosen faces were not found again in the photo ({exc}). Pick the faces again.") from exc
    if not job.set_progress(30):
        return
    swapper = inference.swapper(strong=job.strong)
    swap_started = time.monotonic()
    try:
        swapped = swap_photo(swapper, inference.judge(), rgb, [faces[i] for i in chosen], sources,
                             stronger=inference.swapper(strong=True))
    except SwapError as exc:
        raise JobError(str(exc)) from exc
    result, identity = swapped.image, _labelled(swapped.identity, job.mapping)
    timings["identity_check"] = round(identity["ms"] / 1000, 3)
    timings["swapping"] = round(time.monotonic() - swap_started - timings["identity_check"], 3)
    if not job.set_progress(80):
        return
    mime, extension = ("image/jpeg", "jpg") if target.file.name.endswith(".jpg") else ("image/png", "png")
    facts = GenerationFacts(Kind.SWAP, job.pk, engine=swapper.name, spec={"avatars": [e["avatar"] for e in job.mapping], "faces": indices})
    labelled = label_image(result, mime=mime, facts=facts, identity=inference.signing_identity(), parent=original)
    _finish(job, labelled, extension, files.encode_thumbnail(result), swapper.name, timings, started, identity=identity)


def _labelled(check: dict, mapping: list[dict]) -> dict:
    """The engine's check with each photo face's number and avatar, as the page names them."""
    for entry, chosen in zip(check["faces"], mapping):
        entry.update(face=chosen["face"], avatar=chosen["avatar"])
    return check


def _swap_video(job, target, indices, sources, timings, started) -> None:
    from safeface.engines.recognition import VideoIdentityCheck
    from safeface.engines.swapping import SwapError
    from safeface.engines.video import VideoCancelled, VideoError, read_frame, swap_video
    from swaps.video_files import RemuxError, remux, swap_metadata

    lost = False
    last_write = 0.0

    def progress(percent: float, fps: float) -> None:
        nonlocal lost, last_write
        now = time.monotonic()
        if now - last_write < 0.5 and percent < 100:
            return
        last_write = now
        # The row was cancelled, deleted or taken back: stop at the next frame.
        lost = lost or not job.report_progress(2 + percent * 0.9, fps)

    swapper = inference.swapper(strong=job.strong)
    with files.work_folder() as work, files.local_path(target.file) as source:
        swapped = work / "swapped.mp4"
        swap_started = time.monotonic()
        try:
            report = swap_video(
                sources if len(sources) > 1 else sources[0], source, swapped,
                swapper=swapper, analyser=inference.analyser(), faces=indices,
                reference_frame=job.reference_frame, progress=progress, cancel=lambda: lost,
                check=VideoIdentityCheck(inference.judge()),
            )
        except VideoCancelled:
            return
        except (VideoError, SwapError) as exc:  # a face number not found in the reference frame is a VideoError
            raise JobError(str(exc)) from exc
        timings["swapping"] = round(time.monotonic() - swap_started, 3)
        timings["frames"] = report.frames
        try:
            labelled = remux(swapped, work / "labelled", metadata=swap_metadata(job.pk, swapper.name))
        except RemuxError as exc:
            raise JobError(f"The swapped video could not be finished: {exc}") from exc
        first = read_frame(labelled, 0)
        job.fps = report.fps
        _finish(job, labelled, labelled.suffix.lstrip("."), files.encode_thumbnail(first), swapper.name, timings, started,
                fps=report.fps, identity=_video_labelled(report.identity, job.mapping))


def _video_labelled(check: dict, mapping: list[dict]) -> dict:
    """Each person of a video check with the avatar they got (one avatar for all: that one)."""
    avatars = {chosen["face"]: chosen["avatar"] for chosen in mapping}
    only = mapping[0]["avatar"] if len({chosen["avatar"] for chosen in mapping}) == 1 else None
    for entry in check["faces"]:
        face = entry.pop("label")
        entry.update(face=face, avatar=avatars.get(face, only))
    return check


def _finish(job, result, extension, thumbnail, engine, timings, started, **fields) -> None:
    storage = job.result.storage
    if isinstance(result, bytes):
        digest = hashlib.sha256(result).hexdigest()
    else:  # a video: hashed in chunks, never whole in memory
        with result.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    try:
        result_name, thumb_name = files.save_pair(
            storage, (f"swaps/results/{job.pk}.{extension}", result), (f"swaps/thumbs/{job.pk}.webp", thumbnail)
        )
    except OSError as exc:
        logger.exception("Could not store swap %s", job.pk)
        raise JobError(STORAGE_FAILED) from exc
    timings["total"] = round(time.monotonic() - started, 3)
    done = job.succeed(result=result_name, thumbnail=thumb_name, sha256=digest, engine=engine, timings=timings, **fields)
    if not done:  # cancelled, deleted or reaped while we worked: the files belong to nobody
        storage.delete(result_name)
        storage.delete(thumb_name)


# --- Retention -------------------------------------------------------------------------


def purge_targets() -> int:
    """Scheduled: delete uploaded files whose retention time has passed (results stay)."""
    count = 0
    for target in Target.objects.due_for_purge():
        target.purge()
        count += 1
    if count:
        logger.info("Deleted the uploads of %d swap target(s) after retention", count)
    # Work folders of workers killed mid-task, once no task could still be using them.
    if stale := files.remove_stale_work_folders(older_than=settings.Q_CLUSTER["retry"]):
        logger.info("Removed %d work folder(s) left by killed workers", stale)
    return count
