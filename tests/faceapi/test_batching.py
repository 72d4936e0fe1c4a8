"""The worker draws every face queued for its engine in one generator call, and ends each row
as its own task would: none lost when it dies, each failed with the reason when it fails."""

from datetime import timedelta

import numpy as np

import pytest
from django.utils import timezone

from faceapi import cache, rendering, tasks
from faceapi.models import FaceRender
from safeface import inference
from facekit.core import jobs
from facekit.core.jobs import JobStatus
from facekit.engines.errors import EngineError

pytestmark = pytest.mark.django_db

VALUES = ["ann", "bob", "cy", "dee", "eve"]


class Drawing:
    """The worker's real generator, counting its calls (or failing them, when told)."""

    def __init__(self, generator, error: Exception | None = None):
        self.generator, self.error, self.calls = generator, error, []
        self.name, self.native_size = generator.name, generator.native_size

    def generate(self, spec, seeds, size=None, **kwargs):
        self.calls.append(("generate", len(seeds)))
        if self.error:
            raise self.error
        return self.generator.generate(spec, seeds, size, **kwargs)

    def blend(self, seeds, amounts, spec=None, size=None, **kwargs):
        self.calls.append(("blend", len(seeds)))
        return self.generator.blend(seeds, amounts, spec, size, **kwargs)


@pytest.fixture
def drawing(monkeypatch):
    def install(error=None):
        spy = Drawing(inference.api_generator(), error)
        monkeypatch.setattr(inference, "api_generator", lambda: spy)
        return spy

    return install


def queue(client, *urls):
    for url in urls:
        assert client.get(url).status_code == 202
    return list(FaceRender.objects.order_by("created_at", "pk"))


def test_one_task_draws_every_queued_face_in_one_call(client, drawing):
    spy = drawing()
    rows = queue(client, *(f"/api/face?value={v}&dim=64" for v in VALUES))

    tasks.render(job_id=rows[0].pk)
    for row in rows[1:]:
        tasks.render(job_id=row.pk)  # their own deliveries find them done and draw nothing

    assert spy.calls == [("generate", len(VALUES))]
    assert set(FaceRender.objects.values_list("status", flat=True)) == {JobStatus.DONE}
    assert all(FaceRender.objects.get(pk=row.pk).attempts == 1 for row in rows)
    for value in VALUES:
        assert client.get(f"/api/face?value={value}&dim=64").status_code == 200


def test_batched_faces_are_the_faces_drawn_one_by_one(client, drawing):
    spy = drawing()
    rows = queue(client, *(f"/api/face?value={v}&dim=64" for v in VALUES))
    tasks.render(job_id=rows[0].pk)

    generator = spy.generator
    for row in rows:
        row.refresh_from_db()
        master = row.folder / rendering.MASTER
        assert cache.fetch(master)  # with media on S3, from the bucket
        alone = generator.generate(None, [int(row.params["seed"])], generator.native_size)[0]
        assert np.array_equal(rendering.decode_master(master), alone)


def test_the_batch_takes_at_most_the_setting_and_leaves_the_rest_queued(client, drawing, settings):
    settings.SAFEFACE_API_BATCH = 2
    spy = drawing()
    rows = queue(client, *(f"/api/face?value={v}&dim=64" for v in VALUES))

    tasks.render(job_id=rows[0].pk)

    assert spy.calls == [("generate", 2)]
    statuses = [FaceRender.objects.get(pk=row.pk).status for row in rows]
    assert statuses == [JobStatus.DONE, JobStatus.DONE, JobStatus.QUEUED, JobStatus.QUEUED, JobStatus.QUEUED]


def test_blends_and_morph_frames_ride_along_or_stay_their_own(client, drawing):
    spy = drawing()
    rows = queue(
        client,
        "/api/face?value=ann&dim=64",
        "/api/face?value0=ann&amount0=0.5&value1=bob&amount1=0.5&dim=64",
        "/api/morph?from=ann&to=bob&frames=3&frame=1&dim=64",
    )

    tasks.render(job_id=rows[0].pk)

    assert spy.calls == [("generate", 1), ("blend", 2)]
    assert [FaceRender.objects.get(pk=row.pk).status for row in rows] == [JobStatus.DONE, JobStatus.DONE, JobStatus.QUEUED]


def test_a_worker_killed_mid_batch_loses_no_face(client, drawing, settings):
    drawing()
    rows = queue(client, *(f"/api/face?value={v}&dim=64" for v in VALUES))
    # A worker claims its row and the others for its batch, then dies before drawing any.
    rows[0].claim()
    taken = jobs.claim_queued(FaceRender.objects.filter(kind="face"), settings.SAFEFACE_API_BATCH)
    assert len(taken) == len(VALUES) - 1

    counts = jobs.reap(now=timezone.now() + settings.JOB_LEASE + timedelta(seconds=1))

    assert counts["requeued"] == len(VALUES)
    tasks.render(job_id=rows[0].pk)
    assert set(FaceRender.objects.values_list("status", flat=True)) == {JobStatus.DONE}


def test_a_failed_batch_fails_every_row_it_took_with_the_reason(client, drawing):
    drawing(EngineError("The generator ran out of GPU memory; try again in a minute."))
    rows = queue(client, *(f"/api/face?value={v}&dim=64" for v in VALUES[:3]))

    tasks.render(job_id=rows[0].pk)

    for row in rows:
        row.refresh_from_db()
        assert row.status == JobStatus.FAILED
        assert row.error == "The generator ran out of GPU memory; try again in a minute."
