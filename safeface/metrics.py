"""/metrics for Prometheus: request metrics from django-prometheus, plus job and
queue metrics read from our own rows at scrape time, so they are right however
many web and worker processes there are."""

import hmac
import os

import prometheus_client
from django.conf import settings
from django.db.models import Count, F, Sum
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from prometheus_client import multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from safeface.core.jobs import job_models


class JobsCollector:
    """Job counts by type and status, durations of finished jobs, queue depth,
    and generated avatars by engine."""

    def collect(self):
        from django_q.brokers import get_broker

        jobs = GaugeMetricFamily("safeface_jobs", "Job rows by type and status", labels=["job", "status"])
        # Sum and count of finished jobs' durations: rate(sum) / rate(count) is the mean.
        seconds = CounterMetricFamily(
            "safeface_job_duration_seconds", "Time from start to end of finished jobs", labels=["job", "status"]
        )
        finished_count = CounterMetricFamily("safeface_jobs_finished", "Finished jobs", labels=["job", "status"])
        for model in job_models():
            name = model._meta.label_lower
            for row in model._default_manager.values("status").annotate(n=Count("pk")):
                jobs.add_metric([name, row["status"]], row["n"])
            finished = (
                model._default_manager.filter(finished_at__isnull=False, started_at__isnull=False)
                .values("status")
                .annotate(n=Count("pk"), total=Sum(F("finished_at") - F("started_at")))
            )
            for row in finished:
                seconds.add_metric([name, row["status"]], row["total"].total_seconds() if row["total"] else 0.0)
                finished_count.add_metric([name, row["status"]], row["n"])
        yield jobs
        yield seconds
        yield finished_count

        depth = GaugeMetricFamily("safeface_queue_depth", "Tasks waiting in the broker")
        try:
            depth.add_metric([], get_broker().queue_size())
        except Exception:  # broker down: say so with NaN rather than fail the scrape
            depth.add_metric([], float("nan"))
        yield depth

        from avatars.models import Avatar

        faces = GaugeMetricFamily("safeface_avatars_generated", "Avatars generated, by engine", labels=["engine"])
        for row in Avatar.objects.filter(status="done").values("engine").annotate(n=Count("pk")):
            faces.add_metric([row["engine"] or "unknown"], row["n"])
        yield faces
        yield from identity_metrics()

        from swaps.models import Target

        # Rows, never pictures: a refused upload keeps no file.
        refused = CounterMetricFamily("safeface_uploads_refused", "Uploads the sexual-content screening refused",
                                      labels=["kind"])
        for row in Target.objects.filter(screening__refused=True).values("kind").annotate(n=Count("pk")):
            refused.add_metric([row["kind"]], row["n"])
        yield refused


# Distances from a swapped face to the same face in the upload, in each judge's own units (dlib's
# "same person" limit is 0.6, SFace's 0.637): the share below a judge's limit is the share it
# still recognises.
IDENTITY_BUCKETS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def identity_metrics():
    """Each judged face of every finished swap (a video's person: their closest moment): the
    distance histogram per judge, and how often the judges disagreed about a face."""
    from safeface.engines.recognition import IdentityCheck
    from swaps.models import SwapJob

    distances: dict[str, list[float]] = {}
    disagreements = 0
    for stored in SwapJob.objects.filter(status="done").exclude(identity={}).values_list("identity", flat=True).iterator():
        check = IdentityCheck.from_json(stored)
        for face in check.faces if check else ():
            disagreements += face.disagree
            for reading in face.readings:
                if reading.judged:
                    distances.setdefault(reading.judge, []).append(reading.to_original)
    family = HistogramMetricFamily(
        "safeface_swap_identity_distance", "Each identity judge's distance from a swapped face to the upload's face",
        labels=["judge"],
    )
    for judge, values in distances.items():
        buckets = [(str(bound), sum(value <= bound for value in values)) for bound in IDENTITY_BUCKETS]
        family.add_metric([judge], buckets + [("+Inf", len(values))], sum_value=sum(values))
    yield family
    disagreed = CounterMetricFamily(
        "safeface_swap_identity_disagreements", "Swapped faces one judge still matched and another did not"
    )
    disagreed.add_metric([], disagreements)
    yield disagreed


_jobs_registry = prometheus_client.CollectorRegistry(auto_describe=False)
_jobs_registry.register(JobsCollector())


def _allowed(request) -> bool:
    if request.user.is_authenticated and request.user.is_staff:
        return True
    token = settings.SAFEFACE_METRICS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(token) and hmac.compare_digest(given, token)


@never_cache
def metrics(request):
    if not _allowed(request):
        return HttpResponseForbidden("Metrics are for staff or a scraper with the metrics token.\n", content_type="text/plain")
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:  # several web processes: merge their files
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = prometheus_client.REGISTRY
    body = prometheus_client.generate_latest(registry) + prometheus_client.generate_latest(_jobs_registry)
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)
