from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "live"
    verbose_name = "Live"

    def ready(self):
        from facekit.core import metrics
        from live.metrics import LiveCollector

        metrics.register(LiveCollector())
