"""Settings are read in a fresh process, as a deployment would start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(code_or_args, tmp_path, **env):
    args = ["-c", code_or_args] if isinstance(code_or_args, str) else code_or_args
    environ = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "SAFEFACE_HTTPS")}
    environ.update(DJANGO_SETTINGS_MODULE="safeface.settings", SAFEFACE_DATA_DIR=str(tmp_path), **env)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_in_production_mode(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        SECRET_KEY="x" * 20 + "a-long-random-production-secret-key-value-0123456789",
        ALLOWED_HOSTS="faces.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_secret_key_is_generated_once_and_kept_outside_git(tmp_path):
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    first, second = run(code, tmp_path), run(code, tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and len(first.stdout.strip()) >= 50
    key_file = tmp_path / "secret_key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_the_broker_follows_redis_url(tmp_path):
    code = "import django; django.setup(); from django.conf import settings; print(sorted(settings.Q_CLUSTER))"
    orm = run(code, tmp_path, REDIS_URL="")
    redis = run(code, tmp_path, REDIS_URL="redis://127.0.0.1:6379/3")
    assert "'orm'" in orm.stdout and "'redis'" not in orm.stdout
    assert "'redis'" in redis.stdout and "'orm'" not in redis.stdout


@pytest.mark.parametrize("variable, value", [("SAFEFACE_SCREEN_VIDEO_SECONDS", "2"), ("SAFEFACE_SCREEN_THRESHOLD", "0"),
                                             ("SAFEFACE_SCREEN_VIDEO_SHARE", "1")])
def test_screening_rules_out_of_range_stop_start_up(tmp_path, variable, value):
    result = run("import django; django.setup()", tmp_path, **{variable: value})
    assert result.returncode != 0 and variable in result.stderr


def test_sqlite_runs_in_wal_mode(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


@pytest.mark.parametrize("variable", ["SAFEFACE_GENERATOR", "SAFEFACE_ANALYSER", "SAFEFACE_SWAPPER", "SAFEFACE_SCREENER",
                                      "SAFEFACE_RECOGNISER"])
def test_a_misspelt_engine_name_stops_start_up(tmp_path, variable):
    result = run("import django; django.setup()", tmp_path, **{variable: "insigthface"})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{variable}='insigthface'" in result.stderr and "auto" in result.stderr


def test_engine_names_are_checked_without_loading_an_engine(tmp_path):
    code = (
        "import django; django.setup(); import sys;"
        "print(sorted(m for m in ('torch', 'onnxruntime', 'diffusers') if m in sys.modules))"
    )
    result = run(code, tmp_path, SAFEFACE_GENERATOR="diffusers", SAFEFACE_ANALYSER="offline", SAFEFACE_SWAPPER="mesh")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_every_name_the_settings_accept_builds_an_engine_or_names_its_missing_weights(tmp_path):
    from facekit.engines import active
    from facekit.engines.recognition import load_judges
    from facekit.engines.swapping import load_swapper

    for load, names in ((load_swapper, active.SWAPPER_NAMES), (load_judges, active.RECOGNISER_NAMES)):
        for name in names:
            try:
                engines = load(name, tmp_path)
            except FileNotFoundError as missing:  # production weights are not on this machine
                assert "fetch_models" in str(missing) or "buffalo_l" in str(missing)
            else:
                assert all("@" in engine.name for engine in (engines if isinstance(engines, tuple) else (engines,)))


QUEUE_CONF = (
    "import django; django.setup(); from django_q.conf import Conf;"
    "print(Conf.PREFIX, Conf.CLUSTER_NAME, Conf.WORKERS)"
)


def test_one_queue_is_the_default_and_one_cluster_serves_everything(tmp_path):
    result = run(QUEUE_CONF, tmp_path, SAFEFACE_QUEUE_NAME="faces", SAFEFACE_WORKERS="3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["faces", "faces", "3"]


def test_split_queues_make_the_cpu_cluster_the_default_and_the_gpu_one_an_alternative(tmp_path):
    split = {"SAFEFACE_QUEUES": "split", "SAFEFACE_QUEUE_NAME": "faces", "SAFEFACE_WORKERS": "2"}
    cpu = run(QUEUE_CONF, tmp_path, **split)
    gpu = run(QUEUE_CONF, tmp_path, **split, Q_CLUSTER_NAME="faces-gpu")
    assert cpu.returncode == 0 and gpu.returncode == 0, cpu.stderr + gpu.stderr
    # One site name (django-q2 signs every task with it), a queue per kind of hardware.
    assert cpu.stdout.split() == ["faces", "faces-cpu", "2"]
    assert gpu.stdout.split() == ["faces", "faces-gpu", "2"]


@pytest.mark.parametrize(("queues", "cluster"), [("splt", None), ("split", "faces-gpuu"), ("one", "faces-gpu")])
def test_a_misspelt_queue_setting_or_cluster_name_stops_start_up(tmp_path, queues, cluster):
    env = {"SAFEFACE_QUEUES": queues, "SAFEFACE_QUEUE_NAME": "faces", **({"Q_CLUSTER_NAME": cluster} if cluster else {})}
    result = run("import django; django.setup()", tmp_path, **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert ("SAFEFACE_QUEUES='splt'" if cluster is None else f"Q_CLUSTER_NAME='{cluster}'") in result.stderr


@pytest.mark.parametrize("variable, value, named", [
    ("SAFEFACE_GENERATOR", "mobilestylegan", "MobileStyleGAN"),
    ("SAFEFACE_ANALYSER", "insightface", "buffalo_l"),
    ("SAFEFACE_SWAPPER", "inswapper", "inswapper_128"),
    ("SAFEFACE_RECOGNISER", "dlib,arcface", "ArcFace"),
    ("SAFEFACE_API_GENERATOR", "mobilestylegan", "MobileStyleGAN"),
])
def test_a_non_commercial_model_named_under_the_commercial_policy_stops_start_up(tmp_path, variable, value, named):
    result = run(["manage.py", "check"], tmp_path, SAFEFACE_MODEL_LICENCES="commercial", **{variable: value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and f"{variable}={value!r}" in result.stderr
    assert named in result.stderr and "does not allow commercial use" in result.stderr


def test_the_refusal_names_the_model_and_its_licence(tmp_path):
    result = run(["manage.py", "check"], tmp_path, SAFEFACE_MODEL_LICENCES="commercial", SAFEFACE_GENERATOR="mobilestylegan")

    assert result.returncode != 0
    assert "MobileStyleGAN" in result.stderr and "LicenseRef-NVIDIA-Source-Code-License-NC AND CC-BY-NC-SA-4.0" in result.stderr


def test_a_model_nobody_vouches_for_stops_start_up_under_the_commercial_policy(tmp_path):
    diffusers = run(["manage.py", "check"], tmp_path, SAFEFACE_MODEL_LICENCES="commercial", SAFEFACE_GENERATOR="diffusers",
                    SAFEFACE_DIFFUSION_MODEL="someone/model")
    screener = run(["manage.py", "check"], tmp_path, SAFEFACE_MODEL_LICENCES="commercial", SAFEFACE_SCREENER_MODEL="/srv/mine.onnx")

    assert diffusers.returncode != 0 and "someone/model" in diffusers.stderr and "NOASSERTION" in diffusers.stderr
    assert screener.returncode != 0 and "/srv/mine.onnx" in screener.stderr and "NOASSERTION" in screener.stderr


def test_the_commercial_policy_starts_with_commercial_models_and_any_with_every_one(tmp_path):
    commercial = run(["manage.py", "check"], tmp_path, SAFEFACE_MODEL_LICENCES="commercial", SAFEFACE_GENERATOR="dcgan",
                     SAFEFACE_SWAPPER="mesh", SAFEFACE_SCREENER="nudenet")
    anything = run(["manage.py", "check"], tmp_path, SAFEFACE_GENERATOR="mobilestylegan", SAFEFACE_ANALYSER="insightface",
                   SAFEFACE_SWAPPER="inswapper")
    misspelt = run(["manage.py", "check"], tmp_path, SAFEFACE_MODEL_LICENCES="comercial")

    assert commercial.returncode == 0, commercial.stderr
    assert anything.returncode == 0, anything.stderr
    assert misspelt.returncode != 0 and "SAFEFACE_MODEL_LICENCES='comercial'" in misspelt.stderr
