"""The web server as the Procfile runs it (granian, 2 workers): kept-alive connections are
spread over both workers, not left on whichever woke first, and a port already taken is
refused rather than shared."""

import http.client
import os
import subprocess
from pathlib import Path

import pytest

from bench.harness import ROOT, running_site, web_command
from tests.e2e.services import free_port

pytestmark = pytest.mark.e2e


def connections_per_process(port: int) -> dict[int, int]:
    """Established server-side sockets on `port`, counted by the process holding them."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            if fields[1].endswith(f":{port:04X}") and fields[3] == "01":
                inodes.add(f"socket:[{fields[9]}]")
    counts = {}
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            held = sum(1 for fd in fd_dir.iterdir() if os.readlink(fd) in inodes)
        except OSError:  # gone, or not ours
            continue
        if held:
            counts[int(fd_dir.parent.name)] = held
    return counts


def test_connections_spread_over_both_workers_and_a_taken_port_is_refused():
    port = free_port()
    with running_site(port=port, web_workers=2, threads=2) as (base, env, data):
        clients = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(20)]
        for client in clients:  # one at a time, each kept alive
            client.request("GET", "/static/does-not-exist.css")
            client.getresponse().read()
        counts = connections_per_process(port)
        for client in clients:
            client.close()
        assert len(counts) == 2 and sum(counts.values()) == 20, counts  # a worker each, all kept

        second = subprocess.run(web_command(port, workers=1, threads=1), cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert f"127.0.0.1:{port}: Address already in use; is the site already running?" in second.stderr
