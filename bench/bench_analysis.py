"""Offline face analyser speed: ms per 1280x720 photo with one face and with six faces.

    .venv/bin/python bench/bench_analysis.py [--runs 30] [--threads 1] [--all-cores]

The photos are built from insightface's bundled pictures: the portrait enlarged onto
a face-free part of the group photo, and the group photo (six faces) letterboxed; then
the portrait small (120 px) on that part, found only by the tiled search, and that part
alone, where every search runs and finds nothing.
By default the process is pinned to one CPU core and every library to one thread.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import time
from pathlib import Path

import cv2
import numpy as np

from facekit.engines.analysis import OfflineAnalyser, read_image

PHOTOS = Path(next(iter(importlib.util.find_spec("insightface").submodule_search_locations))) / "data" / "images"
WIDTH, HEIGHT = 1280, 720


def one_face_photo() -> np.ndarray:
    group = read_image(PHOTOS / "t1.jpg")
    # The table and chips below everyone's chin: a busy background with no face in it.
    photo = cv2.resize(group[560:, :], (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA)
    face = cv2.resize(read_image(PHOTOS / "Tom_Hanks_54745.png"), (320, 320), interpolation=cv2.INTER_CUBIC)
    photo[200:520, 480:800] = face
    return photo


def small_face_photo(side: int = 120) -> np.ndarray:
    """The portrait at `side` px on the table: too small for the whole-frame search, found by tiles."""
    photo = no_face_photo()
    face = cv2.resize(read_image(PHOTOS / "Tom_Hanks_54745.png"), (side, side), interpolation=cv2.INTER_AREA)
    photo[300:300 + side, 600:600 + side] = face
    return photo


def no_face_photo() -> np.ndarray:
    """The table alone: every search runs and finds nothing (the worst case)."""
    group = read_image(PHOTOS / "t1.jpg")
    return cv2.resize(group[560:, :], (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA)


def six_faces_photo() -> np.ndarray:
    group = read_image(PHOTOS / "t1.jpg")
    scale = HEIGHT / group.shape[0]
    resized = cv2.resize(group, (round(group.shape[1] * scale), HEIGHT), interpolation=cv2.INTER_AREA)
    photo = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    left = (WIDTH - resized.shape[1]) // 2
    photo[:, left:left + resized.shape[1]] = resized
    return photo


def time_ms(analyser: OfflineAnalyser, image: np.ndarray, runs: int) -> tuple[int, float, float]:
    for _ in range(3):  # warm-up: first invocations allocate and pack weights
        faces = analyser.detect(image)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        analyser.detect(image)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return len(faces), statistics.median(timings), timings[int(0.9 * (len(timings) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--threads", type=int, default=1, help="interpreter threads")
    parser.add_argument("--all-cores", action="store_true", help="do not pin the process to one core")
    arguments = parser.parse_args()
    if not arguments.all_cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    cv2.setNumThreads(1)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    photos = {"1280x720, one face": one_face_photo(), "1280x720, six faces": six_faces_photo(),
              "1280x720, 120 px face": small_face_photo(), "1280x720, no face": no_face_photo()}
    print(f"offline analyser, {arguments.threads} interpreter thread(s), {cores} CPU core(s), "
          f"median of {arguments.runs} runs")
    print(f"| {'photo':<22} | {'orientations':<12} | faces | median ms | p90 ms |")
    print(f"|{'-' * 24}|{'-' * 14}|-------|-----------|--------|")
    for orientations in ("fallback", "always"):
        analyser = OfflineAnalyser(num_threads=arguments.threads, orientations=orientations)
        for label, photo in photos.items():
            faces, median, p90 = time_ms(analyser, photo, arguments.runs)
            print(f"| {label:<22} | {orientations:<12} | {faces:>5} | {median:>9.1f} | {p90:>6.1f} |")
    print(f"analyser: {analyser.name}")


if __name__ == "__main__":
    main()
