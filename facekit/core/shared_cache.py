"""The embedded default's shared cache: one SQLite file that every process on the
machine opens (rate-limit counters, throttles).

Why not Django's FileBasedCache: it counts a rate limit by reading a pickle and writing a
new file through a rename, per request (on ext4 a rename over a file also starts writing
its blocks out, so a busy disk makes requests wait), and its `incr` (a read, then a write)
loses counts when two processes race. Here a counter is one row: `add` is one statement,
`incr` one atomic UPDATE; in WAL mode readers never wait and a commit does not
fsync (synchronous=NORMAL: a power cut may forget the last counts, which a cache
may). With REDIS_URL set, Django's Redis cache is used instead (settings.py).

Why not a library: diskcache's DjangoCache (also SQLite, also atomic) served the face API's
cached path markedly slower in its place (bench/load_api.py).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pickle
import sqlite3
import threading
import time
from dataclasses import dataclass

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

SCHEMA = """
CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value, expires REAL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS cache_expires ON cache (expires);
"""
LIVE = "(expires IS NULL OR expires > ?)"
PURGE_EVERY = 256  # inserts per process between deletions of expired rows
BUSY_TIMEOUT_SECONDS = 10
# Writers take turns before SQLite sees them: a process's threads on this lock (Django makes a
# cache object per thread, so the lock is the module's), processes on an flock of a file beside
# the database (SQLite's busy handler sleeps a millisecond or more when another connection holds
# the write lock for microseconds, and every request counts a rate limit); one process alone
# pays 2 system calls a write. Counts (incr) are also written in batches (_Counts).
# bench/bench_cache.py measures both.
_WRITES = threading.Lock()
_TURNS: dict[tuple[str, int], int] = {}  # (database, pid): the lock file's descriptor


@dataclass
class _Count:
    key: str
    delta: int
    value: int | None = None
    done: bool = False
    error: BaseException | None = None
    leads: bool = False


class _Counts:
    """Counts of one cache file in this process, written in turns (group commit). A count that
    comes while another thread writes waits, and the next writer adds every waiting count in
    one transaction: under load, threads queued for the write lock one UPDATE each, and each
    held it for as long as getting the GIL back took."""

    def __init__(self):
        self._ready = threading.Condition()
        self._queue: list[_Count] = []
        self._writing = False

    def add(self, cache: SQLiteCache, count: _Count) -> None:
        with self._ready:
            self._queue.append(count)
            if self._writing:
                while not (count.done or count.leads):
                    self._ready.wait()
            else:
                self._writing = True
        if not count.done:  # this thread writes, for every count queued by now
            self._write(cache)
        if count.error is not None:
            raise count.error

    def _write(self, cache: SQLiteCache) -> None:
        with self._ready:
            batch, self._queue = self._queue, []
        try:
            cache._add_counts(batch)
        except BaseException as error:
            for count in batch:
                count.error = error
        with self._ready:
            for count in batch:
                count.done = True
            # The next writer is the first count that came meanwhile; it writes for all of them.
            self._writing = bool(self._queue)
            if self._queue:
                self._queue[0].leads = True
            self._ready.notify_all()


_COUNTS: dict[tuple[str, int], _Counts] = {}
_COUNTS_MADE = threading.Lock()


def _counts(path: str) -> _Counts:
    key = (path, os.getpid())  # a forked child starts its own
    if (counts := _COUNTS.get(key)) is None:
        with _COUNTS_MADE:
            counts = _COUNTS.setdefault(key, _Counts())
    return counts


def _stored(value):
    # Integers stay SQL integers so that `incr` can add to them in one statement.
    return value if type(value) is int and -(2**63) <= value < 2**63 else pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


def _loaded(value):
    return pickle.loads(value) if isinstance(value, bytes) else value


class SQLiteCache(BaseCache):
    """A Django cache in one SQLite file (LOCATION), shared by every process on the machine."""

    def __init__(self, location: str, params: dict):
        super().__init__(params)
        self.path = location
        self._local = threading.local()
        self._inserts = 0

    def _db(self) -> sqlite3.Connection:
        # One connection per thread and process: sqlite3 connections must not cross
        # threads, and a forked child must not reuse its parent's.
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False)
            # In turn too: setting WAL on a new file answers "database is locked" at once to a
            # second process doing the same, without waiting.
            with self._turn():
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")
                connection.executescript(SCHEMA)
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    def _write(self, key: str, value, timeout, *, only_if_absent: bool) -> bool:
        now = time.time()
        expires = self.get_backend_timeout(timeout)
        sql = "INSERT INTO cache (key, value, expires) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires"
        args = [key, _stored(value), expires]
        if only_if_absent:  # an expired row counts as absent
            sql += " WHERE cache.expires IS NOT NULL AND cache.expires <= ?"
            args.append(now)
        written = self._written(sql, args)[0] == 1
        self._inserts += 1
        if self._inserts % PURGE_EVERY == 0:
            self._written("DELETE FROM cache WHERE expires <= ?", (now,))
        return written

    def _written(self, sql: str, args=()) -> tuple[int, list]:
        """Run one writing statement: (rows changed, rows returned)."""
        connection = self._db()
        with self._turn():
            cursor = connection.execute(sql, args)
            return cursor.rowcount, cursor.fetchall()

    @contextlib.contextmanager
    def _turn(self):
        with _WRITES:
            # Opened once per process: a forked child must not share its parent's lock.
            key = (self.path, os.getpid())
            if (fd := _TURNS.get(key)) is None:
                fd = _TURNS[key] = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        # Most calls find the key (a rate-limit window already counting): a read
        # answers them without taking the write lock.
        if self._db().execute(f"SELECT 1 FROM cache WHERE key = ? AND {LIVE}", (key, time.time())).fetchone():
            return False
        return self._write(key, value, timeout, only_if_absent=True)

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        row = self._db().execute(f"SELECT value FROM cache WHERE key = ? AND {LIVE}", (key, time.time())).fetchone()
        return default if row is None else _loaded(row[0])

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        self._write(self.make_and_validate_key(key, version=version), value, timeout, only_if_absent=False)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        sql = f"UPDATE cache SET expires = ? WHERE key = ? AND {LIVE}"
        return self._written(sql, (self.get_backend_timeout(timeout), key, time.time()))[0] == 1

    def delete(self, key, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return self._written("DELETE FROM cache WHERE key = ?", (key,))[0] == 1

    def has_key(self, key, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return self._db().execute(f"SELECT 1 FROM cache WHERE key = ? AND {LIVE}", (key, time.time())).fetchone() is not None

    def incr(self, key, delta=1, version=None):
        """Atomic for integers, so concurrent processes never lose a count. Threads of a
        process that count while another one writes are added up in its next write (_Counts)."""
        count = _Count(self.make_and_validate_key(key, version=version), delta)
        _counts(self.path).add(self, count)
        if count.value is None:
            return super().incr(key, delta, version)  # missing (ValueError), or not an integer
        return count.value

    def _add_counts(self, batch: list[_Count]) -> None:
        """Add every count of `batch` in one transaction; each gets the value it would have got
        alone, in the batch's order (None: not an integer here)."""
        totals: dict[str, int] = {}
        for count in batch:
            totals[count.key] = totals.get(count.key, 0) + count.delta
        sql = f"UPDATE cache SET value = value + ? WHERE key = ? AND {LIVE} AND typeof(value) = 'integer' RETURNING value"
        connection, now, finals = self._db(), time.time(), {}
        with self._turn():
            if len(totals) > 1:
                connection.execute("BEGIN IMMEDIATE")
            try:
                for key, total in totals.items():
                    # fetchall: a RETURNING statement writes only once it is stepped to its end.
                    rows = connection.execute(sql, (total, key, now)).fetchall()
                    finals[key] = rows[0][0] - total if rows else None  # the value before the batch
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
            if connection.in_transaction:
                connection.execute("COMMIT")
        for count in batch:
            if finals[count.key] is not None:
                finals[count.key] += count.delta
                count.value = finals[count.key]

    def clear(self) -> None:
        self._written("DELETE FROM cache")

    def close(self, **kwargs) -> None:
        # Django calls this at the end of every request: the connection is kept for the next.
        pass
