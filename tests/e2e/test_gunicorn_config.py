"""gunicorn.conf.py on the real server: each worker listens on its own TCP socket, so the
kernel spreads connections among them, and a port already taken is still refused."""

import subprocess
import sys
from pathlib import Path

import pytest

from bench.harness import ROOT, running_site
from tests.e2e.services import free_port

pytestmark = pytest.mark.e2e

GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def listeners(port: int) -> int:
    """Listening sockets on `port` (state 0A in /proc/net/tcp)."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for row in rows if row.split()[1].endswith(f":{port:04X}") and row.split()[3] == "0A")


def test_each_worker_listens_and_a_taken_port_is_refused():
    port = free_port()
    with running_site(port=port, web_workers=2, threads=2) as (base, env, data):
        assert listeners(port) == 2
        second = subprocess.run([GUNICORN, "safeface.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert "Connection in use" in second.stderr
        assert listeners(port) == 2
