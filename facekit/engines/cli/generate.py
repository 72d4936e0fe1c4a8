"""`python -m facekit.engines generate --attr key=value ... --seed N --size 256 -o face.png`."""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import secrets
import sys
from pathlib import Path

from ..active import GENERATOR_NAMES
from ..analysis.images import save_image
from ..vocabulary import ATTRIBUTES, SpecError, validate_spec
from ..errors import EngineError
from ..generation.quality import DEFAULT_MAX_TRIES, DEFAULT_MIN_SCORE
from . import add_licence_policy

logger = logging.getLogger(__name__)


def seed_for_value(value: str) -> int:
    """The face API's seed of a value: the first 8 bytes of its SHA-256."""
    return int.from_bytes(hashlib.sha256(value.encode()).digest()[:8], "big")


def _attribute(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    return key.strip(), value.strip()


def add_generate_command(subcommands: argparse._SubParsersAction) -> None:
    """Register `generate` on the engines' command-line parser."""
    attributes = ", ".join(ATTRIBUTES)
    parser = subcommands.add_parser(
        "generate", help="generate a synthetic face and save it as an image",
        description=f"Attributes: {attributes}. Values: see facekit/engines/vocabulary.py "
                    "(an unknown one is reported with the allowed values).",
    )
    parser.add_argument("--attr", action="append", type=_attribute, default=[], metavar="KEY=VALUE",
                        help="an attribute choice; repeat for several")
    seeds = parser.add_mutually_exclusive_group()
    seeds.add_argument("--seed", type=int, help="64-bit seed (default: a random one, printed)")
    seeds.add_argument("--value", help="derive the seed from any text, as the face API does")
    parser.add_argument("--size", type=int, default=256, help="output side in pixels (default 256)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="image file to write (.png, .jpg, .webp)")
    parser.add_argument("--generator", choices=GENERATOR_NAMES, default="auto",
                        help="auto: diffusers when the model is in --models-dir, else the offline MobileStyleGAN")
    parser.add_argument("--models-dir", type=Path, default=None, help="folder that fetch_models filled")
    parser.add_argument("--model", default=None, help="diffusers model id or local folder")
    parser.add_argument("--steps", type=int, default=None, help="diffusion steps")
    parser.add_argument("--guidance", type=float, default=None, help="diffusion guidance scale")
    parser.add_argument("--candidates", type=int, default=None, help="DCGAN candidates per seed for guided sampling")
    parser.add_argument("--min-score", type=float, default=DEFAULT_MIN_SCORE, help="quality gate: minimum face score")
    parser.add_argument("--tries", type=int, default=DEFAULT_MAX_TRIES, help="quality gate: seeds to try")
    parser.add_argument("--no-gate", action="store_true", help="skip the quality gate (no analyser needed)")
    add_licence_policy(parser)
    parser.set_defaults(run=run_generate)


def _generator_config(arguments: argparse.Namespace) -> dict:
    options = {"model": arguments.model, "steps": arguments.steps, "guidance": arguments.guidance,
               "candidates": arguments.candidates}
    return {key: value for key, value in options.items() if value is not None}



def run_generate(arguments: argparse.Namespace) -> int:
    from ..analysis import load_analyser
    from ..registry import load_generator
    from ..generation import QualityGate

    try:
        spec = validate_spec(dict(arguments.attr))
    except SpecError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if arguments.value is not None:
        seed = seed_for_value(arguments.value)
    else:
        seed = arguments.seed if arguments.seed is not None else secrets.randbits(64)
    try:
        policy = arguments.model_licences
        analyser = load_analyser("auto", models_dir=arguments.models_dir, policy=policy)
        generator = load_generator(arguments.generator, arguments.models_dir, analyser=analyser, policy=policy,
                                   **_generator_config(arguments))
        if arguments.no_gate:
            image, used_seed, face = generator.generate(spec, [seed], arguments.size)[0], seed, None
        else:
            gate = QualityGate(generator, analyser, min_score=arguments.min_score, max_tries=arguments.tries)
            result = gate.generate(spec, seed, arguments.size)
            image, used_seed, face = result.image, result.seed, result.face
        save_image(image, arguments.output, prefix=".generate-")
    except (ValueError, EngineError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    summary = {
        "output": str(arguments.output),
        "engine": generator.name,
        "licence": generator.licence.spdx,
        "seed": used_seed,
        "requested_seed": seed,
        "size": arguments.size,
        "spec": {key: value for key, value in spec.items() if value != ATTRIBUTES[key].default},
        "honoured": sorted(key for key in generator.honours if spec[key] != ATTRIBUTES[key].default),
        "ignored": sorted(key for key in spec if spec[key] != ATTRIBUTES[key].default and key not in generator.honours),
    }
    if face is not None:
        summary["face"] = {"box": [round(v, 1) for v in face.box], "score": round(face.score, 4)}
    json.dump(summary, sys.stdout)
    sys.stdout.write("\n")
    return 0
