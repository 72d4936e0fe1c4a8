"""Keep the layers honest (docs/architecture.md, "Floors")."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def exported(package: str) -> set[str]:
    """The names in a package's `__all__` (its public entry points)."""
    init = ROOT.joinpath(*package.split("."), "__init__.py")
    if not init.is_file():
        return set()
    for node in ast.walk(ast.parse(init.read_text())):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return set(ast.literal_eval(node.value))
    return set()


def is_module(dotted: str) -> bool:
    """A module of ours, and not a name its package exports (video.probe, the function)."""
    package, _, name = dotted.rpartition(".")
    base = ROOT.joinpath(*dotted.split("."))
    is_file = base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()
    return is_file and name not in exported(package)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # `from package import module` imports that module too (not so a name in it).
            names.update(f"{node.module}.{a.name}" for a in node.names if is_module(f"{node.module}.{a.name}"))
    return names


def test_the_engines_never_import_django():
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.split(".")[0] == "django")
        for path in (ROOT / "safeface" / "engines").rglob("*.py")
    }
    assert {path: mods for path, mods in offenders.items() if mods} == {}


APPS = ("accounts", "avatars", "faceapi", "moderation", "swaps")
# The project glue around the apps (settings, URLs, the engines built from settings...).
GLUE = tuple(f"safeface.{name}" for name in ("apps", "health", "inference", "metrics", "settings", "tasks", "urls", "verify", "views"))
LIBRARY = ("safeface/core", "safeface/engines", "safeface/provenance")
# What the apps may import of the engines: the engine packages (their __init__ is the entry
# point) and the shared top-level modules; never a backend's own module, nor the shell commands.
ENGINE_PACKAGES = tuple(sorted(p.parent.name for p in (ROOT / "safeface" / "engines").glob("*/__init__.py") if p.parent.name != "cli"))
ENGINE_MODULES = ("active", "errors", "licences", "model_download", "production_weights", "registry", "selection", "types", "vocabulary")


def python_files(*folders: str) -> list[Path]:
    return [path for folder in folders for path in (ROOT / folder).rglob("*.py") if "migrations" not in path.parts]


def app_side_files() -> list[Path]:
    """The apps and the project glue: everything outside the library, tests and benchmarks."""
    glue = [path for path in (ROOT / "safeface").glob("*.py")] + python_files("safeface/management")
    return python_files(*APPS) + glue


def test_the_apps_reach_the_engines_only_through_their_entry_points():
    allowed = {f"safeface.engines.{name}" for name in ENGINE_PACKAGES + ENGINE_MODULES} | {"safeface.engines"}
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.startswith("safeface.engines") and m not in allowed)
        for path in app_side_files()
    }
    assert {path: mods for path, mods in offenders.items() if mods} == {}


def test_the_library_never_imports_an_app_or_the_project_glue():
    def outside(module: str) -> bool:
        return module.split(".")[0] in APPS or module in GLUE

    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if outside(m))
        for path in python_files(*LIBRARY)
    }
    assert {path: mods for path, mods in offenders.items() if mods} == {}


def test_the_benchmarks_never_import_the_tests():
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.split(".")[0] == "tests")
        for path in python_files("bench", "samples")
    }
    assert {path: mods for path, mods in offenders.items() if mods} == {}


def test_the_web_process_never_imports_torch():
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'tests.settings';"
        "from django.core.wsgi import get_wsgi_application; get_wsgi_application();"
        "from django.urls import get_resolver; get_resolver().url_patterns;"
        "import sys; print(sorted(m for m in ('torch', 'onnxruntime', 'openvino', 'diffusers', 'dlib') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
