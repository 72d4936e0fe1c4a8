"""Provenance speed: labelling a picture, reading it back, labelling a video.

    .venv/bin/python bench/bench_provenance.py [--runs 5] [--sizes 512 1024] [--video]

Speed: ms to label a PNG (watermark + XMP + C2PA sign) and to read it back, each stage
timed on its own as well as the whole call; medians of --runs runs, on scikit-image's
astronaut photo resized to each size (speed depends on size, not content; a photo because
the watermark must be readable for the read-back check). A throwaway development signing
identity is made in a temporary folder.

--video prints what labelling a swapped video costs: ms to watermark one 720p frame, a 10 s
720p swap's frames/s with no watermark and with one every 1 and 2 s (the setting's default)
and on every frame, ms to sign the finished MP4 with C2PA and to read all its marks back.

What the watermark survives, and its false positives, are bench/bench_watermark.py's.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from facekit.provenance import (
    GenerationFacts,
    Kind,
    Verdict,
    label_image,
    load_or_create_dev_identity,
    read_provenance,
    watermark,
)
from facekit.provenance.image_formats import decode_rgb, encode_rgb, open_image
from facekit.provenance.manifest import read_manifest, sign_image
from facekit.provenance.xmp import build_packet, parse_packet


def sample_photo(size: int) -> np.ndarray:
    from skimage import data

    photo = data.astronaut()
    return cv2.resize(photo, (size, size), interpolation=cv2.INTER_AREA if size < photo.shape[0] else cv2.INTER_CUBIC)


def median_ms(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def time_one_size(size: int, runs: int, identity, facts: GenerationFacts) -> tuple:
    mime = "image/png"
    anchors = identity.trust_anchors_pem
    payload = watermark.WatermarkPayload(facts.kind, facts.object_id)
    rgb = sample_photo(size)
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
    from facekit.engines.analysis import OfflineAnalyser
    from facekit.engines.swapping import IdentityMeshSwapper, prepare_source
    from facekit.engines.video import VideoSwap
    from facekit.provenance import FrameMarker, label_video, video_tags

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
    if args.video:
        print_video(args.runs, identity)


if __name__ == "__main__":
    main()
