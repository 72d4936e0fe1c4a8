"""The engines' shell entry point: `python -m facekit.engines <command> ...`.

A small dispatcher: each command lives in its module of `cli/` and registers itself
with an `add_<name>_command(subcommands)` function that sets `run` on its parser;
add a command by adding its function to COMMANDS.
"""

from __future__ import annotations

import argparse
import logging
import sys

from .cli.detect import add_detect_command
from .cli.doctor import add_doctor_command
from .cli.generate import add_generate_command
from .cli.swap import add_swap_command

COMMANDS = (add_detect_command, add_generate_command, add_swap_command, add_doctor_command)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m facekit.engines", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the engines do (to stderr)")
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="command")
    for add_command in COMMANDS:
        add_command(subcommands)
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if arguments.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    return arguments.run(arguments)


if __name__ == "__main__":
    sys.exit(main())
