"""Does the watermark survive what sharing does, does it ever fire on a picture we did not
mark, can anyone see it, and what does it cost?

    .venv/bin/python bench/bench_watermark.py [--avatars 50] [--swaps 50] [--quick] [--jobs 2]

Marked pictures: the first --avatars seeds of the offline DCGAN at 512 px (as the studio
makes them), and --swaps results of the offline mesh swapper (mesh@2.0) putting five of
those avatars onto the photos that ship in installed packages (insightface's t1.jpg with
six people, its mask photos, Tom_Hanks_54745.png enlarged to 512 px, scikit-image's
astronaut) and onto frames of samples/clips.py's 720p clip, each marked with its own id.
Every transformation starts from the marked PNG pixels; "found" means detect() returned
exactly that picture's payload (a wrong payload counts as a false positive).

Unmarked pictures: the same swap results and photos before marking, the packaged photos
(insightface, scikit-image, grey ones as RGB), frames of the sample clip, DCGAN faces of
other seeds, and noise, flat, gradient and checkerboard images. Any payload read from one
of them is a false positive. The z-scores say how strong the pilot's peak and the bits'
energy were where the reader looked (on marked pictures they are far higher).

PSNR is of the marked picture against the original (RGB, dB). Speed: one process pinned to
one CPU core, OpenCV on one thread, median ms of --runs calls, on scikit-image's astronaut
resized to 512 and 1024 px (detect on the marked picture and on the original). --quick: 12 avatars, 12 swap results.
"""

from __future__ import annotations

import os

# One thread per library before numpy loads: --jobs sets the parallelism, and a BLAS pool of
# several threads pinned to the one core of the timings would crawl.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse
import io
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from facekit.provenance import Kind, watermark
from facekit.provenance.watermark import WatermarkPayload


# --- transformations --------------------------------------------------------------------


def encoded(rgb: np.ndarray, fmt: str, **options) -> np.ndarray:
    if fmt == "PNG":
        options.setdefault("compress_level", 1)  # the same pixels, ten times faster
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, fmt, **options)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))


def resized(rgb: np.ndarray, factor: float, interpolation: int | None = None) -> np.ndarray:
    height, width = rgb.shape[:2]
    if interpolation is None:
        interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    return cv2.resize(rgb, (round(width * factor), round(height * factor)), interpolation=interpolation)


def cropped(rgb: np.ndarray, left: float = 0, top: float = 0, right: float = 0, bottom: float = 0) -> np.ndarray:
    """Cut the given shares of the width (left, right) and height (top, bottom) off."""
    height, width = rgb.shape[:2]
    return rgb[round(height * top):height - round(height * bottom), round(width * left):width - round(width * right)]


def toned(rgb: np.ndarray, brightness: float = 1.0, contrast: float = 1.0, gamma: float = 1.0) -> np.ndarray:
    """Contrast about mid-grey, then brightness (a gain), then gamma, on every channel."""
    x = np.arange(256, dtype=np.float64) / 255
    x = np.clip(((x - 0.5) * contrast + 0.5) * brightness, 0, 1) ** gamma
    return cv2.LUT(np.ascontiguousarray(rgb), np.rint(x * 255).astype(np.uint8))


def screenshot(rgb: np.ndarray) -> np.ndarray:
    """Shown at a non-integer zoom (bilinear, as browsers do), a display's colour, PNG."""
    return encoded(toned(resized(rgb, 0.83, cv2.INTER_LINEAR), brightness=1.04, gamma=0.95), "PNG")


def screenshot_cropped(rgb: np.ndarray) -> np.ndarray:
    """A screenshot of part of it (3-6 % off each edge), zoomed in, saved as JPEG."""
    part = resized(cropped(rgb, 0.04, 0.06, 0.03, 0.05), 1.37, cv2.INTER_LINEAR)
    return encoded(toned(part, brightness=0.96, contrast=1.05), "JPEG", quality=85)


TRANSFORMATIONS = {
    "PNG": lambda x: encoded(x, "PNG"),
    "JPEG q85": lambda x: encoded(x, "JPEG", quality=85),
    "JPEG q50": lambda x: encoded(x, "JPEG", quality=50),
    "WebP q80": lambda x: encoded(x, "WEBP", quality=80),
    "resize 50 %": lambda x: resized(x, 0.5),
    "resize 75 %": lambda x: resized(x, 0.75),
    "resize 150 %": lambda x: resized(x, 1.5),
    "resize 200 %": lambda x: resized(x, 2.0),
    "crop 10 % off each side": lambda x: cropped(x, 0.1, 0.1, 0.1, 0.1),
    "crop 7 % off each side": lambda x: cropped(x, 0.07, 0.07, 0.07, 0.07),
    "crop 10 % off the left": lambda x: cropped(x, left=0.1),
    "crop 5 % top, 10 % right": lambda x: cropped(x, top=0.05, right=0.1),
    "brightness +10 %": lambda x: toned(x, brightness=1.1),
    "brightness -10 %": lambda x: toned(x, brightness=0.9),
    "contrast 0.9": lambda x: toned(x, contrast=0.9),
    "contrast 1.1": lambda x: toned(x, contrast=1.1),
    "gamma 0.8": lambda x: toned(x, gamma=0.8),
    "gamma 1.25": lambda x: toned(x, gamma=1.25),
    "screenshot (83 %, colour, PNG)": screenshot,
    "screenshot (crop, 137 %, JPEG 85)": screenshot_cropped,
    "resize 50 % + JPEG q50": lambda x: encoded(resized(x, 0.5), "JPEG", quality=50),
    "crop 10 % + resize 50 % + JPEG q70": lambda x: encoded(resized(cropped(x, 0.1, 0.1, 0.1, 0.1), 0.5), "JPEG", quality=70),
}


# --- pictures ---------------------------------------------------------------------------


def packaged_photos() -> dict[str, np.ndarray]:
    """Real photos that ship inside installed packages (no download)."""
    from skimage import data

    from samples.clips import PHOTOS
    from facekit.engines.analysis import read_image

    photos = {f"insightface {p.name}": read_image(p) for p in sorted(PHOTOS.iterdir()) if p.suffix in (".jpg", ".png")}
    for name in ("astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field", "immunohistochemistry", "retina",
                 "colorwheel", "camera", "brick", "grass", "gravel", "moon", "coins", "clock", "page", "text"):
        image = getattr(data, name)()
        photos[f"scikit-image {name}"] = np.ascontiguousarray(np.stack([image] * 3, axis=-1) if image.ndim == 2 else image[..., :3])
    return photos


def dcgan_faces(seeds: range) -> list[np.ndarray]:
    from facekit.engines.generation.dcgan import LATENT_DIM, DcganGenerator
    from facekit.engines.generation.latents import seed_latent

    generator = DcganGenerator()
    faces = []
    for start in range(seeds.start, seeds.stop, 16):
        batch = range(start, min(start + 16, seeds.stop))
        faces += generator.render(np.stack([seed_latent(s, LATENT_DIM) for s in batch]), 512)
    return [np.ascontiguousarray(face) for face in faces]


def swap_targets(analyser) -> dict[str, np.ndarray]:
    """Photos with faces to swap onto: the packaged ones, each person of t1.jpg cut out
    (portraits of many sizes), and frames of the sample clip."""
    from samples.clips import clip_frames

    photos = packaged_photos()
    group = photos["insightface t1.jpg"]
    targets = {"t1.jpg": group, "t1.jpg at 60 %": resized(group, 0.6), "astronaut": photos["scikit-image astronaut"],
               "Tom_Hanks at 512 px": cv2.resize(photos["insightface Tom_Hanks_54745.png"], (512, 512), interpolation=cv2.INTER_CUBIC)}
    for number, face in enumerate(analyser.detect(group)):
        x1, y1, x2, y2 = face.box
        side = max(256, round(2.6 * max(x2 - x1, y2 - y1)))
        left = int(np.clip((x1 + x2) / 2 - side / 2, 0, group.shape[1] - side))
        top = int(np.clip((y1 + y2) / 2 - side / 2, 0, group.shape[0] - side))
        targets[f"t1.jpg person {number}"] = np.ascontiguousarray(group[top:top + side, left:left + side])
    for index, frame in enumerate(clip_frames(1280, 720, 50)[::12]):
        targets[f"clip frame {index * 12}"] = frame
    return targets


def swap_results(count: int, sources: list[np.ndarray]) -> list[tuple[str, np.ndarray]]:
    """`count` results of the mesh swapper: every target with each source in turn."""
    from facekit.engines.analysis import OfflineAnalyser
    from facekit.engines.swapping import load_swapper, prepare_source, swap_photo

    analyser, swapper = OfflineAnalyser(), load_swapper("mesh")
    prepared = [prepare_source(analyser, source) for source in sources]
    targets = [(name, image) for name, image in swap_targets(analyser).items() if watermark.fits(image) and analyser.detect(image)]
    results = []
    for index in range(count):
        name, image = targets[index % len(targets)]
        source = (index + index // len(targets)) % len(prepared)
        results.append((f"{name}, avatar {source}", swap_photo(image, prepared[source], swapper=swapper, analyser=analyser).image))
    return results


def synthetic_unmarked() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    ramp = np.linspace(0, 255, 640, dtype=np.float32)
    checks = ((np.indices((480, 640)) // 32).sum(axis=0) % 2 * 255).astype(np.uint8)
    return {
        "black": np.zeros((512, 512, 3), np.uint8),
        "white": np.full((512, 512, 3), 255, np.uint8),
        "grey 300x400": np.full((300, 400, 3), 128, np.uint8),
        "gradient": np.repeat(np.tile(ramp, (480, 1))[..., None], 3, axis=2).astype(np.uint8),
        "checkerboard": np.repeat(checks[..., None], 3, axis=2),
        "uniform noise": rng.integers(0, 256, (512, 512, 3), dtype=np.uint8),
        "smooth noise": cv2.resize(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8), (512, 512), interpolation=cv2.INTER_CUBIC),
        "noise 1024": rng.integers(0, 256, (1024, 1024, 3), dtype=np.uint8),
    }


# --- measuring --------------------------------------------------------------------------


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return 10 * np.log10(255**2 / max(mse, 1e-12))


def check_marked(item: tuple[np.ndarray, WatermarkPayload]) -> tuple[list[bool], list[bool]]:
    """For each transformation: found exactly this payload, found another one."""
    marked, payload = item
    found, wrong = [], []
    for transform in TRANSFORMATIONS.values():
        read = watermark.detect(transform(marked))
        found.append(read == payload)
        wrong.append(read is not None and read != payload)
    return found, wrong


def check_unmarked(rgb: np.ndarray) -> tuple[bool, float, float]:
    """Whether any payload was read, and the pilot's and the bits' z where the reader looked."""
    reading = watermark.read(rgb)
    if reading is None:
        return False, 0.0, 0.0
    return reading.payload is not None, reading.pilot_z, reading.bits_z


def timings(runs: int) -> list[tuple[int, float, float, float]]:
    """(size, embed ms, detect ms on a marked picture, on an unmarked one), one core."""
    from bench_provenance import median_ms, sample_photo

    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        payload = WatermarkPayload(Kind.AVATAR, 42)
        rows = []
        for size in (512, 1024):
            rgb = sample_photo(size)
            marked = watermark.embed(rgb, payload)
            assert watermark.detect(marked) == payload
            rows.append((size, median_ms(lambda: watermark.embed(rgb, payload), runs),
                         median_ms(lambda: watermark.detect(marked), runs), median_ms(lambda: watermark.detect(rgb), runs)))
        return rows
    finally:
        cv2.setNumThreads(threads)
        os.sched_setaffinity(0, cores)


def share(flags: list[bool]) -> str:
    return f"{100 * sum(flags) / len(flags):5.1f} % ({sum(flags)}/{len(flags)})" if flags else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--avatars", type=int, default=50)
    parser.add_argument("--swaps", type=int, default=50)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--jobs", type=int, default=2, help="processes checking pictures (default 2)")
    parser.add_argument("--quick", action="store_true", help="12 avatars and 12 swap results")
    args = parser.parse_args()
    if args.quick:
        args.avatars, args.swaps = 12, 12
    cv2.setNumThreads(1)
    started = time.perf_counter()
    from samples.clips import clip_frames

    avatars = dcgan_faces(range(1, args.avatars + 1))
    swapped = swap_results(args.swaps, avatars[:5])
    groups = {
        "avatars": [(image, WatermarkPayload(Kind.AVATAR, seed)) for seed, image in enumerate(avatars, 1)],
        "swap results": [(image, WatermarkPayload(Kind.SWAP, 1000 + i)) for i, (_, image) in enumerate(swapped)],
    }
    marked = {name: [(watermark.embed(image, payload), payload) for image, payload in items] for name, items in groups.items()}
    unmarked = {
        "swap results, unmarked": [image for _, image in swapped],
        "packaged photos": list(packaged_photos().values()),
        "720p clip frames": clip_frames(1280, 720, 60)[::6],
        "DCGAN faces of other seeds": dcgan_faces(range(10_001, 10_021)),
        "noise, flat, gradient, checks": list(synthetic_unmarked().values()),
    }

    with ProcessPoolExecutor(args.jobs) as pool:
        results = {name: list(pool.map(check_marked, items, chunksize=2)) for name, items in marked.items()}
        nulls = {name: list(pool.map(check_unmarked, images, chunksize=2)) for name, images in unmarked.items()}

    print(f"Watermark found (exactly its payload) after each transformation; {len(groups['avatars'])} DCGAN avatars "
          f"(512 px) and {len(groups['swap results'])} mesh@2.0 swap results ({min(min(i.shape[:2]) for i, _ in groups['swap results'])}"
          f"-{max(max(i.shape[:2]) for i, _ in groups['swap results'])} px)")
    names = list(groups)
    print(f"| {'transformation':<36} | " + " | ".join(f"{n:>20}" for n in names) + " |")
    print(f"|{'-' * 38}|" + "|".join("-" * 22 for _ in names) + "|")
    missed = {}
    for index, transformation in enumerate(TRANSFORMATIONS):
        cells = [share([found[index] for found, _ in results[name]]) for name in names]
        print(f"| {transformation:<36} | " + " | ".join(f"{c:>20}" for c in cells) + " |")
        sides = [min(image.shape[:2]) for name in names for (image, _), (found, _) in zip(marked[name], results[name])
                 if not found[index]]
        if sides:
            missed[transformation] = ", ".join(f"{sides.count(side)} of {side} px" for side in sorted(set(sides)))
    for transformation, sides in missed.items():
        print(f"  missed after {transformation}: pictures whose short side was {sides}")
    wrong = sum(any(w) for name in names for _, w in results[name])
    print(f"\nMarked pictures that read as another payload after some transformation: {wrong}")

    print("\nFalse positives on unmarked pictures (any payload found); the highest pilot and bits z where the reader looked")
    print(f"| {'unmarked pictures':<32} | {'count':>5} | {'false positives':>15} | {'max pilot z':>11} | {'max bits z':>10} |")
    everything = [outcome for outcomes in nulls.values() for outcome in outcomes]
    for name, outcomes in [*nulls.items(), ("all", everything)]:
        print(f"| {name:<32} | {len(outcomes):>5} | {sum(o[0] for o in outcomes):>15} | {max(o[1] for o in outcomes):>11.1f} |"
              f" {max(o[2] for o in outcomes):>10.1f} |")
    print(f"-> {100 * sum(o[0] for o in everything) / len(everything):.1f} % false positives")

    print("\nPSNR of the marked pictures (dB)")
    for name, items in groups.items():
        values = [psnr(m, image) for (m, _), (image, _) in zip(marked[name], items)]
        print(f"  {name}: min {min(values):.1f}, median {statistics.median(values):.1f}")

    print("\nSpeed, one CPU core, median ms")
    print(f"| {'size':>9} | {'embed':>6} | {'detect (marked)':>15} | {'detect (unmarked)':>17} |")
    for size, embed_ms, found_ms, none_ms in timings(args.runs):
        print(f"| {size:>4}x{size:<4} | {embed_ms:>6.1f} | {found_ms:>15.0f} | {none_ms:>17.0f} |")
    print(f"\n({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
