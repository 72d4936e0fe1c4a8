"""The browser libraries in static/vendor/ are what `make vendor` copied from the npm registry at the
versions js/package-lock.json pins, unchanged since."""

import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "static" / "vendor"


def test_each_vendored_file_is_unchanged_since_make_vendor():
    listed = dict(line.split()[::-1] for line in (VENDOR / "VENDORED.sha256").read_text().splitlines())
    on_disk = {str(path.relative_to(VENDOR)) for path in VENDOR.rglob("*") if path.is_file() and path.name != "VENDORED.sha256"}
    assert set(listed) == on_disk
    for name, digest in listed.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_the_makefile_copies_the_version_the_lock_file_pins():
    lock = json.loads((ROOT / "js" / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/@noble/hashes"]
    assert pinned["version"] == json.loads((ROOT / "js" / "package.json").read_text())["devDependencies"]["@noble/hashes"]
    assert pinned["integrity"].startswith("sha512-")
    copied = re.search(r"^NOBLE_HASHES := (.+)$", (ROOT / "Makefile").read_text(), re.M).group(1).split()
    assert sorted(copied) == sorted(path.name for path in (VENDOR / "noble-hashes").iterdir())
