import logging
from pathlib import Path

from django.apps import AppConfig, apps
from django.conf import settings
from django.db.models.signals import post_migrate

from facekit.core import queues
from facekit.core.cores import limit_native_threads

logger = logging.getLogger(__name__)


class SafeFaceConfig(AppConfig):
    name = "safeface"
    verbose_name = "SafeFace"

    def ready(self):
        make_folders()
        limit_native_threads(1)  # a worker's engines take their share later (inference.py)
        # After django_q's own migrations, which create the schedule table.
        post_migrate.connect(install_schedules, sender=apps.get_app_config("django_q"))
        from django_q.signals import post_spawn  # its module loads django_q's models: only once apps are ready

        post_spawn.connect(warm_engines, dispatch_uid="safeface-warm-engines")


def make_folders() -> None:
    """The local folders every process may write to: the embedded default's data (SQLite, the
    shared cache), collected static files (WhiteNoise warns when missing), streamed uploads."""
    for folder in (settings.DATA_DIR, settings.STATIC_ROOT, settings.FILE_UPLOAD_TEMP_DIR):
        Path(folder).mkdir(parents=True, exist_ok=True)


def warm_engines(**kwargs):
    """In each freshly forked worker, build the engines before the first task asks:
    the first job after a start is as quick as the rest, and CUDA is initialised
    here, after the fork, never in the cluster's parent."""
    if not settings.SAFEFACE_WARM_ENGINES:
        return
    from safeface import inference  # the engines: never imported by the web process

    try:
        inference.quality_gate()  # the generator and the analyser
        inference.judges()  # the swapper and the identity judges
        inference.screening()  # the uploads' screener
        inference.api_generator()  # the face API's generator (the studio's own unless set apart)
    except Exception:
        # A task will meet the same problem and report it on its row; the worker must live.
        logger.exception("Could not warm the engines in %s", kwargs.get("proc_name"))


def install_schedules(**kwargs):
    """Keep the periodic tasks in django-q2's schedule table (idempotent), on the CPU cluster."""
    queues.keep_schedule("Reap expired jobs", "safeface.tasks.reap_jobs", minutes=1)
