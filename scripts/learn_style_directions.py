"""Learn MobileStyleGAN's style space: writes facekit/engines/generation/data/mobilestylegan.npz.

    .venv/bin/python scripts/learn_style_directions.py --faces 2000

1. The average style, and the covariance of truncated styles: the mapping network on 10,000
   fixed seeds (salt "style-average").
2. --faces training faces from fixed seeds (salt "style-training"), truncated as the engine
   truncates, drawn at 1024 px, analysed at MEASURE_SIZE px by the offline analyser and
   measured (measure.py). Faces where the analyser sees other than one face are skipped.
3. Per reading (styles.FIELDS): ridge regression of the reading on the style, the ridge
   strength picked on a held-out fifth, R^2 on that fifth printed and stored; the readings'
   percentiles; the longest move (max_step) is the median distance of a training style from
   the average, so a move never takes a face further than a typical face is from the average.
4. Per reading, the direction a move takes: the covariance of styles times the model's
   coefficients (how styles vary with the reading among real draws), and the readings'
   covariance along it. A move along the coefficients alone, the shortest in plain style
   units, went mostly where the training styles never vary: the models promised a turned head
   that the network did not draw (yaw -0.12 where -0.35 was asked).

The drawn faces' readings are kept in --cache (default var/style-training.npz), so a refit
(--refit) takes seconds.

Deterministic given the engine (same seeds, same files). It takes about 15 minutes on two cores for
2,000 faces; the file it writes is data, committed with the code that reads it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from facekit.engines.analysis import load_analyser  # noqa: E402
from facekit.engines.generation import styles  # noqa: E402
from facekit.engines.generation.latents import seed_latent  # noqa: E402
from facekit.engines.generation.resample import resize_square  # noqa: E402
from facekit.engines.generation.stylegan import STYLE_DIM, weight_files  # noqa: E402
from facekit.engines.generation.runtime import load_network  # noqa: E402
from facekit.engines.measure import measure  # noqa: E402

AVERAGE_SEEDS = 10_000
MEASURE_SIZE = 256
RIDGE = (1.0, 10.0, 100.0, 1000.0)
ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "facekit/engines/generation/data" / styles.DATA_FILE


def readings(image: np.ndarray, analyser) -> list[float] | None:
    picture = resize_square(image, MEASURE_SIZE, sharpen=False)
    faces = analyser.detect(picture)
    if len(faces) != 1:
        return None
    m = measure(picture, faces[0])
    hair = m.hair_lab if m.hair_lab is not None else (np.nan,) * 3
    values = [m.skin_tone, m.smile, m.mouth_open, m.yaw, *hair, m.brightness, m.background_lightness, m.background_spread]
    return [np.nan if v is None else float(v) for v in values]


def ridge(x: np.ndarray, y: np.ndarray, strength: float) -> tuple[np.ndarray, float]:
    mean_x, mean_y = x.mean(0), y.mean()
    centred = x - mean_x
    coefficients = np.linalg.solve(centred.T @ centred + strength * np.eye(x.shape[1]), centred.T @ (y - mean_y))
    return coefficients, float(mean_y - mean_x @ coefficients)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faces", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--cache", type=Path, default=ROOT / "var" / "style-training.npz")
    parser.add_argument("--refit", action="store_true", help="fit again from --cache instead of drawing faces")
    args = parser.parse_args()

    mapping_file, synthesis_file = weight_files()
    mapping = load_network(mapping_file, threads=args.threads)
    synthesis = load_network(synthesis_file, threads=args.threads)

    def style_of(seed: int, salt: str) -> np.ndarray:
        return mapping(seed_latent(seed, STYLE_DIM, salt)[None].astype(np.float32))[0].astype(np.float64)

    drawn = np.array([style_of(seed, "style-average") for seed in range(AVERAGE_SEEDS)])
    average = drawn.mean(axis=0)
    covariance = np.cov((styles.TRUNCATION * (drawn - average)).T)
    if args.refit:
        with np.load(args.cache) as cached:
            x, y, faces = cached["styles"].astype(np.float64), cached["readings"], int(cached["faces"])
    else:
        x, y, faces = draw_and_measure(synthesis, style_of, average, args.faces)
        args.cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(args.cache, styles=x.astype(np.float32), readings=y, faces=faces)
    held_out = np.arange(len(x)) % 5 == 0
    coefficients, intercepts, r2 = [], [], []
    print(f"\n{'reading':<22}{'ridge':>8}{'held-out R2':>13}{'faces':>7}")
    for column, field in enumerate(styles.FIELDS):
        known = np.isfinite(y[:, column])
        train, test = known & ~held_out, known & held_out
        best = None
        for strength in RIDGE:
            c, b = ridge(x[train], y[train, column], strength)
            residual = y[test, column] - (x[test] @ c + b)
            score = 1 - residual.var() / y[test, column].var()
            if best is None or score > best[0]:
                best = (score, strength)
        c, b = ridge(x[known], y[known, column], best[1])  # refit on every face
        coefficients.append(c)
        intercepts.append(b)
        r2.append(best[0])
        print(f"{field:<22}{best[1]:>8g}{best[0]:>13.3f}{known.sum():>7}")
    quantiles = np.stack([np.nanpercentile(y[:, column], np.arange(101)) for column in range(len(styles.FIELDS))])
    max_step = float(np.median(np.linalg.norm(x - average, axis=1)))
    coefficients = np.asarray(coefficients)
    directions = coefficients @ covariance  # (fields, 512): Cov(style, reading) per reading
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.output, average=average.astype(np.float32), coefficients=coefficients.astype(np.float32),
        intercepts=np.asarray(intercepts, np.float32), r2=np.asarray(r2, np.float32),
        quantiles=quantiles.astype(np.float32), max_step=np.float32(max_step), fields=np.array(styles.FIELDS),
        directions=directions.astype(np.float32), gram=(directions @ coefficients.T).astype(np.float32),
    )
    print(f"\n{len(x)} of {faces} faces kept; max_step {max_step:.2f}; wrote {args.output}")


def draw_and_measure(synthesis, style_of, average: np.ndarray, faces: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(styles, readings, faces drawn) of the training faces that show exactly one face."""
    analyser = load_analyser("offline")
    kept_styles, kept_readings = [], []
    started = time.perf_counter()
    for seed in range(faces):
        style = (average + styles.TRUNCATION * (style_of(seed, "style-training") - average)).astype(np.float32)
        pixels = synthesis(style[None])[0]
        image = np.clip(pixels.transpose(1, 2, 0) * 127.5 + 127.5, 0, 255).round().astype(np.uint8)
        found = readings(image, analyser)
        if found is not None:
            kept_styles.append(style)
            kept_readings.append(found)
        if (seed + 1) % 100 == 0:
            print(f"{seed + 1} faces, {len(kept_styles)} kept, {time.perf_counter() - started:.0f} s", flush=True)
    return np.asarray(kept_styles, np.float64), np.asarray(kept_readings, np.float64), faces


if __name__ == "__main__":
    main()
