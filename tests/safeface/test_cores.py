"""Every process starts with one thread per native pool (facekit/core/cores.py): web
processes parallelise by request threads, and OpenBLAS's idle threads spin."""

import cv2
import numpy as np
from threadpoolctl import threadpool_info

from facekit.core.cores import limit_native_threads


def test_a_django_process_runs_its_native_pools_on_one_thread():
    np.ones((64, 64)) @ np.ones((64, 64))  # BLAS loaded and used
    pools = threadpool_info()
    assert any(pool["user_api"] == "blas" for pool in pools)
    assert all(pool["num_threads"] == 1 for pool in pools), pools
    assert cv2.getNumThreads() == 1


def test_a_worker_gives_its_engines_their_share():
    try:
        limit_native_threads(2)
        assert all(pool["num_threads"] == 2 for pool in threadpool_info() if pool["user_api"] == "blas")
        assert cv2.getNumThreads() == 2
    finally:
        limit_native_threads(1)
