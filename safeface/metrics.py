"""/metrics for Prometheus: request metrics from django-prometheus, plus what is read from our
own rows at scrape time (facekit.core.metrics): jobs and the queue here, each app's own
from its collector."""

import hmac
import os

import prometheus_client
from django.conf import settings
from django.db.models import Count, F, Sum
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from django_q.brokers import get_broker
from prometheus_client import multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from facekit.core import metrics as core_metrics
from facekit.core.jobs import job_models


class JobsCollector:
    """Job counts by type and status, durations of finished jobs, queue depth. Each app adds
    the metrics of its own rows (facekit.core.metrics.register)."""

    def collect(self):
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


core_metrics.register(JobsCollector())


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
    body = prometheus_client.generate_latest(registry) + prometheus_client.generate_latest(core_metrics.SCRAPED)
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)
