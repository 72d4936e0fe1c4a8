"""Private Redis and PostgreSQL servers for outage tests: each test stops and starts
its own server on a free port, never the machine's shared one."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.1)


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
        return True
    return False


class PrivateRedis:
    """A throwaway redis-server that keeps nothing on disk, like the machine's."""

    def __init__(self, folder: Path):
        self.folder, self.port, self.proc = folder, free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_until(lambda: _answers(self.port), 10, "redis-server start")

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        _wait_until(lambda: not _answers(self.port), 10, "redis-server stop")


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


class PrivatePostgres:
    """A throwaway PostgreSQL cluster (initdb in a temporary folder, trust auth).

    PostgreSQL refuses to run as root, so as root the server runs as `postgres`."""

    def __init__(self):
        # Not under pytest's tmp_path: as root that is private to root, and the server runs as postgres.
        folder = Path(tempfile.mkdtemp(prefix="safeface-pg-"))
        self.folder, self.bin, self.port = folder, postgres_bin(), free_port()
        self.data, self.socket_dir = folder / "pgdata", folder / "pgsocket"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            os.chmod(folder, 0o777)
        self.socket_dir.mkdir()
        if self.as_postgres:
            shutil.chown(self.socket_dir, "postgres")
        self._run(self.bin / "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")

    def _run(self, *command) -> None:
        subprocess.run([*self.as_postgres, *map(str, command)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(self.bin / "pg_ctl", "-D", self.data, "-o", options, "-l", self.data / "server.log", "-w", "start")

    def stop(self) -> None:
        self._run(self.bin / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
