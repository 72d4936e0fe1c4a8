"""Tasks of the project itself (the apps keep their own in their tasks.py)."""

import time

from facekit.core import jobs


def reap_jobs() -> dict[str, int]:
    """Scheduled every minute: take back jobs whose worker died (facekit/core/jobs.py)."""
    return jobs.reap()


def ping(sent_at: float) -> float:
    """Health probe: the worker answers with the time the task reached it."""
    return time.time()
