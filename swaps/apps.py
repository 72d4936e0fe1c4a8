from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class SwapsConfig(AppConfig):
    name = "swaps"

    def ready(self):
        from swaps import signals  # noqa: F401
        from swaps.metrics import SwapsCollector
        from facekit.core import metrics

        metrics.register(SwapsCollector())

        # After django_q's own migrations, which create the schedule table.
        post_migrate.connect(install_schedules, sender=apps.get_app_config("django_q"), dispatch_uid="swaps-schedules")


def install_schedules(**kwargs):
    """Keep the retention task in django-q2's schedule table (idempotent), on the CPU cluster."""
    from facekit.core import queues

    queues.keep_schedule("Delete uploaded swap targets after retention", "swaps.tasks.purge_targets", minutes=10)
