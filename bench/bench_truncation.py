"""MobileStyleGAN's truncation: quality against variety, for choosing styles.TRUNCATION.

    .venv/bin/python bench/bench_truncation.py [--seeds 40] [--psi 0.5 0.6 0.7 0.8 1.0]

For each psi, the same seeds' styles are pulled towards the average style by psi and drawn at
1024 px (the analyser reads them at 512 px). Quality: the share in which the offline analyser
finds exactly one face scoring at least 0.8, and the mean score. Variety: over every pair of
those faces, the share that dlib's recogniser calls different people (distance >= its 0.6) and
the mean distance. A lower psi gives surer, more average faces; a higher one more varied faces
and more of StyleGAN's failures (extra faces, smeared backgrounds). Look at the sheet it writes too.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np
from PIL import Image

from facekit.engines.analysis import load_analyser
from facekit.engines.generation.resample import resize_square
from facekit.engines.generation.styles import TRUNCATION
from facekit.engines.generation.stylegan import MobileStyleGanGenerator
from facekit.engines.recognition import load_recogniser

SURE = 0.8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--psi", type=float, nargs="+", default=[0.5, 0.6, 0.7, 0.8, 1.0])
    parser.add_argument("--sheet", type=Path, default=Path("test-artifacts/truncation.png"))
    arguments = parser.parse_args()

    generator = MobileStyleGanGenerator()
    analyser = load_analyser("offline")
    judge = load_recogniser("dlib")
    seeds = list(range(1000, 1000 + arguments.seeds))
    raw = generator.raw_styles(seeds)
    rows, sheet = [], []
    for psi in arguments.psi:
        styles = (generator.space.average + psi * (raw - generator.space.average)).astype(np.float32)
        images = generator.render(styles, 512)
        sure, scores, embeddings = 0, [], []
        for image in images:
            faces = analyser.detect(image)
            if len(faces) == 1:
                scores.append(faces[0].score)
                if faces[0].score >= SURE:
                    sure += 1
                    embeddings.append(judge.embed(image, faces[0]))
        distances = [judge.distance(a, b) for a, b in itertools.combinations([e for e in embeddings if e is not None], 2)]
        different = np.mean([d >= judge.threshold for d in distances]) if distances else float("nan")
        rows.append((psi, sure / len(images), float(np.mean(scores)) if scores else 0.0, different,
                     float(np.mean(distances)) if distances else float("nan")))
        sheet.append(np.concatenate([resize_square(image, 128) for image in images[:8]], axis=1))

    print(f"MobileStyleGAN truncation, {len(seeds)} seeds (1000..), drawn at 1024 px (engine default psi = {TRUNCATION})\n")
    print("| psi | one face, score >= 0.8 | mean face score | pairs that are different people (dlib) | mean dlib distance |")
    print("|---|---|---|---|---|")
    for psi, sure, score, different, distance in rows:
        print(f"| {psi:.2f} | {sure:.3f} | {score:.3f} | {different:.3f} | {distance:.3f} |")
    arguments.sheet.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.concatenate(sheet, axis=0)).save(arguments.sheet)
    print(f"\nFirst 8 seeds per psi (rows, top to bottom): {arguments.sheet}")


if __name__ == "__main__":
    main()
