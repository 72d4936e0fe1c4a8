"""How the DCGAN picks a face when nothing measurable is asked for (the face API, "anything"
avatars): today's rule against the previous one and none, on the same seeds.

    .venv/bin/python bench/bench_picking.py [--seeds 200] [--candidates 16] [--sure 0.8,0.85,0.9] [--rounds 1,2,3]

Rules compared:

- none: the seed's own latent (no analyser);
- most face-like of 16, full analysis (picking version 2): every candidate drawn, upscaled to
  192 px and run through the whole offline analyser (both detectors, FaceMesh twice), the most
  confident single face kept;
- first sure face (picking version 3, the generator's rule): candidates drawn and scored by
  the analyser's face_likeness (the short-range detector alone, on the 64 px drawing)
  dcgan.PICK_ROUND per seed at a time, the first scoring dcgan.SURE_FACE kept, else the
  likeliest (--sure tries other thresholds on the same seeds).

Each output is judged afresh at the face API's default size (300 px) by the full analyser:
the share with exactly one face (the quality bar: >= 0.9), the share of those found at
least 0.8 sure, the mean score (0 for no face or several). Speed is one thread, ms per face,
all seeds in one call as the worker's batch would be.

A second table times the round size (--rounds): how many candidates of each seed are drawn
and scored at a time. It cannot change which candidate is kept (the first sure one, else the
likeliest of all), only how many are drawn for nothing and how full each network batch is, so
it is timed with the worker's batches (4, 8 and 16 seeds per call) and the outputs are checked
to be the same.
"""

from __future__ import annotations

import argparse
import logging
import time

import numpy as np
import torch

from facekit.engines.analysis import load_analyser
from facekit.engines.generation import resize_square
from facekit.engines.generation import dcgan
from facekit.engines.generation.dcgan import DEFAULT_CANDIDATES, LATENT_DIM, MEASURE_SIZE, PICK_ROUND, SURE_FACE, DcganGenerator
from facekit.engines.generation.latents import seed_latent

JUDGE_SIZE = 300


def most_face_like_full(generator: DcganGenerator, analyser, seeds: list[int]) -> list[np.ndarray]:
    """Picking version 2, kept here to compare against: all candidates, the full analysis."""
    latents = []
    for seed in seeds:
        group = generator._candidate_seeds(seed)
        natives = generator.render_native(np.stack([seed_latent(c, LATENT_DIM) for c in group]))
        confidence = []
        for native in natives:
            faces = analyser.detect(resize_square(native, MEASURE_SIZE))
            confidence.append(faces[0].score if len(faces) == 1 else -1.0)
        latents.append(seed_latent(group[int(np.argmax(confidence))], LATENT_DIM))
    return list(generator.render_native(np.stack(latents)))


def judged(analyser, natives: list[np.ndarray]) -> tuple[float, float, float]:
    scores = []
    for native in natives:
        faces = analyser.detect(resize_square(native, JUDGE_SIZE))
        scores.append(faces[0].score if len(faces) == 1 else 0.0)
    scores = np.array(scores)
    return float(np.mean(scores > 0)), float(np.mean(scores >= 0.8)), float(scores.mean())


class Counting:
    """The analyser, counting face_likeness calls (one per candidate drawn)."""

    def __init__(self, analyser):
        self.analyser, self.name, self.calls = analyser, analyser.name, 0

    def detect(self, image):
        return self.analyser.detect(image)

    def face_likeness(self, image):
        self.calls += 1
        return self.analyser.face_likeness(image)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--candidates", type=int, default=DEFAULT_CANDIDATES)
    parser.add_argument("--sure", default="0.8,0.85", help="comma-separated thresholds to compare")
    parser.add_argument("--rounds", default="1,2,3", help="comma-separated round sizes to time")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    torch.set_num_threads(1)

    analyser = load_analyser("offline")
    seeds = [5_000 + 7_919 * i for i in range(arguments.seeds)]
    plain = DcganGenerator()

    rows = []
    started = time.perf_counter()
    raw = list(plain.render_native(np.stack([seed_latent(s, LATENT_DIM) for s in seeds])))
    rows.append(("none (the seed's own face)", time.perf_counter() - started, 1.0, raw))
    started = time.perf_counter()
    full = most_face_like_full(plain, analyser, seeds)
    rows.append((f"most face-like of {arguments.candidates}, full analysis (v2)", time.perf_counter() - started,
                 float(arguments.candidates), full))
    for sure in (float(value) for value in arguments.sure.split(",")):
        dcgan.SURE_FACE = sure  # the rule reads it at each call
        counting = Counting(analyser)
        picker = DcganGenerator(counting, candidates=arguments.candidates)
        started = time.perf_counter()
        chosen = picker.generate(None, seeds, picker.native_size)
        label = "first sure face (v3)" if sure == SURE_FACE else "first sure face"
        rows.append((f"{label}, face_likeness >= {sure:.2f}", time.perf_counter() - started, counting.calls / len(seeds), chosen))
    dcgan.SURE_FACE = SURE_FACE

    print(f"{len(seeds)} seeds, judged by the full offline analyser at {JUDGE_SIZE} px; one thread")
    print("| rule | exactly one face | of all, >= 0.8 sure | mean score | candidates drawn per face | ms per face |")
    print("|---|---|---|---|---|---|")
    for name, seconds, drawn, natives in rows:
        one, sure, mean = judged(analyser, natives)
        print(f"| {name} | {one:.3f} | {sure:.3f} | {mean:.3f} | {drawn:.2f} | {seconds * 1000 / len(seeds):.1f} |")
    rounds(analyser, seeds, arguments)


def rounds(analyser, seeds: list[int], arguments) -> None:
    """ms per face for each round size, as the worker calls the generator (a batch of seeds)."""
    batches = (4, 8, 16)
    print(f"\nRound size (candidates per seed drawn at a time), {len(seeds)} seeds, one thread")
    print("| round | candidates drawn per face | " + " | ".join(f"ms per face, {b} seeds a call" for b in batches) + " | same faces |")
    print("|---|---|" + "---|" * len(batches) + "---|")
    reference = None
    for size in (int(value) for value in arguments.rounds.split(",")):
        dcgan.PICK_ROUND = size
        timings = []
        for batch in batches:
            counting = Counting(analyser)
            picker = DcganGenerator(counting, candidates=arguments.candidates)  # its own measurement cache
            started = time.perf_counter()
            faces = [f for i in range(0, len(seeds), batch) for f in picker.generate(None, seeds[i : i + batch], picker.native_size)]
            timings.append((time.perf_counter() - started) * 1000 / len(seeds))
        reference = faces if reference is None else reference
        same = all(np.array_equal(a, b) for a, b in zip(faces, reference))
        label = f"{size} (the generator's)" if size == PICK_ROUND else str(size)
        print(f"| {label} | {counting.calls / len(seeds):.2f} | " + " | ".join(f"{t:.1f}" for t in timings) + f" | {'yes' if same else 'NO'} |")
    dcgan.PICK_ROUND = PICK_ROUND


if __name__ == "__main__":
    main()
