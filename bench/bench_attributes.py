"""How often each offline generator draws what the studio asked for: asked against measured.

    .venv/bin/python bench/bench_attributes.py [--seeds 50] [--generators mobilestylegan dcgan]

For each attribute value below, the same seeds are drawn with that value asked for and
with nothing asked for, and the output is measured by the offline analyser (measure.py) at
256 px, as guided sampling measures it. A value "is followed" on a face when, by the
value's own objective (generation/guided.py, the DCGAN's rule):
- a target (skin tone on the Monk scale, yaw, hair colour): the reading is within the
  objective's scale of the target (1.5 Monk steps, 0.15 eye distances, 25 CIELAB units);
- a direction (smile, light, backdrop): the reading lies beyond the median of the same
  seeds drawn with nothing asked for (so chance is 50 %).
Printed per generator: that share with the value asked, and without (the baseline); "(not
followed)" marks a value the generator says it does not follow (the studio says so too).
"""

from __future__ import annotations

import argparse
import logging

import numpy as np

from facekit.engines.analysis import load_analyser
from facekit.engines.generation.guided import objectives_for
from facekit.engines.measure import measure
from facekit.engines.registry import load_generator
from facekit.engines.vocabulary import validate_spec

SIZE = 256
ASKED = [
    ("skin_tone", "monk_02"), ("skin_tone", "monk_05"), ("skin_tone", "monk_08"),
    ("expression", "broad_smile"), ("expression", "smile"), ("expression", "neutral"),
    ("head_pose", "left"), ("head_pose", "frontal"), ("head_pose", "right"),
    ("hair_colour", "black"), ("hair_colour", "brown"), ("hair_colour", "blonde"), ("hair_colour", "red"),
    ("lighting", "bright"), ("lighting", "dark"),
    ("background", "plain_light"), ("background", "plain_dark"),
]


def measured(generator, analyser, spec: dict, seeds: list[int]) -> list:
    """Each picture's measurements (the face fields None where the analyser finds no face)."""
    found = []
    for image in generator.generate(spec, seeds, SIZE):
        faces = analyser.detect(image)
        found.append(measure(image, max(faces, key=lambda f: f.score) if faces else None))
    return found


def readings(measurements: list, objective) -> np.ndarray:
    values = [objective.reading(m) for m in measurements]
    return np.array([np.nan if v is None else v for v in values], np.float64)


def followed(values: np.ndarray, objective, baseline: np.ndarray) -> float:
    if objective.target is not None:
        hits = np.abs(values - objective.target) <= objective.scale
    else:
        hits = (values - np.nanmedian(baseline)) * objective.direction > 0
    return float(np.mean(hits & np.isfinite(values)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--generators", nargs="+", default=["mobilestylegan", "dcgan"])
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    analyser = load_analyser("offline")
    seeds = list(range(5000, 5000 + arguments.seeds))
    table: dict[tuple[str, str], dict[str, tuple[float, float]]] = {}
    for name in arguments.generators:
        generator = load_generator(name, analyser=analyser)
        unguided = measured(generator, analyser, {}, seeds)
        for attribute, value in ASKED:
            (objective,) = objectives_for(validate_spec({attribute: value}), with_face_analysis=True)
            baseline = readings(unguided, objective)
            asked = readings(measured(generator, analyser, {attribute: value}, seeds), objective)
            claimed = value in generator.guided_values.get(attribute, ())
            table.setdefault((attribute, value), {})[name] = (followed(asked, objective, baseline),
                                                              followed(baseline, objective, baseline), claimed)
    print(f"Share of {len(seeds)} faces (seeds 5000..) that show the value asked, measured at {SIZE} px "
          "(asked / nothing asked)\n")
    print("| attribute | value | " + " | ".join(arguments.generators) + " |")
    print("|---|---|" + "---|" * len(arguments.generators))
    for (attribute, value), by_generator in table.items():
        cells = [f"{by_generator[name][0]:.2f} / {by_generator[name][1]:.2f}" + ("" if by_generator[name][2] else " (not followed)")
                 for name in arguments.generators]
        print(f"| {attribute} | {value} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
