"""The live worker: claims live sessions from the database and runs each one's WebRTC peer.

`python manage.py live_worker` (a Procfile line): one asyncio loop, up to
SAFEFACE_LIVE_SESSIONS_PER_WORKER sessions at a time; on many machines, each worker claims
sessions from the shared database as the job workers claim jobs. The engines are built once per
process (safeface/inference.py), in this process only: the web process never loads them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from facekit.engines.live import LiveSwap
from facekit.engines.swapping import prepare_source
from safeface import inference
from swaps import files

from .ice import ice_servers
from .models import LiveSession
from .recordings import NOT_SAVED, save_recording

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 0.5
POLL_SECONDS = 0.2  # how soon an offer is taken
EXPIRE_SECONDS = 5  # how often stale sessions are failed (a write: not on every poll)


async def db(function, *args, **kwargs):
    """The ORM, off the event loop (Django's ORM is synchronous)."""

    def call():
        close_old_connections()
        return function(*args, **kwargs)

    return await asyncio.to_thread(call)


def _live_swap(session: LiveSession) -> LiveSwap:
    """Live starts with the stronger swap: a frame cannot be judged before it is shown, and with
    the first swap SFace still knew the camera's person in 8 to 48 of 100 frames for 3 of 5
    avatars, with the stronger one in none of 500 (`bench/bench_live.py --identity 5`). A face
    still matched is blurred."""
    source = prepare_source(inference.analyser(), files.decode_rgb(session.avatar.checked_image()))
    return LiveSwap(source, inference.swapper(strong=True), inference.analyser(), judges=inference.judges())


def _heartbeat(session: LiveSession, **fields) -> bool | None:
    """Renew the session with `fields`; None when it is no longer this worker's to run, else
    whether the person wants it recorded (the page's Record button)."""
    if not session.renew(**fields):
        return None
    return LiveSession.objects.filter(pk=session.pk).values_list("record", flat=True).first()


class Recorder:
    """The session's recordings, as the person starts and stops them: each one a file in a work
    folder of its own, then a queued swap result (live.recordings)."""

    def __init__(self, session: LiveSession, peer):
        self.session, self.peer = session, peer
        self.folder: Path | None = None
        self.error = ""

    @property
    def recording(self) -> bool:
        return self.folder is not None

    def stats(self) -> dict:
        recording = self.peer.recording
        out = {"recording_error": self.error} if self.error else {}
        if recording is not None:
            out["recording"] = {"seconds": round(recording.seconds, 1), "dropped": recording.dropped}
        return out

    def start(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=files.WORK_PREFIX, dir=settings.FILE_UPLOAD_TEMP_DIR))
        self.error = ""
        self.peer.start_recording(self.folder / "recording.mp4", judges=inference.judges())

    async def finish(self) -> None:
        """Finish and store the recording under way (also when the session ends: nothing recorded is lost)."""
        folder, self.folder = self.folder, None
        try:
            await self._holding_lease(self._save())
        except Exception:  # noqa: BLE001  (a recording that fails never ends the session)
            logger.exception("The recording of live session %s could not be saved", self.session.pk)
            self.error = NOT_SAVED
        finally:
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)

    async def _save(self) -> None:
        report = await self.peer.finish_recording()
        if report is not None:
            await db(save_recording, self.session, report, engine=self.peer.live.swappers[0].name)

    async def _holding_lease(self, work) -> None:
        """Run `work` (a long recording takes a while to store) while keeping the session's lease."""
        task = asyncio.ensure_future(work)
        while not task.done():
            await db(self.session.hold)
            await asyncio.wait({task}, timeout=HEARTBEAT_SECONDS)
        task.result()


async def run_session(session: LiveSession) -> None:
    from .peer import LivePeer  # aiortc: only here, in the live worker

    peer = recorder = None
    try:
        live = await db(_live_swap, session)
        peer = LivePeer(live, ThreadPoolExecutor(1, thread_name_prefix=f"live-{session.pk}"),
                        ice_servers=ice_servers(), budget=settings.SAFEFACE_LIVE_FRAME_BUDGET)
        recorder = Recorder(session, peer)
        answer = await peer.answer(session.offer)
        if not await db(session.renew, answer=answer, status="live", started_at=timezone.now()):
            return
        deadline = time.monotonic() + settings.SAFEFACE_LIVE_MAX_SECONDS
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            stats = {**(peer.track.stats() if peer.track else {}), **recorder.stats()}
            state = peer.track.state if peer.track else ""
            wanted = await db(_heartbeat, session, state=str(state), stats=stats)
            if wanted is None:
                if recorder.recording:
                    await recorder.finish()
                await db(session.end)  # stopped by the person (or expired): end it if still open
                return
            if wanted and not recorder.recording:
                recorder.start()
            elif not wanted and recorder.recording:
                await recorder.finish()
            if peer.broken:
                await db(session.end, "The connection to your browser dropped. Start again.")
                return
            if time.monotonic() > deadline:
                if recorder.recording:
                    await recorder.finish()
                await db(session.renew, stats={**stats, **recorder.stats(),
                                               "ended": f"The session reached its {settings.SAFEFACE_LIVE_MAX_SECONDS // 60}-minute limit."})
                await db(session.end)
                return
    except Exception as error:  # noqa: BLE001  (any failure ends this session, never the worker)
        logger.exception("Live session %s failed", session.pk)
        message = str(error) if isinstance(error, ValueError) else "The live session failed on the server."
        await db(session.end, message)
    finally:
        if recorder is not None and recorder.recording:
            await recorder.finish()  # a call that dropped keeps what was recorded
        if peer is not None:
            await peer.close()


async def serve() -> None:
    """Claim and run sessions until the process is stopped."""
    name = f"{socket.gethostname()}:{os.getpid()}"
    running: set[asyncio.Task] = set()
    # Build the engines before the first person waits for them.
    await db(inference.analyser)
    await db(inference.swapper, strong=True)
    await db(inference.judges)
    logger.info("Live worker %s ready (%d session(s) at a time)", name, settings.SAFEFACE_LIVE_SESSIONS_PER_WORKER)
    expired = 0.0
    while True:
        if time.monotonic() - expired > EXPIRE_SECONDS:
            await db(LiveSession.objects.expire)
            expired = time.monotonic()
        if len(running) < settings.SAFEFACE_LIVE_SESSIONS_PER_WORKER:
            session = await db(LiveSession.objects.select_related("avatar").claim_next, name)
            if session is not None:
                task = asyncio.create_task(run_session(session))
                running.add(task)
                task.add_done_callback(running.discard)
                continue
        await asyncio.sleep(POLL_SECONDS)
