"""How many threads the native libraries in a process may use: one rule for every process.

Web and worker processes run in parallel already (request threads, one worker process per
core), so a library's own thread pool on top only competes for the same cores, and
OpenBLAS's idle threads spin while they wait: on 2 cores, labelling one face API image in a
web process cost 37 ms of CPU with numpy's default pool and 18 ms with one thread.
"""

from __future__ import annotations

import os
import sys


def limit_native_threads(threads: int) -> None:
    """Let OpenBLAS, OpenMP and OpenCV (and torch, where it is loaded) use `threads` threads:
    those loaded already through threadpoolctl, those loaded later (scipy's own OpenBLAS,
    say) through the variables they read when they load."""
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(threads)

    # Imported after the variables are set: a library loading now reads them.
    import cv2
    import numpy  # noqa: F401  (loads OpenBLAS, so that the limit reaches it)
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads)  # called, not entered: the limits stay
    cv2.setNumThreads(threads)
    if (torch := sys.modules.get("torch")) is not None:
        torch.set_num_threads(threads)
