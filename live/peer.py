"""One live session on a live worker: the WebRTC peer (aiortc) and the swapped video track.

Only the live worker imports this (aiortc, PyAV, the engines). Frames flow as:

    camera track --(_read: keeps only the newest frame)--> _swap (a thread: RGB, LiveSwap)
        --> recv() --> aiortc's encoder --> the browser

`recv()` hands the encoder the next swapped frame; if none is ready within the frame budget
(late, or not started), it sends the last frame shown again, or the camera frame blurred past
recognition: never a camera frame as it came (fail closed). Dropping stale camera frames
instead of queueing them keeps the delay at one frame's work however slow a frame is.

While the person records, each frame shown (and the camera's sound) also goes to a
`LiveRecording`, which encodes and judges it on a thread of its own.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from aiortc import MediaStreamTrack, RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from av import VideoFrame

from facekit.engines.live import LiveRecording, LiveState, LiveSwap, RecordingReport, blurred

logger = logging.getLogger(__name__)

CLOCK = 90_000  # RTP's video clock
MAX_FPS = 30  # frames sent at most this often, late ones included (a late frame is not a spin)
WAITING = np.full((480, 640, 3), 48, np.uint8)  # before the camera's first frame: plain grey


class SwappedTrack(MediaStreamTrack):
    """The camera's track, swapped: what the live worker sends back."""

    kind = "video"

    def __init__(self, camera: MediaStreamTrack, live: LiveSwap, pool: ThreadPoolExecutor, *, budget: float):
        super().__init__()
        self.camera, self.live, self.pool, self.budget = camera, live, pool, budget
        self.state = LiveState.STARTING
        self.counts: dict[str, int] = defaultdict(int)  # camera, swapped, held, blurred, sent
        self.ms: dict[str, float] = defaultdict(float)  # summed per stage, for the averages
        self._newest: VideoFrame | None = None
        self._arrived = asyncio.Event()
        self._ready: np.ndarray | None = None
        self._swapped = asyncio.Event()
        self._shown: np.ndarray | None = None
        self.recording: LiveRecording | None = None
        self._start = self._next_due = time.monotonic()
        self._tasks = [asyncio.ensure_future(self._read()), asyncio.ensure_future(self._swap())]

    async def _read(self) -> None:
        while True:
            try:
                frame = await self.camera.recv()
            except MediaStreamError:
                return
            self._newest = frame
            self.counts["camera"] += 1
            self._arrived.set()

    async def _swap(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            frame = self._newest
            try:
                made = await loop.run_in_executor(self.pool, self._process, frame)
            except Exception:  # noqa: BLE001  (one bad frame: the held or blurred frame goes out instead)
                logger.exception("A live frame could not be swapped")
                self.counts["errors"] += 1
                continue
            self._ready = made
            self._swapped.set()

    def _process(self, frame: VideoFrame) -> np.ndarray:
        started = time.perf_counter()
        rgb = frame.to_ndarray(format="rgb24")
        self.ms["decode"] += 1000 * (time.perf_counter() - started)
        done = self.live(rgb, time.monotonic() - self._start)
        for stage, ms in done.ms.items():
            self.ms[stage] += ms
        self.state = done.state
        self.counts["swapped" if done.swapped else "blurred" if "blur" in done.ms else "held"] += 1
        if (recording := self.recording) is not None:
            recording.add_frame(rgb, done.image, done.faces)
        return done.image

    async def recv(self) -> VideoFrame:
        wait = self._next_due - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._next_due = max(self._next_due, time.monotonic() - 1 / MAX_FPS) + 1 / MAX_FPS
        try:
            await asyncio.wait_for(self._swapped.wait(), self.budget)
            self._swapped.clear()
            image, self._shown = self._ready, self._ready
        except asyncio.TimeoutError:
            self.counts["late"] += 1
            if self._shown is not None:
                image = self._shown  # late: the last frame shown, again
            elif self._newest is not None:
                image = blurred(self._newest.to_ndarray(format="rgb24"))  # not started: blurred
            else:
                image = WAITING
        started = time.perf_counter()
        frame = VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts = int((time.monotonic() - self._start) * CLOCK)
        frame.time_base = fractions.Fraction(1, CLOCK)
        self.ms["frame"] += 1000 * (time.perf_counter() - started)
        self.counts["sent"] += 1
        return frame

    def stats(self) -> dict:
        elapsed = max(time.monotonic() - self._start, 1e-3)
        done = max(self.counts["swapped"] + self.counts["blurred"] + self.counts["held"], 1)
        return {
            "seconds": round(elapsed, 1),
            "fps_sent": round(self.counts["sent"] / elapsed, 1),
            "fps_camera": round(self.counts["camera"] / elapsed, 1),
            "fps_swapped": round(self.counts["swapped"] / elapsed, 1),
            "frames": dict(self.counts),
            "ms": {stage: round(total / (self.counts["sent"] if stage == "frame" else done), 1) for stage, total in self.ms.items()},
            "checks": self.live.checks,
        }

    def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        super().stop()


class LivePeer:
    """The worker's side of one session: answer the browser's offer, send the swapped track."""

    def __init__(self, live: LiveSwap, pool: ThreadPoolExecutor, *, ice_servers: list[dict], budget: float):
        self.live, self.pool, self.budget = live, pool, budget
        servers = [RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential")) for s in ice_servers]
        # An empty list, not None: None would make aiortc ask a public STUN server (no calls out).
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=servers))
        self.track: SwappedTrack | None = None
        self.sound: MediaStreamTrack | None = None
        self.recording: LiveRecording | None = None
        self._hearing: asyncio.Future | None = None

        @self.pc.on("track")
        def _on_track(track):
            if track.kind == "video" and self.track is None:
                self.track = SwappedTrack(track, self.live, self.pool, budget=self.budget)
                self.pc.addTrack(self.track)
            elif track.kind == "audio" and self.sound is None:
                # The camera's sound is not sent back (the person would hear themselves); it is
                # read all the time (unread, it would pile up) and kept only while recording.
                self.sound = track
                self._hearing = asyncio.ensure_future(self._hear(track))

    async def _hear(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if (recording := self.recording) is not None:
                recording.add_sound(frame)

    def start_recording(self, path, *, judges) -> None:
        """Record from the next frame shown: its frames, the sound if the browser sends it."""
        self.recording = LiveRecording(path, self.live.source, judges=judges, audio=self.sound is not None)
        if self.track is not None:
            self.track.recording = self.recording

    async def finish_recording(self) -> RecordingReport | None:
        """Stop recording; the finished file's report (None when not recording)."""
        recording, self.recording = self.recording, None
        if self.track is not None:
            self.track.recording = None
        if recording is None:
            return None
        return await asyncio.to_thread(recording.finish)

    async def answer(self, offer: str) -> str:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        if self.track is None:
            raise ValueError("The offer has no camera track.")
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.pc.localDescription.sdp  # aiortc gathers its candidates first: no trickle

    @property
    def broken(self) -> bool:
        return self.pc.connectionState in ("failed", "closed")

    async def close(self) -> None:
        if self._hearing is not None:
            self._hearing.cancel()
        if self.track is not None:
            self.track.stop()
        await self.pc.close()
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.live.close()
