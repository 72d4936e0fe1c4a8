"""Offline photo swap speed: ms per 1280x720 photo with one face and with six faces (detect, swap, total).

    .venv/bin/python bench/bench_swap.py [--runs 20] [--all-cores]

The photos are bench_analysis.py's (insightface's bundled pictures: the portrait enlarged
onto a face-free part of the group photo, and the six-person group photo letterboxed);
the source is an avatar of the offline studio's default generator (MobileStyleGAN, 1024 px), and
the swapper the one the worker runs offline (mesh@2.1). By default the
process is pinned to one CPU core and OpenCV and the interpreters to one thread.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import cv2
import numpy as np
from bench_analysis import one_face_photo, six_faces_photo

from facekit.engines.analysis import OfflineAnalyser
from facekit.engines.registry import load_generator
from facekit.engines.swapping import load_swapper, prepare_source


def avatar(analyser: OfflineAnalyser) -> np.ndarray:
    generator = load_generator("auto", None, guided=False)
    for seed in range(1, 50):
        (image,) = generator.generate({}, [seed], generator.native_size)
        if len(analyser.detect(image)) == 1:
            return image
    raise SystemExit("no seed gave a face")


def median_p90(timings: list[float]) -> tuple[float, float]:
    timings = sorted(timings)
    return statistics.median(timings), timings[int(0.9 * (len(timings) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--all-cores", action="store_true", help="do not pin the process to one core")
    arguments = parser.parse_args()
    if not arguments.all_cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    cv2.setNumThreads(1)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    analyser = OfflineAnalyser(num_threads=1)
    swapper = load_swapper("mesh")
    source = prepare_source(analyser, avatar(analyser))
    photos = {"1280x720, one face": one_face_photo(), "1280x720, six faces": six_faces_photo()}
    print(f"{swapper.name} with {analyser.name}, {cores} CPU core(s), 1 thread, {source.image.shape[0]} px source, "
          f"median (p90) of {arguments.runs} runs")
    print(f"| {'photo':<22} | faces | detect ms     | swap ms       | total ms      | swap ms/face |")
    print(f"|{'-' * 24}|-------|---------------|---------------|---------------|--------------|")
    for label, photo in photos.items():
        for _ in range(3):  # warm-up: first calls allocate, pack weights, prepare the source
            faces = analyser.detect(photo)
            swapper.swap(source, photo, faces)
        detect, swap, total = [], [], []
        for _ in range(arguments.runs):
            start = time.perf_counter()
            faces = analyser.detect(photo)
            found = time.perf_counter()
            swapper.swap(source, photo, faces)
            done = time.perf_counter()
            detect.append((found - start) * 1000)
            swap.append((done - found) * 1000)
            total.append((done - start) * 1000)
        cells = [f"{m:>5.1f} ({p:>5.1f})" for m, p in map(median_p90, (detect, swap, total))]
        per_face = median_p90(swap)[0] / max(1, len(faces))
        print(f"| {label:<22} | {len(faces):>5} | {cells[0]} | {cells[1]} | {cells[2]} | {per_face:>12.1f} |")


if __name__ == "__main__":
    main()
