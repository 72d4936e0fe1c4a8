"""gunicorn's settings for every `gunicorn safeface.wsgi` started in this folder (the
Procfile, bench/harness.py); options on the command line come on top.

On TCP, each worker listens on its own socket (SO_REUSEPORT), and the kernel deals
new connections out among them. With one shared socket, whichever worker wakes first
accepts, and a burst of kept-alive connections (wrk's 100, a proxy's pool) could all
land on one worker and stay there for good: half the machine idle, half the rate.
wrk on 500 cached faces (100 connections, 2x16, 6 runs of 15 s) caught it in 2 runs of 6:
all 100 connections on one worker, 915-955 requests/s, p99 130-133 ms, against 2,444-2,638
and p99 74-84 ms in the others. With a socket per worker, 12 of 12 runs were spread (36-64
a worker): 2,268-2,710 requests/s, p99 71-88 ms.

The cost: connections still waiting in a worker's queue when it dies are reset, not
taken by another worker. Unix sockets, sockets handed over by systemd, and systems other
than Linux keep one shared listener, as gunicorn has it.
"""

from __future__ import annotations

import os
import socket
import sys

from gunicorn.util import is_ipv6


def on_starting(server):
    addresses = server.cfg.address
    handed_over = os.environ.get("LISTEN_FDS") or os.environ.get("GUNICORN_FD")
    # Only Linux deals connections out among SO_REUSEPORT sockets; elsewhere one would take all.
    tcp = addresses and all(isinstance(address, tuple) for address in addresses)
    if handed_over or not tcp or not sys.platform.startswith("linux"):
        return
    # SO_REUSEPORT also lets a second server of the same user share the port without a word
    # (say, `make run` twice): refuse a port that is taken, as gunicorn does without it. A new
    # master started by USR2 (GUNICORN_PID) shares it with the old one on purpose.
    if "GUNICORN_PID" not in os.environ:
        for address in addresses:
            if error := _taken(address):
                server.log.error("Connection in use: %s (%s)", address, error)
                sys.exit(1)
    server.cfg.set("reuse_port", True)


def _taken(address: tuple) -> OSError | None:
    family = socket.AF_INET6 if is_ipv6(address[0]) else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn's own sockets
        try:
            probe.bind(address)
        except OSError as error:
            return error
    return None
