"""Keep the layers honest (DESIGN.md, principle 6)."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_engines_never_import_django():
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.split(".")[0] == "django")
        for path in (ROOT / "safeface" / "engines").rglob("*.py")
    }
    assert {path: mods for path, mods in offenders.items() if mods} == {}


def test_the_web_process_never_imports_torch():
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'tests.settings';"
        "from django.core.wsgi import get_wsgi_application; get_wsgi_application();"
        "from django.urls import get_resolver; get_resolver().url_patterns;"
        "import sys; print(sorted(m for m in ('torch', 'onnxruntime', 'diffusers', 'dlib') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
