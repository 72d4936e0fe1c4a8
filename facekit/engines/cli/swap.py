"""`python -m facekit.engines swap --source face.png --target photo.jpg|clip.mp4 -o out.jpg|out.mp4`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from ..active import SWAPPER_NAMES, analyser_for
from ..analysis import load_analyser, read_image
from ..analysis.images import save_image
from ..errors import EngineError
from ..swapping import load_swapper, parse_selection, prepare_source

logger = logging.getLogger(__name__)

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".webm", ".mkv"})


def _selection(text: str):
    try:
        return parse_selection(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_swap_command(subcommands: argparse._SubParsersAction) -> None:
    """Register `swap` on the engines' command-line parser."""
    parser = subcommands.add_parser("swap", help="put a generated face onto the faces of a photo or video")
    parser.add_argument("--source", type=Path, required=True, help="the generated face (JPEG/PNG/WebP)")
    parser.add_argument("--target", type=Path, required=True, help="photo (JPEG/PNG/WebP) or video (mp4/mov/webm/mkv)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="file to write (.png/.jpg/.webp or .mp4)")
    parser.add_argument("--faces", type=_selection, default="all",
                        help="all, largest, or face numbers left to right from 0, e.g. 0,2 (default all)")
    parser.add_argument("--swapper", choices=SWAPPER_NAMES, default="auto",
                        help="auto: inswapper when its model is in --models-dir, else the offline mesh swapper")
    parser.add_argument("--models-dir", type=Path, default=None, help="folder that fetch_models filled")
    parser.add_argument("--reference-frame", type=int, default=0, help="video: frame where --faces numbers faces")
    parser.add_argument("--strong", action="store_true", help="the stronger mesh swap (more of the face replaced)")
    parser.add_argument("--no-check", dest="check", action="store_false",
                        help="skip the identity check (by default the summary says whether each swapped face still "
                             "looks like the person to dlib's face recogniser)")
    parser.set_defaults(run=run_swap)


def run_swap(arguments: argparse.Namespace) -> int:
    """Exit 0 with a JSON summary on stdout; 2 with a message on stderr (and no output file) on bad input."""
    try:
        swapper = load_swapper(arguments.swapper, arguments.models_dir, strong=arguments.strong)
        analyser = load_analyser(analyser_for(swapper.name), models_dir=arguments.models_dir)
        source = prepare_source(analyser, read_image(arguments.source))
    except (EngineError, ValueError, OSError) as error:
        return _fail(f"{error} ({arguments.source})")
    started = time.perf_counter()
    if arguments.target.suffix.lower() in VIDEO_SUFFIXES:
        return _swap_video(arguments, source, swapper, analyser, started)
    return _swap_photo(arguments, source, swapper, analyser, started)


def _swap_photo(arguments, source, swapper, analyser, started: float) -> int:
    from ..swapping import swap_photo

    try:
        judges = _judges(arguments, swapper) if arguments.check else ()
        # With judges, faces one of them still knows get the stronger swap, as in the worker.
        stronger = load_swapper(arguments.swapper, arguments.models_dir, strong=True) if judges else None
        made = swap_photo(read_image(arguments.target), source, swapper=swapper, analyser=analyser,
                          faces=arguments.faces, judges=judges, stronger=stronger)
        save_image(made.image, arguments.output, prefix=".swap-")
    except (EngineError, ValueError, OSError) as error:
        return _fail(str(error))
    summary = {"output": str(arguments.output), "swapper": swapper.name, "analyser": analyser.name,
               "faces_found": made.faces_found, "faces_swapped": made.swapped}
    _report({**summary, **({"identity": made.identity.to_json()} if made.identity else {}),
             "seconds": round(time.perf_counter() - started, 3)})
    return 0


def _judges(arguments, swapper):
    from ..recognition import load_judges

    return load_judges("auto", arguments.models_dir, swapper=swapper)


def _swap_video(arguments, source, swapper, analyser, started: float) -> int:
    from ..recognition import VideoIdentityCheck
    from ..video import VideoSwap

    def progress(percent: float, fps: float) -> None:
        print(f"\r{percent:5.1f}%  {fps:5.1f} frames/s", end="", file=sys.stderr, flush=True)

    try:
        check = VideoIdentityCheck(_judges(arguments, swapper)) if arguments.check else None
        swap = VideoSwap(source, swapper, analyser, faces=arguments.faces, reference_frame=arguments.reference_frame,
                         check=check)
        report = swap.run(arguments.target, arguments.output, progress=progress)
    except (EngineError, ValueError, OSError) as error:
        print(file=sys.stderr)
        return _fail(str(error))
    print(file=sys.stderr)
    _report({"output": str(arguments.output), "swapper": swapper.name, "analyser": analyser.name,
             "frames": report.frames, "swapped_frames": report.swapped_frames, "fps": round(report.fps, 1),
             "has_audio": report.has_audio, **({"identity": report.identity.to_json()} if report.identity else {}),
             "seconds": round(time.perf_counter() - started, 3)})
    return 0


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _report(summary: dict) -> None:
    json.dump(summary, sys.stdout)
    sys.stdout.write("\n")
