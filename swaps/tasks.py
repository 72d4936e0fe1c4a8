"""The worker side of swaps: analyse an upload, run a swap, delete old uploads. Only the worker
imports this module (tasks are named by their path), so the engines are imported at the top."""

from __future__ import annotations

import hashlib
import logging
import time

import numpy as np
from django.conf import settings
from django.core.files.storage import default_storage

from safeface import inference
from facekit.core.files import encode_thumbnail
from facekit.core.orphans import purge_orphans
from facekit.core.storage import temporary_leftovers
from facekit.core.jobs import ACTIVE_STATES, JobError, job_task
from facekit.engines.recognition import VideoIdentityCheck
from facekit.engines.swapping import NoFaceError, prepare_source, swap_photo
from facekit.engines.video import VideoError, VideoSwap, mark_video, read_frame, sampled_frames
from facekit.provenance import FrameMarker, GenerationFacts, Kind, label_image, label_video, video_tags
from swaps import files
from avatars.models import Avatar, DamagedAvatar
from swaps.models import SwapJob, Target

logger = logging.getLogger(__name__)

REFUSED = (
    "This upload can't be used: the screening found what looks like sexual content, which SafeFace does not "
    "work with. Nothing of it was kept. If that is a mistake, upload another photo or video."
)
RESULT_REFUSED = (
    "The swap's result looked like sexual content to the screening, so it was not kept. "
    "Try another avatar, or another photo or video."
)
TARGET_GONE = "The uploaded file was deleted (uploads are kept for a limited time). Upload it again to make a new swap."
RECORDING_GONE = "The recording was not saved completely (the live worker stopped). Record it again."


# --- Analyse an upload: faces for the picker --------------------------------------------


@job_task(Target)
def analyse_target(target: Target) -> None:
    if not target.file:
        raise JobError(TARGET_GONE)
    if not target.screening:  # once per upload, not again for another frame
        _screen(target)
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
    target.store_and_succeed(
        storage,
        {"preview": (f"swaps/previews/{target.pk}.jpg", preview)},
        preview_size=[round(width * scale), round(height * scale)],
        faces=found,
        analyser=inference.analyser().name,
    )


def _screen(target: Target) -> None:
    """Refuse an upload that shows sexual content, keeping nothing of it (the row stays, with
    the verdict and the message, and counts in /metrics)."""
    screening = inference.screening()
    if screening is None:
        return
    if target.is_video:

        with files.local_path(target.file) as path:
            result = screening.frames(sampled_frames(path, settings.SAFEFACE_SCREEN_VIDEO_SECONDS))
    else:
        with target.file.open("rb") as stored:
            result = screening.photo(files.decode_rgb(stored.read()))
    Target.objects.filter(pk=target.pk).update(screening=result.as_dict())
    if result.refused:
        logger.warning("Upload %s refused by the screening (%d of %d pictures flagged)", target.pk, result.flagged, result.frames)
        target.purge()
        raise JobError(REFUSED)


def _target_frame(target: Target) -> np.ndarray:
    if target.is_video:

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
    """Claimed by job_task; here: gather the inputs, call the engine's entry point, store."""
    started = time.monotonic()
    timings = {"queued": round((job.started_at - job.created_at).total_seconds(), 3)}
    if job.is_live_recording:
        _label_recording(job, timings, started)
        return
    if not job.target.file:
        raise JobError(TARGET_GONE)
    (_swap_video if job.is_video else _swap_photo)(job, _sources(job), timings, started)


def _sources(job: SwapJob) -> list:
    """One SourceFace per mapped face, from avatars the owner may still use (a deleted,
    hidden or no-longer-public avatar is refused, even for a swap queued before)."""

    wanted = {entry["avatar"] for entry in job.mapping}
    usable = {a.pk: a for a in Avatar.objects.usable_as_source_by(job.owner).filter(pk__in=wanted)}
    prepared = {}
    for entry in job.mapping:
        avatar = usable.get(entry["avatar"])
        if avatar is None:
            raise JobError(f"Avatar {entry['avatar']} can no longer be used (it was deleted or made private). Pick another avatar.")
        if avatar.pk not in prepared:
            try:
                data = avatar.checked_image()
            except DamagedAvatar as exc:
                logger.error("Avatar %s's image does not match its checksum", avatar.pk)
                raise JobError(str(exc)) from None
            try:
                prepared[avatar.pk] = prepare_source(inference.analyser(), files.decode_rgb(data))
            except NoFaceError as exc:
                raise JobError(f"Avatar {avatar.pk} can't be used as a source: {exc}") from exc
    return [prepared[entry["avatar"]] for entry in job.mapping]


def _swap_photo(job: SwapJob, sources: list, timings: dict, started: float) -> None:

    with job.target.file.open("rb") as stored:
        original = stored.read()
    rgb = files.decode_rgb(original)
    swapper = inference.swapper(strong=job.strong)
    made = swap_photo(rgb, sources, swapper=swapper, analyser=inference.analyser(), faces=job.face_numbers,
                      judges=inference.judges(), stronger=inference.swapper(strong=True))
    timings["identity_check"] = round(made.identity.ms / 1000, 3)
    timings["swapping"] = round(made.seconds - timings["identity_check"], 3)
    if not job.set_progress(80):
        return
    if (screening := inference.screening()) is not None and screening.photo(made.image).refused:
        raise JobError(RESULT_REFUSED)
    extension = job.target.file.name.rsplit(".", 1)[-1]
    labelled = label_image(made.image, mime=files.CONTENT_TYPES[extension], facts=_facts(job, swapper),
                           identity=inference.signing_identity(), parent=original)
    _finish(job, labelled, extension=extension, thumbnail=encode_thumbnail(made.image), engine=swapper.name,
            timings=timings, started=started, identity=job.labelled_check(made.identity))


def _swap_video(job: SwapJob, sources: list, timings: dict, started: float) -> None:

    swapper = inference.swapper(strong=job.strong)
    facts = _facts(job, swapper)
    every = settings.SAFEFACE_VIDEO_WATERMARK_SECONDS
    reporter = job.reporter(2, 92)
    swap = VideoSwap(sources if len(sources) > 1 else sources[0], swapper, inference.analyser(), faces=job.face_numbers,
                     reference_frame=job.reference_frame, check=VideoIdentityCheck(inference.judges()),
                     metadata=video_tags(facts, watermark_seconds=every), mark=FrameMarker(facts, every))
    with files.work_folder() as work, files.local_path(job.target.file) as source:
        report = swap.run(source, work / "swapped.mp4", progress=lambda percent, fps: reporter(percent, fps=fps),
                          cancel=reporter.cancelled)
        timings["swapping"], timings["frames"] = round(report.seconds, 3), report.frames
        if _video_refused(work / "swapped.mp4"):
            raise JobError(RESULT_REFUSED)
        labelling = time.monotonic()
        labelled = label_video(work / "swapped.mp4", work / "labelled.mp4", facts=facts,
                               identity=inference.signing_identity(), parent=source)
        timings["labelling"] = round(time.monotonic() - labelling, 3)
        _finish(job, labelled, extension="mp4", thumbnail=encode_thumbnail(read_frame(labelled, 0)), engine=swapper.name,
                timings=timings, started=started, fps=report.fps, identity=job.labelled_check(report.identity))


def _label_recording(job: SwapJob, timings: dict, started: float) -> None:
    """A live session's recording (swapped by the live worker, which stored its identity check):
    screened, watermarked, tagged and signed as a swapped video is, then stored as the result."""
    if not job.recording:
        raise JobError(RECORDING_GONE)
    timings = {**job.timings, **timings}  # the live worker's: seconds recorded, frames dropped
    facts = _facts(job, inference.swapper(strong=job.strong))
    every = settings.SAFEFACE_VIDEO_WATERMARK_SECONDS
    with files.work_folder() as work, files.local_path(job.recording) as recording:
        if _video_refused(recording):
            _drop_recording(job)
            raise JobError(RESULT_REFUSED)
        if not job.set_progress(30):
            return
        labelling = time.monotonic()
        frames = mark_video(recording, work / "marked.mp4", mark=FrameMarker(facts, every),
                            metadata=video_tags(facts, watermark_seconds=every))
        labelled = label_video(work / "marked.mp4", work / "labelled.mp4", facts=facts, identity=inference.signing_identity())
        timings["labelling"] = round(time.monotonic() - labelling, 3)
        # The middle frame: the first ones may still be the blur shown before the judges passed the swap.
        thumbnail = encode_thumbnail(read_frame(labelled, frames // 2))
        done = _finish(job, labelled, extension="mp4", thumbnail=thumbnail, engine=job.engine, timings=timings, started=started)
    if done:
        _drop_recording(job)


def _video_refused(path) -> bool:
    """Whether the screening refuses a made video, judged on frames sampled through it."""
    screening = inference.screening()
    return screening is not None and screening.frames(sampled_frames(path, settings.SAFEFACE_SCREEN_VIDEO_SECONDS)).refused


def _drop_recording(job: SwapJob) -> None:
    """The unlabelled recording is not kept once it is labelled (or refused)."""
    job.recording.storage.delete(job.recording.name)
    SwapJob.objects.filter(pk=job.pk).update(recording="")


def _facts(job: SwapJob, swapper):
    """What a swap result's labels state: its avatars and faces, and every model that ran."""

    return GenerationFacts(Kind.SWAP, job.pk, engine=swapper.name, spec={"avatars": job.avatar_ids, "faces": job.face_numbers},
                           models=inference.swap_models(swapper))


def _finish(job: SwapJob, result, *, extension: str, thumbnail: bytes, engine: str, timings: dict, started: float,
            **fields) -> bool:
    """Store the result (bytes, or a video's local Path) and its thumbnail, and end the row;
    False when the row was taken from this attempt meanwhile (nothing kept)."""
    if isinstance(result, bytes):
        digest = hashlib.sha256(result).hexdigest()
    else:  # a video: hashed in chunks, never whole in memory
        with result.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    timings["total"] = round(time.monotonic() - started, 3)
    return job.store_and_succeed(
        job.result.storage,
        {"result": (f"swaps/results/{job.pk}.{extension}", result), "thumbnail": (f"swaps/thumbs/{job.pk}.webp", thumbnail)},
        sha256=digest, engine=engine, timings=timings, **fields,
    )


# --- Retention -------------------------------------------------------------------------


def purge_targets() -> int:
    """Scheduled: delete uploaded files whose retention time has passed (results stay), and
    live recordings no labelling will use."""
    count = 0
    for target in Target.objects.due_for_purge():
        target.purge()
        count += 1
    if count:
        logger.info("Deleted the uploads of %d swap target(s) after retention", count)
    # Live recordings whose labelling failed for good (a labelled one is deleted at once).
    for job in SwapJob.objects.exclude(recording="").exclude(status__in=ACTIVE_STATES):
        _drop_recording(job)
    # What killed workers left, once no task could still be using it: work folders, half-written
    # uploads, stored files no row records.
    grace = settings.Q_CLUSTER["retry"]
    if stale := files.remove_stale_work_folders(older_than=grace):
        logger.info("Removed %d work folder(s) left by killed workers", stale)
    if leftovers := temporary_leftovers(default_storage, older_than=grace):
        logger.info("Removed %d unfinished upload(s) left in storage by killed workers", leftovers)
    if orphans := purge_orphans(default_storage, older_than=grace):
        logger.info("Removed %d stored file(s) that no row recorded", orphans)
    return count
