"""What /metrics says of avatars: how many were generated, by engine."""

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from avatars.models import Avatar
from facekit.core.jobs import JobStatus


class AvatarsCollector:
    def collect(self):
        faces = GaugeMetricFamily("safeface_avatars_generated", "Avatars generated, by engine", labels=["engine"])
        for row in Avatar.objects.filter(status=JobStatus.DONE).values("engine").annotate(n=Count("pk")):
            faces.add_metric([row["engine"] or "unknown"], row["n"])
        yield faces
