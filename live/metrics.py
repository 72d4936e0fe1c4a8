"""What /metrics says of Live: sessions by state (the active ones are the load on the live
workers), and how the last hour's ended sessions went (frames/s sent, the judges' verdicts)."""

from datetime import timedelta

from django.db.models import Count
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from .models import LiveSession, Status


class LiveCollector:
    def collect(self):
        sessions = GaugeMetricFamily("safeface_live_sessions", "Live sessions by status (ended and failed: the last hour)",
                                     labels=["status"])
        hour_ago = timezone.now() - timedelta(hours=1)
        counted = dict.fromkeys(Status.values, 0)
        recent = LiveSession.objects.filter(created_at__gte=hour_ago) | LiveSession.objects.active()
        for row in recent.values("status").annotate(n=Count("pk")):
            counted[row["status"]] = row["n"]
        for status, n in counted.items():
            sessions.add_metric([status], n)
        yield sessions
        fps = GaugeMetricFamily("safeface_live_frames_per_second", "Frames per second sent to each live session now")
        speeds = [s.get("fps_sent", 0) for s in LiveSession.objects.active().values_list("stats", flat=True)]
        fps.add_metric([], sum(speeds) / len(speeds) if speeds else 0.0)
        yield fps
