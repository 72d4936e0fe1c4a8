"""`python -m safeface.serve ARGS`: the web server, granian, with its own command line (ARGS as
for `granian ARGS`), started only when its TCP port is free.

granian binds with SO_REUSEPORT (which is how it spreads connections over its workers), and
that also lets a second server of the same user bind a port already taken, say by `make run`
twice, without a word: the kernel would then deal new connections out between two sites.
A bind without SO_REUSEPORT fails on such a port, so probing with one refuses the port as a
server without SO_REUSEPORT would. Unix sockets (--uds) are left to granian."""

from __future__ import annotations

import socket
import sys

from granian.cli import cli, entrypoint


def taken(host: str, port: int) -> OSError | None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a closed server's TIME_WAIT is no server
        try:
            probe.bind((host, port))
        except OSError as error:
            return error
    return None


def main() -> None:
    # granian's own parser, so its options and GRANIAN_* environment variables mean what they say.
    options = cli.make_context("granian", sys.argv[1:], resilient_parsing=True).params
    if options["uds"] is None and (error := taken(options["host"], options["port"])):
        sys.exit(f"{options['host']}:{options['port']}: {error.strerror}; is the site already running?")
    sys.exit(entrypoint())


if __name__ == "__main__":
    main()
