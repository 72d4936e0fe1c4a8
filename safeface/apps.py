from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class SafeFaceConfig(AppConfig):
    name = "safeface"
    verbose_name = "SafeFace"

    def ready(self):
        # After django_q's own migrations, which create the schedule table.
        post_migrate.connect(install_schedules, sender=apps.get_app_config("django_q"))


def install_schedules(**kwargs):
    """Keep the periodic tasks in django-q2's schedule table (idempotent)."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name="Reap expired jobs",
        defaults={
            "func": "safeface.tasks.reap_jobs",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )
