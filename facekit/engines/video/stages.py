"""Running decoding, swapping and encoding side by side: two background threads joined to the
caller's by small bounded queues.

FFmpeg's decoders, swscale and x264 release the GIL, and so do OpenCV and most numpy work in
the swap, so on two cores the three stages overlap instead of adding up. An error in any
stage stops the others, and the caller sees the first real one.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable

END = object()  # the last item a stage passes on
QUEUE_FRAMES = 4  # frames waiting between two stages: enough to smooth out uneven frames, little memory
POLL_SECONDS = 0.1


class Halted(Exception):
    """Another stage failed or the job was stopped: this one gives up quietly."""


class Stage:
    """One background thread running `target`; the exception it ended with is kept in `error`."""

    def __init__(self, name: str, target: Callable[[], None], halt: threading.Event):
        self.halt = halt
        self.error: BaseException | None = None
        self._target = target
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        try:
            self._target()
        except Halted:
            pass
        except BaseException as error:  # handed to the caller's thread, which raises it
            self.error = error
            self.halt.set()

    def start(self) -> "Stage":
        self.thread.start()
        return self

    def join(self) -> None:
        self.thread.join()


def give(items: queue.Queue, item: object, halt: threading.Event) -> None:
    """Put `item` on the queue, waiting for room; Halted when the job stops meanwhile."""
    while True:
        if halt.is_set():
            raise Halted
        try:
            items.put(item, timeout=POLL_SECONDS)
            return
        except queue.Full:
            continue


def take(items: queue.Queue, halt: threading.Event) -> object:
    """The next item of the queue, waiting for one; Halted when the job stops meanwhile."""
    while True:
        try:
            return items.get(timeout=POLL_SECONDS)
        except queue.Empty:
            if halt.is_set():
                raise Halted from None
