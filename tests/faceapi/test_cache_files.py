"""Reading cached files: the strong ETag is the bytes' hash, kept per file identity."""

import os

from faceapi import cache


def test_it_gives_the_hash_of_the_bytes_and_none_for_a_missing_file(tmp_path):
    path = tmp_path / "300.webp"
    path.write_bytes(b"face")

    assert cache.read(path) == (cache.etag(b"face"), b"face")
    assert cache.read(tmp_path / "missing.webp") is None


def test_a_tag_the_client_holds_is_answered_without_the_bytes(tmp_path):
    path = tmp_path / "300.webp"
    path.write_bytes(b"face")
    tag, _ = cache.read(path)

    assert cache.read(path, unless_tagged={tag}) == (tag, None)
    assert cache.read(path, unless_tagged={"*"}) == (tag, None)
    assert cache.read(path, unless_tagged={'"other"'}) == (tag, b"face")


def test_a_file_written_again_after_the_cache_was_cleared_gets_its_own_tag(tmp_path):
    path = tmp_path / "300.webp"
    cache.write_once(path, b"first signature")
    first, _ = cache.read(path)
    os.unlink(path)
    cache.write_once(path, b"a longer signature")

    assert cache.read(path) == (cache.etag(b"a longer signature"), b"a longer signature") and first != cache.etag(b"a longer signature")
