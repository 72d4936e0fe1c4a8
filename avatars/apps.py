from django.apps import AppConfig


class AvatarsConfig(AppConfig):
    name = "avatars"

    def ready(self):
        from avatars import signals  # noqa: F401
        from avatars.metrics import AvatarsCollector
        from facekit.core import metrics

        metrics.register(AvatarsCollector())
