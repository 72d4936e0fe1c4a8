"""The browser extension's packages (faceapi/extension.py): what goes in, per browser, stamped
with a server, the same bytes for the same inputs, nothing fetched from elsewhere."""

import io
import json
import re
import subprocess
import tomllib
import zipfile
from pathlib import Path

import pytest

from faceapi import extension

ROOT = Path(__file__).resolve().parents[2]
SERVER = "https://faces.example.org"


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_the_same_sources_and_server_give_the_same_bytes():
    for browser in extension.BROWSERS:
        assert extension.package(browser, SERVER) == extension.package(browser, SERVER)
    assert extension.package("chromium", SERVER) != extension.package("chromium", "https://other.example.org")


def test_the_server_is_stamped_as_the_default_and_the_one_host_it_may_read_at_install():
    files = unzip(extension.package("chromium", SERVER + "/"))
    assert json.loads(files["server.json"]) == {"server": SERVER}
    assert json.loads(files["manifest.json"])["host_permissions"] == ["https://faces.example.org/*"]
    # A server on a port and under a prefix: match patterns carry no port.
    manifest = extension.manifest("firefox", "http://localhost:8000/faces/")
    assert manifest["host_permissions"] == ["http://localhost/*"]
    assert extension.server_origin("http://localhost:8000/faces/") == "http://localhost:8000/faces"


def test_without_a_server_the_extension_asks_for_one():
    files = unzip(extension.package("chromium"))
    assert "server.json" not in files
    assert json.loads(files["manifest.json"])["host_permissions"] == []


@pytest.mark.parametrize("server", ["ftp://faces.example.org", "faces.example.org", "https://"])
def test_a_server_that_is_not_an_http_address_is_refused(server):
    with pytest.raises(ValueError, match="http"):
        extension.package("chromium", server)


def test_each_browser_gets_its_own_background_and_the_projects_version():
    chromium, firefox = (extension.manifest(browser, SERVER) for browser in ("chromium", "firefox"))
    assert chromium["background"] == {"service_worker": "js/background.js", "type": "module"}
    assert firefox["background"] == {"scripts": ["js/background.js"], "type": "module"}
    assert "browser_specific_settings" not in chromium and firefox["browser_specific_settings"]["gecko"]["id"]
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert chromium["manifest_version"] == firefox["manifest_version"] == 3
    assert chromium["version"] == firefox["version"] == version
    with pytest.raises(ValueError, match="safari"):
        extension.manifest("safari", SERVER)


def test_the_shared_scripts_are_the_sites_own_bytes():
    files = unzip(extension.package("firefox", SERVER))
    for name in ("js/hashing.js", "js/faces.js", "vendor/noble-hashes/sha2.js", "vendor/noble-hashes/LICENSE"):
        assert files[name] == (ROOT / "static" / name).read_bytes(), name


def test_every_file_a_page_or_the_manifest_names_is_in_the_package_and_nothing_is_remote():
    files = unzip(extension.package("chromium", SERVER))
    manifest = json.loads(files["manifest.json"])
    named = {manifest["background"]["service_worker"], manifest["action"]["default_popup"], manifest["options_ui"]["page"]}
    named |= set(manifest["icons"].values()) | set(manifest["action"]["default_icon"].values())
    for name, data in files.items():
        text = data.decode("utf-8", errors="ignore")
        if name.endswith(".html"):
            named |= set(re.findall(r'(?:src|href)="(?!https?:|#)([^"]+)"', text)) - {"options.html", "popup.html", "hash.html"} | {name}
            assert not re.search(r'(?:src|href)="https?:', text), name  # no CDN, no remote script
            assert not re.search(r"<script(?![^>]*\bsrc=)", text), name  # MV3 pages run no inline script
        if name.endswith(".js"):
            for imported in re.findall(r'^import .* from "(\.[^"]+)";$', text, re.M):
                named.add(str(Path(name).parent.joinpath(imported)).replace("js/../", ""))
            assert "eval(" not in text and "new Function" not in text, name
    named.add("js/badges.js")  # registered by settings.js at run time
    missing = {name for name in named if name not in files}
    assert missing == set()


def test_mozillas_linter_finds_no_error_or_warning_in_the_firefox_package(tmp_path):
    linter = ROOT / "js" / "node_modules" / ".bin" / "addons-linter"
    if not linter.exists():
        pytest.fail("Mozilla's addons-linter is missing: `make test` installs it (npm ci in js/).")
    package = tmp_path / extension.package_name("firefox")
    package.write_bytes(extension.package("firefox", SERVER))
    ran = subprocess.run([str(linter), "--output", "json", str(package)], capture_output=True, text=True, timeout=120)
    report = json.loads(ran.stdout)
    assert report["summary"] == {"errors": 0, "notices": 0, "warnings": 0}, report["errors"] + report["warnings"] + report["notices"]
