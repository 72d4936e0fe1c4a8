"""The embedded default's shared cache: Django's cache contract, and counts that
concurrent processes never lose (rate limits depend on them)."""

import multiprocessing
import threading
import time

import pytest

from facekit.core.shared_cache import SQLiteCache


@pytest.fixture
def cache(tmp_path):
    return SQLiteCache(str(tmp_path / "cache.sqlite3"), {})


def test_it_keeps_values_of_any_kind_until_they_expire(cache):
    cache.set("n", 3)
    cache.set("thing", {"a": [1, 2]}, timeout=60)
    cache.set("gone", "x", timeout=0)

    assert cache.get("n") == 3 and cache.get("thing") == {"a": [1, 2]}
    assert cache.get("gone", "default") == "default" and not cache.has_key("gone")


def test_add_only_writes_when_the_key_is_absent_or_expired(cache):
    assert cache.add("k", 1, timeout=60)
    assert not cache.add("k", 2, timeout=60)
    cache.set("old", 5, timeout=-1)

    assert cache.add("old", 6, timeout=60)
    assert cache.get("k") == 1 and cache.get("old") == 6


def test_incr_adds_to_integers_and_refuses_missing_keys(cache):
    cache.set("n", 1)
    cache.set("text", "a")

    assert cache.incr("n") == 2 and cache.incr("n", 5) == 7
    with pytest.raises(ValueError):
        cache.incr("missing")
    with pytest.raises(TypeError):
        cache.incr("text")


def test_delete_touch_and_clear(cache):
    cache.set("a", 1, timeout=1)
    cache.set("b", 2)

    assert cache.touch("a", timeout=60) and not cache.touch("missing")
    time.sleep(1.1)
    assert cache.get("a") == 1
    assert cache.delete("b") and not cache.delete("b")
    cache.clear()
    assert cache.get("a") is None


def test_versions_and_prefixes_keep_keys_apart(tmp_path):
    one = SQLiteCache(str(tmp_path / "c.sqlite3"), {"KEY_PREFIX": "one"})
    two = SQLiteCache(str(tmp_path / "c.sqlite3"), {"KEY_PREFIX": "two"})
    one.set("k", 1)
    one.set("k", 10, version=2)

    assert one.get("k") == 1 and one.get("k", version=2) == 10 and two.get("k") is None


def _count(path: str, times: int) -> None:
    cache = SQLiteCache(path, {})
    for _ in range(times):
        if not cache.add("hits", 1, timeout=60):
            cache.incr("hits")


def test_processes_counting_at_once_lose_no_count(tmp_path):
    path = str(tmp_path / "cache.sqlite3")
    workers = [multiprocessing.get_context("spawn").Process(target=_count, args=(path, 200)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert [w.exitcode for w in workers] == [0, 0, 0]
    assert SQLiteCache(path, {}).get("hits") == 600


def test_threads_counting_at_once_lose_no_count(tmp_path):
    # Django gives each thread its own cache object; they share the file and the process's lock.
    path = str(tmp_path / "cache.sqlite3")
    SQLiteCache(path, {}).set("hits", 0)
    threads = [threading.Thread(target=_count_here, args=(path, 200)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert SQLiteCache(path, {}).get("hits") == 1600


def _count_here(path, n):
    cache = SQLiteCache(path, {})
    for _ in range(n):
        cache.add("hits", 0)
        cache.incr("hits")


def _set(path: str, key: str) -> None:
    SQLiteCache(path, {}).set(key, 1)


def test_processes_take_turns_to_write_on_the_lock_file_beside_the_database(tmp_path):
    # SQLite's own busy handler sleeps a millisecond or more; a lock in the kernel wakes the next writer at once.
    import fcntl
    import os

    path = str(tmp_path / "cache.sqlite3")
    cache = SQLiteCache(path, {})
    cache.set("ready", 1)
    held = os.open(path + ".lock", os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX)
    writer = multiprocessing.get_context("spawn").Process(target=_set, args=(path, "written"))
    writer.start()
    try:
        writer.join(timeout=3)
        waited = cache.get("written") is None and writer.is_alive()
    finally:
        fcntl.flock(held, fcntl.LOCK_UN)
        os.close(held)
    writer.join(timeout=60)

    assert waited and writer.exitcode == 0 and cache.get("written") == 1


def test_threads_counting_at_once_each_get_their_own_value_and_a_missing_key_still_fails(tmp_path):
    # Counts that wait for another thread's write are added in one transaction (group commit);
    # each still gets the value it would have got alone.
    path = str(tmp_path / "cache.sqlite3")
    SQLiteCache(path, {}).set("hits", 0)
    seen, failures = [], []

    def count():
        cache = SQLiteCache(path, {})
        for _ in range(100):
            seen.append(cache.incr("hits"))
            try:
                cache.incr("missing")
            except ValueError:
                failures.append(1)

    threads = [threading.Thread(target=count) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(seen) == list(range(1, 801)) and len(failures) == 800
    assert SQLiteCache(path, {}).get("hits") == 800
