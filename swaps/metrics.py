"""What /metrics says of swaps: how far swapped faces are from the people in the uploads, to
each identity judge, how often the judges disagree, and the uploads the screening refused."""

from django.db.models import Count
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily

from facekit.core.jobs import JobStatus
from facekit.engines.recognition import IdentityCheck
from swaps.models import SwapJob, Target


class SwapsCollector:
    def collect(self):
        yield from identity_metrics()
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
    distances: dict[str, list[float]] = {}
    disagreements = 0
    for stored in SwapJob.objects.filter(status=JobStatus.DONE).exclude(identity={}).values_list("identity", flat=True).iterator():
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
