"""The browser extension's packages: `extension/` with the site's shared scripts (the streaming
SHA-256 and the face fetcher) and the vendored hashing library copied in, stamped with the
server it talks to, one zip per browser.

Reproducible: entries in a fixed order with a fixed date and mode, so the same sources and
server give the same bytes (`make extension` twice, or the site and a build from the repo).
No Django here: `python -m faceapi.extension` builds from a shell.
"""

from __future__ import annotations

import argparse
import io
import json
import tomllib
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "extension"
STATIC = ROOT / "static"
# What the extension shares with the site, at the same relative paths, so the modules'
# imports (../vendor/noble-hashes/sha2.js) hold in both.
SHARED = ("js/hashing.js", "js/faces.js", "vendor/noble-hashes")
BROWSERS = ("chromium", "firefox")
ZIP_DATE = (2026, 1, 1, 0, 0, 0)


def version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def server_origin(server: str) -> str:
    """"https://faces.example.org/" → "https://faces.example.org": the address the extension uses."""
    parts = urlsplit(server)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"The server must be an http(s) address, not {server!r}.")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def manifest(browser: str, server: str | None) -> dict:
    """extension/manifest.json for one browser: Chromium runs the background as a service worker,
    Firefox as an event page (each warns about the other's key, so each gets its own); the
    version is the project's; the server, when given, is the one site it may read at install."""
    if browser not in BROWSERS:
        raise ValueError(f"No extension package for {browser!r}; there is one for {', '.join(BROWSERS)}.")
    data = json.loads((SOURCE / "manifest.json").read_text())
    data["version"] = version()
    background = data["background"]
    if browser == "chromium":
        del background["scripts"], data["browser_specific_settings"]
    else:
        del background["service_worker"], data["minimum_chrome_version"]
    if server:
        parts = urlsplit(server_origin(server))
        data["host_permissions"] = [f"{parts.scheme}://{parts.hostname}/*"]
    return data


def files(browser: str, server: str | None = None) -> dict[str, bytes]:
    """Every file of the package, by its path inside it."""
    found = {}
    for path in sorted(SOURCE.rglob("*")):
        if path.is_file() and path.name != "manifest.json":
            found[path.relative_to(SOURCE).as_posix()] = path.read_bytes()
    for shared in SHARED:
        origin = STATIC / shared
        for path in sorted(origin.rglob("*")) if origin.is_dir() else [origin]:
            found[path.relative_to(STATIC).as_posix()] = path.read_bytes()
    found["manifest.json"] = (json.dumps(manifest(browser, server), indent=2) + "\n").encode()
    if server:
        found["server.json"] = (json.dumps({"server": server_origin(server)}) + "\n").encode()
    return dict(sorted(found.items()))


def package(browser: str, server: str | None = None) -> bytes:
    """The zip a person loads into the browser (Firefox takes it as it is; Chromium unpacked)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in files(browser, server).items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def package_name(browser: str) -> str:
    return f"safeface-extension-{browser}-{version()}.zip"


def unpack(browser: str, server: str | None, folder: Path) -> Path:
    """The package as a folder (Chromium's "Load unpacked", and the browser tests)."""
    for name, data in files(browser, server).items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return folder


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m faceapi.extension", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "extension", help="folder for the zips and unpacked copies")
    parser.add_argument("--server", default=None, help="the SafeFace server the extension uses by default (else it asks)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for browser in BROWSERS:
        (args.out / package_name(browser)).write_bytes(package(browser, args.server))
        unpack(browser, args.server, args.out / browser)
        print(args.out / package_name(browser), f"(unpacked: {args.out / browser})")


if __name__ == "__main__":
    main()
