"""A live session's recording becomes a swap result: the live worker stores the file it recorded
(swapped frames and the camera's sound, never the camera's own picture) with its identity check
as a `SwapJob` without a target, and queues it; a job worker then screens and labels it as it
does every swapped video (swaps.tasks)."""

from __future__ import annotations

from django.core.files import File
from django.db import transaction

from facekit.engines.live import RecordingReport
from swaps.models import Kind, SwapJob

from .models import LiveSession

NOT_SAVED = "The recording could not be saved (the server's storage failed). The session goes on; try recording again."


def save_recording(session: LiveSession, report: RecordingReport, *, engine: str) -> SwapJob | None:
    """The recording as a queued swap of `session`'s owner; None when no frame was recorded."""
    if not report.frames:
        return None
    avatar = session.avatar
    with transaction.atomic():
        job = SwapJob(
            owner=session.owner, live_session=session, kind=Kind.VIDEO, avatar=avatar, selection="all",
            mapping=[{"face": 0, "avatar": avatar.pk}], strong=True, engine=engine,
            fps=round(report.frames / report.seconds, 1) if report.seconds else None,
            timings={"recorded": round(report.seconds, 1), "dropped_frames": report.dropped},
        )
        job.identity = job.labelled_check(report.identity) if report.identity is not None else {}
        job.save()
        job.avatars.add(avatar)
        with report.path.open("rb") as recorded:
            job.recording.save(f"{job.pk}.mp4", File(recorded), save=True)
        job.enqueue()
    return job
