"""Which django-q2 cluster runs which work: the one routing rule for jobs and schedules.

Work says which hardware it needs: a job model by its `hardware` (facekit/core/jobs.py:
"gpu" for avatars, swaps and face API renders, "cpu", the default, for the rest), a
schedule always "cpu". With SAFEFACE_QUEUES=split each kind of hardware has a cluster of
its own (settings.SAFEFACE_CLUSTERS, built in settings.py with Q_CLUSTER: its own cluster is
the CPU one, its ALT_CLUSTERS the GPU one); with "one" the one cluster runs everything and no
task names a cluster, as before the split.
"""

from django.conf import settings

HARDWARE = ("cpu", "gpu")


def cluster_for(hardware: str) -> str | None:
    """The cluster that runs work needing `hardware`; None: the default cluster."""
    if hardware not in HARDWARE:
        raise ValueError(f"Unknown hardware {hardware!r}; work needs one of {', '.join(HARDWARE)}.")
    return settings.SAFEFACE_CLUSTERS.get(hardware)


def keep_schedule(name: str, func: str, minutes: int) -> None:
    """Keep a periodic task in django-q2's schedule table (idempotent), on the CPU cluster.

    Split, the CPU cluster is not django-q2's default cluster (every cluster shares the
    site's name, which signs the tasks), so a schedule that names no cluster would run
    nowhere: each one names its cluster here."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name=name,
        defaults={
            "func": func,
            "schedule_type": Schedule.MINUTES,
            "minutes": minutes,
            "repeats": -1,
            "cluster": cluster_for("cpu"),
        },
    )
