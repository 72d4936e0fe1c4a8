"""Offline generation speed: MobileStyleGAN's 1024 px faces on each runtime and thread count,
DCGAN faces per second, and one guided DCGAN avatar.

    .venv/bin/python bench/bench_generation.py [--repeats 5] [--candidates 16]
    .venv/bin/python bench/bench_generation.py --gpu   # after `make install GPU=1`, on a CUDA machine

Prints a Markdown table. MobileStyleGAN rows: the synthesis network alone (one 1024 px face
from a style) on OpenVINO and on onnxruntime (the ONNX graph the GPU install runs on CUDA, here
on the CPU), with 1 and 2 threads, and a whole face with attributes asked (styles, drawing,
resizing). Guided DCGAN timings use fresh seeds on every repeat, so the generator's
measurement cache never helps. --gpu prints only MobileStyleGAN's synthesis on CUDA
(onnxruntime-gpu) at batch 1, 8 and 32.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time

import numpy as np
import torch

from facekit.engines.analysis import load_analyser
from facekit.engines.generation.dcgan import DEFAULT_CANDIDATES, LATENT_DIM, DcganGenerator
from facekit.engines.generation.latents import seed_latent
from facekit.engines.generation.quality import QualityGate
from facekit.engines.generation.stylegan import MobileStyleGanGenerator


def timed(function, repeats: int, budget_s: float = 1.0) -> list[float]:
    """At least `repeats` runs and `budget_s` seconds of them: medians of a few runs
    are at the mercy of whatever else a 2-core machine is doing."""
    function()  # warm-up: first calls pay for allocations and kernel selection
    times = []
    while len(times) < repeats or sum(times) < budget_s:
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--candidates", type=int, default=DEFAULT_CANDIDATES)
    parser.add_argument("--gpu", action="store_true", help="only MobileStyleGAN on CUDA, batch 1, 8, 32")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if arguments.gpu:
        return gpu_rows(arguments.repeats)

    rows = []
    for runtime in ("openvino", "onnxruntime"):
        for threads in (1, 2):
            stylegan = MobileStyleGanGenerator(runtime=runtime, threads=threads)
            style = stylegan.styles({}, [1])
            times = timed(lambda: stylegan.synthesis(style), arguments.repeats, budget_s=3.0)
            rows.append((f"MobileStyleGAN synthesis 1024 px, {runtime}, {threads} thread(s)",
                         f"{1 / statistics.median(times):.2f} faces/s", f"{statistics.median(times) * 1000:.0f} ms/face"))
    stylegan = MobileStyleGanGenerator(runtime="openvino", threads=2)
    seeds = iter(range(20_000, 1_000_000))
    spec = {"skin_tone": "monk_04", "expression": "smile", "head_pose": "slightly_left"}
    times = timed(lambda: stylegan.generate(spec, [next(seeds)], 1024), arguments.repeats, budget_s=3.0)
    rows.append(("MobileStyleGAN face 1024 px with skin tone, smile, pose (OpenVINO, 2 threads)",
                 f"median {statistics.median(times) * 1000:.0f} ms", f"max {max(times) * 1000:.0f} ms"))

    analyser = load_analyser("offline")
    plain = DcganGenerator()
    for batch in (1, 16, 64):
        latents = np.stack([seed_latent(s, LATENT_DIM) for s in range(batch)])
        native = statistics.median(timed(lambda: plain.render_native(latents), arguments.repeats))
        upscaled = statistics.median(timed(lambda: plain.render(latents, 256), arguments.repeats))
        rows.append((f"DCGAN 64 px, batch {batch}", f"{batch / native:.0f} faces/s", f"{native * 1000 / batch:.1f} ms/face"))
        rows.append((f"DCGAN to 256 px (Lanczos + unsharp), batch {batch}", f"{batch / upscaled:.0f} faces/s",
                     f"{upscaled * 1000 / batch:.1f} ms/face"))

    generator = DcganGenerator(analyser, candidates=arguments.candidates)
    gate = QualityGate(generator, analyser)
    next_seed = iter(range(10_000, 1_000_000))
    cases = (
        ("guided avatar 256 px: skin tone + expression", {"skin_tone": "monk_04", "expression": "smile"}, False),
        ("guided avatar 256 px: lighting + background (no analyser)", {"lighting": "bright", "background": "plain_light"}, False),
        ("guided avatar 256 px + quality gate: skin, expression, pose", {"skin_tone": "monk_08", "expression": "smile", "head_pose": "frontal"}, True),
    )
    for label, spec, gated in cases:
        if gated:
            run = lambda: gate.generate(spec, next(next_seed), 256)  # noqa: E731
        else:
            run = lambda: generator.generate(spec, [next(next_seed)], 256)  # noqa: E731
        times = timed(run, arguments.repeats)
        rows.append((f"{label} ({arguments.candidates} candidates)",
                     f"median {statistics.median(times) * 1000:.0f} ms", f"max {max(times) * 1000:.0f} ms"))

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs, "
          f"analyser {analyser.name}, repeats {arguments.repeats}\n")
    width = max(len(r[0]) for r in rows)
    print(f"| {'case'.ljust(width)} | speed | per item |")
    print(f"|{'-' * (width + 2)}|---|---|")
    for case, speed, per_item in rows:
        print(f"| {case.ljust(width)} | {speed} | {per_item} |")


def gpu_rows(repeats: int) -> None:
    from facekit.engines.generation.runtime import load_network
    from facekit.engines.generation.stylegan import weight_files

    providers = ["CUDAExecutionProvider"]
    synthesis_file = weight_files()[1]
    style = MobileStyleGanGenerator(runtime="openvino").styles({}, [1])
    print("| MobileStyleGAN synthesis 1024 px, onnxruntime on CUDA | faces/s | ms per batch |")
    print("|---|---|---|")
    for batch in (1, 8, 32):
        network = load_network(synthesis_file, runtime="onnxruntime", providers=providers, batch=batch)
        styles = np.repeat(style, batch, axis=0)
        times = timed(lambda: network(styles), repeats, budget_s=3.0)
        print(f"| batch {batch} ({network.describe()}) | {batch / statistics.median(times):.1f} | {statistics.median(times) * 1000:.1f} |")


if __name__ == "__main__":
    main()
