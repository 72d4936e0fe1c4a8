"""Provenance speed and watermark robustness.

    .venv/bin/python bench/bench_provenance.py [--runs 5] [--sizes 512 1024] [--robustness] [--video]

Speed: ms to label a PNG (watermark + XMP + C2PA sign) and to read it back, each stage
timed on its own as well as the whole call; medians of --runs runs, on smooth synthetic
pictures (speed depends on size, not content). A throwaway development signing identity
is made in a temporary folder.

--video prints what labelling a swapped video costs: ms to watermark one 720p frame, a 10 s
720p swap's frames/s with no watermark and with one every 1 and 2 s (the setting's default)
and on every frame, ms to sign the finished MP4 with C2PA and to read all its marks back.

--robustness also prints, per image and size, whether the watermark is still read after
PNG, JPEG and WebP round trips and a small resize, on insightface's bundled photos
(installed with the project) and a synthetic picture.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import statistics
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from safeface.provenance import (
    GenerationFacts,
    Kind,
    Verdict,
    label_image,
    load_or_create_dev_identity,
    read_provenance,
    watermark,
)
from safeface.provenance.image_files import decode_rgb, encode_rgb, open_image
from safeface.provenance.manifest import read_manifest, sign_image
from safeface.provenance.xmp import build_packet, parse_packet


def synthetic_picture(size: int) -> np.ndarray:
    rng = np.random.default_rng(size)
    noise = (rng.random((size // 8, size // 8, 3)) * 255).astype(np.uint8)
    return cv2.resize(noise, (size, size), interpolation=cv2.INTER_CUBIC)


def median_ms(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def round_trip(rgb: np.ndarray, fmt: str, **options) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, fmt, **options)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))


def resized(rgb: np.ndarray, factor: float) -> np.ndarray:
    height, width = rgb.shape[:2]
    return cv2.resize(rgb, (round(width * factor), round(height * factor)), interpolation=cv2.INTER_AREA)


ATTACKS = {
    "PNG": lambda rgb: round_trip(rgb, "PNG"),
    "JPEG q95": lambda rgb: round_trip(rgb, "JPEG", quality=95),
    "JPEG q90": lambda rgb: round_trip(rgb, "JPEG", quality=90),
    "JPEG q80": lambda rgb: round_trip(rgb, "JPEG", quality=80),
    "WebP q90": lambda rgb: round_trip(rgb, "WEBP", quality=90),
    "resize 0.9": lambda rgb: resized(rgb, 0.9),
}


def test_pictures(size: int) -> dict[str, np.ndarray]:
    pictures = {"synthetic": synthetic_picture(size)}
    spec = importlib.util.find_spec("insightface")
    if spec is not None and spec.submodule_search_locations:
        folder = Path(next(iter(spec.submodule_search_locations))) / "data" / "images"
        for name in ("t1.jpg", "Tom_Hanks_54745.png"):
            if (folder / name).exists():
                rgb = np.asarray(Image.open(folder / name).convert("RGB"))
                side = min(rgb.shape[:2])
                top, left = (rgb.shape[0] - side) // 2, (rgb.shape[1] - side) // 2
                square = rgb[top : top + side, left : left + side]
                pictures[name] = cv2.resize(square, (size, size), interpolation=cv2.INTER_CUBIC)
    return pictures


def print_robustness(sizes: list[int]) -> None:
    payload = watermark.WatermarkPayload(Kind.AVATAR, 42)
    print("\nwatermark read back after (yes/no); PSNR of the marked image in dB")
    print(" | ".join(f"{h:>12}" for h in ("picture", "size", "PSNR", *ATTACKS)))
    for size in sizes:
        for name, rgb in test_pictures(size).items():
            marked = watermark.embed(rgb, payload)
            psnr = 10 * np.log10(255**2 / max(np.mean((marked.astype(float) - rgb) ** 2), 1e-9))
            found = ["yes" if watermark.detect(attack(marked)) == payload else "no" for attack in ATTACKS.values()]
            print(" | ".join(f"{v:>12}" for v in (name[:12], size, f"{psnr:.1f}", *found)))


def time_one_size(size: int, runs: int, identity, facts: GenerationFacts) -> tuple:
    mime = "image/png"
    anchors = identity.trust_anchors_pem
    payload = watermark.WatermarkPayload(facts.kind, facts.object_id)
    rgb = synthetic_picture(size)
    marked = watermark.embed(rgb, payload)
    encoded = encode_rgb(marked, mime, xmp=build_packet(facts))
    labelled = label_image(rgb, mime=mime, facts=facts, identity=identity)
    report = read_provenance(labelled, trust_anchors_pem=anchors)
    assert report.c2pa.verdict is Verdict.TRUSTED and report.watermark == payload, report
    return (
        f"{size}x{size}",
        median_ms(lambda: watermark.embed(rgb, payload), runs),
        median_ms(lambda: encode_rgb(marked, mime, xmp=build_packet(facts)), runs),
        median_ms(lambda: sign_image(encoded, mime, facts, identity), runs),
        median_ms(lambda: label_image(rgb, mime=mime, facts=facts, identity=identity), runs),
        median_ms(lambda: read_manifest(labelled, mime, trust_anchors_pem=anchors), runs),
        median_ms(lambda: parse_packet(open_image(labelled, mime).info.get("xmp")), runs),
        median_ms(lambda: watermark.detect(decode_rgb(labelled)), runs),
        median_ms(lambda: read_provenance(labelled, trust_anchors_pem=anchors), runs),
        len(labelled) - len(encoded),
    )


def print_video(runs: int, identity) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from samples.clips import clip_frames, source_image, write_clip
    from safeface.engines.analysis import OfflineAnalyser
    from safeface.engines.swapping import IdentityMeshSwapper, prepare_source
    from safeface.engines.video import VideoSwap
    from safeface.provenance import FrameMarker, label_video, video_tags

    facts = GenerationFacts(Kind.SWAP, 42, "mesh@2.0", spec={})
    frame = clip_frames(1280, 720, 1)[0]
    payload = watermark.WatermarkPayload(Kind.SWAP, 42)
    embed_ms = median_ms(lambda: watermark.embed(frame, payload), runs)
    analyser = OfflineAnalyser()
    source = prepare_source(analyser, source_image())
    folder = Path(tempfile.mkdtemp())
    clip = write_clip(folder / "clip.mp4", clip_frames(1280, 720, 250), fps=25)
    print("\nA 10 s 1280x720 clip at 25 fps swapped by mesh@2.0 (one person), whole pipeline")
    print(f"watermark one 720p frame: {embed_ms:.0f} ms (median of {runs})")
    print(f"{'watermarked frames':>26} | {'frames/s':>8} | {'marked':>6}")
    out = folder / "out.mp4"
    for label, every in (("none", None), ("one every 2 s (default)", 2.0), ("one every 1 s", 1.0), ("every frame", 1e-9)):
        marker = FrameMarker(facts, every) if every else None
        report = VideoSwap(source, IdentityMeshSwapper(), analyser, mark=marker,
                           metadata=video_tags(facts, watermark_seconds=every)).run(clip, out)
        print(f"{label:>26} | {report.fps:>8.1f} | {marker.marked if marker else 0:>6}")
    signed = folder / "signed.mp4"
    sign_ms = median_ms(lambda: label_video(out, signed, facts=facts, identity=identity, parent=clip), runs)
    data = signed.read_bytes()
    read_ms = median_ms(lambda: read_provenance(data, trust_anchors_pem=identity.trust_anchors_pem), runs)
    report = read_provenance(data, trust_anchors_pem=identity.trust_anchors_pem)
    print(f"C2PA sign ({len(data) / 2**20:.1f} MB, with the upload as parent ingredient): {sign_ms:.0f} ms; "
          f"read every mark back: {read_ms:.0f} ms ({report.c2pa.verdict.value}, watermark "
          f"{'found' if report.watermark else 'not found'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024])
    parser.add_argument("--robustness", action="store_true")
    parser.add_argument("--video", action="store_true")
    args = parser.parse_args()

    identity = load_or_create_dev_identity(Path(tempfile.mkdtemp()) / "c2pa")
    facts = GenerationFacts(Kind.AVATAR, 42, "dcgan@1.1.1", seed=123456789, spec={"age": "adult", "smile": 0.7})

    rows = [time_one_size(size, args.runs, identity, facts) for size in args.sizes]

    header = (
        "size",
        "wm embed",
        "PNG+XMP",
        "C2PA sign",
        "LABEL",
        "C2PA read",
        "XMP read",
        "wm detect",
        "READ",
        "manifest bytes",
    )
    print(f"PNG, median of {args.runs} runs, ms (manifest bytes: file growth from C2PA)")
    print(" | ".join(f"{h:>10}" for h in header))
    for row in rows:
        print(" | ".join([f"{row[0]:>10}"] + [f"{value:>10.0f}" for value in row[1:]]))
    if args.robustness:
        print_robustness([256, *args.sizes])
    if args.video:
        print_video(args.runs, identity)


if __name__ == "__main__":
    main()
