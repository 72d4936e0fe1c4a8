"""Variations of one person: is a changed avatar still the same person, and is the change seen?

    .venv/bin/python bench/bench_variations.py [--seeds 30] [--generator mobilestylegan]

For each seed, the face drawn with nothing asked for, then the same seed with one thing about
the picture changed (the changes "More like this" makes, and what "Change one attribute" does
with expression, head pose or light). Same person: dlib's recogniser puts the variation below
its 0.6 threshold from the original. Change seen: by the value's own objective (guided.py),
the variation's reading moved towards the value asked from the original's (towards its target
by at least a tenth of the objective's scale, or in the asked direction), measured at 512 px.
"""

from __future__ import annotations

import argparse
import logging

import numpy as np

from facekit.engines.analysis import load_analyser
from facekit.engines.generation.guided import objectives_for
from facekit.engines.measure import measure
from facekit.engines.recognition import load_recogniser
from facekit.engines.registry import load_generator
from facekit.engines.vocabulary import validate_spec

SIZE = 512
CHANGES = [("expression", "broad_smile"), ("expression", "neutral"), ("head_pose", "slightly_left"),
           ("head_pose", "slightly_right"), ("lighting", "bright"), ("lighting", "dark")]


def one_face(analyser, image):
    faces = analyser.detect(image)
    return max(faces, key=lambda f: f.score) if faces else None


def seen(objective, before: float | None, after: float | None) -> bool:
    if before is None or after is None:
        return False
    if objective.target is not None:
        return abs(after - objective.target) < abs(before - objective.target) - 0.1 * objective.scale
    return (after - before) * objective.direction > 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--generator", default="mobilestylegan")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    analyser = load_analyser("offline")
    judge = load_recogniser("dlib")
    generator = load_generator(arguments.generator, analyser=analyser)
    seeds = list(range(7000, 7000 + arguments.seeds))
    originals = {}
    for seed, image in zip(seeds, generator.generate({}, seeds, SIZE)):
        face = one_face(analyser, image)
        if face is not None:
            originals[seed] = (image, face, judge.embed(image, face))
    print(f"{arguments.generator}: {len(originals)} of {len(seeds)} seeds (7000..) with a face, at {SIZE} px\n")
    print("| change | same person (dlib < 0.6) | median dlib distance | change seen |")
    print("|---|---|---|---|")
    for attribute, value in CHANGES:
        (objective,) = objectives_for(validate_spec({attribute: value}), with_face_analysis=True)
        same, distances, changed = [], [], []
        for seed, (image, face, vector) in originals.items():
            (varied,) = generator.generate({attribute: value}, [seed], SIZE)
            varied_face = one_face(analyser, varied)
            other = judge.embed(varied, varied_face) if varied_face is not None else None
            distance = judge.distance(vector, other) if vector is not None and other is not None else np.inf
            same.append(distance < judge.threshold)
            distances.append(distance)
            before = objective.reading(measure(image, face))
            after = objective.reading(measure(varied, varied_face)) if varied_face is not None else None
            changed.append(seen(objective, before, after))
        print(f"| {attribute} → {value} | {np.mean(same):.2f} | {np.median(distances):.2f} | {np.mean(changed):.2f} |")


if __name__ == "__main__":
    main()
