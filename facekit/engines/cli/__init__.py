"""The engines' shell commands (`python -m facekit.engines ...`), one module each.

They sit above the engine packages and call only their public entry points, so no
engine package imports another's command line. Each command imports the engines it needs
when it runs, so `--help` stays quick and a command never loads another's runtime.
"""

import argparse
import os

from ..licences import POLICIES


def add_licence_policy(parser: argparse.ArgumentParser) -> None:
    """`--model-licences`, by default the site's own SAFEFACE_MODEL_LICENCES, so that a command
    run on a deployment's machine keeps to that deployment's licence policy."""
    parser.add_argument("--model-licences", choices=POLICIES, default=os.environ.get("SAFEFACE_MODEL_LICENCES", "any"),
                        help="the licence policy: any, or commercial (auto keeps to models that allow commercial use, "
                             "and a model named that does not is refused)")
