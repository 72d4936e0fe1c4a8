"""`python -m facekit.engines detect IMAGE...`: print the faces found as JSON."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from ..active import ANALYSER_NAMES
from ..analysis import load_analyser, read_image
from ..types import Face

logger = logging.getLogger(__name__)


def add_detect_command(subcommands: argparse._SubParsersAction) -> None:
    """Register `detect` on the engines' command-line parser."""
    parser = subcommands.add_parser("detect", help="find faces in images and print them as JSON")
    parser.add_argument("images", nargs="+", type=Path, help="JPEG/PNG/WebP files")
    parser.add_argument("--analyser", choices=ANALYSER_NAMES, default="auto",
                        help="auto: insightface when buffalo_l is in --models-dir, else offline")
    parser.add_argument("--models-dir", type=Path, default=None, help="folder that fetch_models filled")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for the offline analyser")
    parser.add_argument("--landmarks", action="store_true", help="include dense landmarks")
    parser.set_defaults(run=run_detect)


def face_to_json(face: Face, landmarks: bool = False) -> dict:
    """A face as plain JSON values, pixel coordinates rounded to 0.1."""
    result = {
        "box": [round(value, 1) for value in face.box],
        "score": round(face.score, 4),
        "keypoints": [[round(float(x), 1), round(float(y), 1)] for x, y in face.keypoints[:, :2]],
    }
    if landmarks and face.landmarks is not None:
        result["landmarks"] = [[round(float(value), 1) for value in point] for point in face.landmarks]
    return result


def run_detect(arguments: argparse.Namespace) -> int:
    """One JSON list of faces for a single image; an object {path: faces} for several."""
    analyser = load_analyser(arguments.analyser, models_dir=arguments.models_dir, num_threads=arguments.threads)
    logger.info("analyser: %s", analyser.name)
    results, failed = {}, False
    for path in arguments.images:
        try:
            faces = analyser.detect(read_image(path))
        except (OSError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            failed = True
            continue
        results[str(path)] = [face_to_json(face, arguments.landmarks) for face in faces]
    output = next(iter(results.values())) if len(arguments.images) == 1 and results else results
    if results:
        json.dump(output, sys.stdout, indent=None)
        sys.stdout.write("\n")
    return 1 if failed else 0
