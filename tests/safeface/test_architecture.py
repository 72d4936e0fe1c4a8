"""Keep the floors honest (docs/architecture.md, "Floors"): one rule per folder, each seen to
fail on a violation planted in a copy of the layout."""

import ast
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parents[2]

APPS = ("accounts", "avatars", "faceapi", "live", "moderation", "swaps")
GLUE = ("safeface",)  # the site: settings, urls, views, health, metrics, verify, inference
ENGINES = "facekit/engines"
# What the apps and the glue may import of the engines: the engine packages (their __init__ is
# the entry point) and the shared top-level modules; never a backend's own module, nor cli/.
ENGINE_MODULES = ("active", "errors", "licences", "model_download", "production_weights", "registry", "selection",
                  "types", "vocabulary")


def exported(root: Path, package: str) -> set[str]:
    """The names in a package's `__all__` (its public entry points)."""
    init = root.joinpath(*package.split("."), "__init__.py")
    if not init.is_file():
        return set()
    for node in ast.walk(ast.parse(init.read_text())):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return set(ast.literal_eval(node.value))
    return set()


def is_module(root: Path, dotted: str) -> bool:
    """A module of ours, and not a name its package exports (video.probe, the function)."""
    package, _, name = dotted.rpartition(".")
    base = root.joinpath(*dotted.split("."))
    is_file = base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()
    return is_file and name not in exported(root, package)


def imported_modules(root: Path, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # `from package import module` imports that module too (not so a name in it).
            names.update(f"{node.module}.{a.name}" for a in node.names if is_module(root, f"{node.module}.{a.name}"))
    return names


def engine_entry_points(root: Path) -> set[str]:
    packages = {p.parent.name for p in (root / ENGINES).glob("*/__init__.py") if p.parent.name != "cli"}
    return {"facekit.engines"} | {f"facekit.engines.{name}" for name in packages | set(ENGINE_MODULES)}


def top(module: str) -> str:
    return module.split(".")[0]


# Each rule: the folders it holds for, and which imported module breaks it (given the tree's root).
Rule = tuple[tuple[str, ...], Callable[[Path, str], bool]]
RULES: dict[str, Rule] = {
    "the engines and provenance know nothing of Django": (
        (ENGINES, "facekit/provenance"), lambda root, module: top(module) == "django"),
    "the library never imports an app, the glue or the tests": (
        ("facekit",), lambda root, module: top(module) in (*APPS, *GLUE, "tests")),
    "the apps and the glue reach the engines only through their entry points": (
        (*APPS, *GLUE), lambda root, module: module.startswith("facekit.engines") and module not in engine_entry_points(root)),
    "the apps and the glue never import the tests": (
        (*APPS, *GLUE), lambda root, module: top(module) == "tests"),
    "the benchmarks and samples never import the tests": (
        ("bench", "samples"), lambda root, module: top(module) == "tests"),
}


def violations(root: Path, rule: Rule) -> dict[str, list[str]]:
    folders, breaks = rule
    found = {}
    for folder in folders:
        for path in (root / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            if bad := sorted(m for m in imported_modules(root, path) if breaks(root, m)):
                found[str(path.relative_to(root))] = bad
    return found


@pytest.mark.parametrize("name", RULES)
def test_the_tree_keeps_each_rule(name):
    assert violations(ROOT, RULES[name]) == {}


PLANTED = {
    "the engines and provenance know nothing of Django": ("facekit/engines/video/oops.py", "from django.conf import settings"),
    "the library never imports an app, the glue or the tests": ("facekit/core/oops.py", "from safeface import inference"),
    "the apps and the glue reach the engines only through their entry points": (
        "swaps/oops.py", "from facekit.engines.swapping.mesh import MeshSwapper"),
    "the apps and the glue never import the tests": ("safeface/oops.py", "from tests.images import png_bytes"),
    "the benchmarks and samples never import the tests": ("bench/oops.py", "import tests.settings"),
}


@pytest.mark.parametrize("name", RULES)
def test_each_rule_fails_on_a_planted_violation(name, tmp_path):
    """A copy of the layout (the engine packages' __init__ files, so entry points are known) with
    one forbidden import planted where the rule holds."""
    for init in (ROOT / ENGINES).glob("*/__init__.py"):
        copy = tmp_path / init.relative_to(ROOT)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(init.read_text())
    where, line = PLANTED[name]
    (tmp_path / where).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / where).write_text(line + "\n")

    assert violations(tmp_path, RULES[name]) == {where: [line.split()[1]]}


def test_an_entry_point_import_is_not_a_violation(tmp_path):
    (tmp_path / "swaps").mkdir()
    (tmp_path / "swaps" / "fine.py").write_text("from facekit.engines.recognition import IdentityCheck\n")
    (tmp_path / ENGINES / "recognition").mkdir(parents=True)
    (tmp_path / ENGINES / "recognition" / "__init__.py").write_text("")

    assert violations(tmp_path, RULES["the apps and the glue reach the engines only through their entry points"]) == {}


def test_the_web_process_never_imports_torch():
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'tests.settings';"
        "from django.core.wsgi import get_wsgi_application; get_wsgi_application();"
        "from django.urls import get_resolver; get_resolver().url_patterns;"
        "import sys; print(sorted(m for m in ('torch', 'onnxruntime', 'openvino', 'diffusers', 'dlib', 'aiortc') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
