"""Queues by hardware (facekit/core/queues.py): which cluster each job and schedule goes to,
sent through the broker the settings select (the ORM, or Redis with REDIS_URL)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Schedule
from django_q.signing import SignedPackage

from facekit.core import jobs, queues

pytestmark = pytest.mark.django_db

# What each job needs: GPU work goes to the GPU cluster once the queues are split.
HARDWARE = {
    "avatars.avatar": "gpu",
    "swaps.swapjob": "gpu",
    "faceapi.facerender": "gpu",
    "swaps.target": "cpu",
    "jobapp.chore": "cpu",
}


@pytest.fixture
def split(settings):
    """SAFEFACE_QUEUES=split in this process, on cluster names no running cluster serves;
    whatever a test leaves on their queues is dropped."""
    name = settings.Q_CLUSTER["name"]
    settings.SAFEFACE_QUEUES = "split"
    settings.SAFEFACE_CLUSTERS = {"cpu": f"{name}-cpu", "gpu": f"{name}-gpu"}
    yield settings.SAFEFACE_CLUSTERS
    for cluster in settings.SAFEFACE_CLUSTERS.values():
        get_broker(cluster).purge_queue()


def sent_to(cluster: str) -> list[dict]:
    """The task packages waiting on `cluster`'s queue, taken off it."""
    broker, found = get_broker(cluster), []
    while packages := broker.dequeue():
        for ack_id, payload in packages:
            found.append(SignedPackage.loads(payload))
            broker.acknowledge(ack_id)
    return found


def test_every_job_model_says_which_hardware_it_needs():
    assert {model._meta.label_lower: model.hardware for model in jobs.job_models()} == HARDWARE


def test_with_one_queue_no_work_names_a_cluster(settings):
    assert settings.SAFEFACE_QUEUES == "one"  # the embedded default
    assert [queues.cluster_for(hardware) for hardware in queues.HARDWARE] == [None, None]
    assert dict(Schedule.objects.values_list("func", "cluster")) == {"safeface.tasks.reap_jobs": None, "swaps.tasks.purge_targets": None}


def test_split_sends_each_job_to_its_hardwares_cluster(split):
    for model in jobs.job_models():
        jobs._send(model, 12345)

    gpu, cpu = sent_to(split["gpu"]), sent_to(split["cpu"])
    assert sorted(task["func"] for task in gpu) == ["avatars.tasks.generate_avatar", "faceapi.tasks.render", "swaps.tasks.run_swap"]
    assert sorted(task["func"] for task in cpu) == ["swaps.tasks.analyse_target", "tests.jobapp.tasks.run_chore"]
    assert {task["cluster"] for task in gpu} == {split["gpu"]} and {task["cluster"] for task in cpu} == {split["cpu"]}
    assert all(task["kwargs"] == {"job_id": 12345} for task in gpu + cpu)


def test_only_face_api_renders_go_without_a_task_history(split):
    """django-q2 keeps a row per success unless the package says save=False; the face API's
    renders are too many, and their FaceRender rows are the record."""
    for model in jobs.job_models():
        jobs._send(model, 1)

    saved = {task["func"]: task.get("save") for task in sent_to(split["gpu"]) + sent_to(split["cpu"])}
    assert saved == {"avatars.tasks.generate_avatar": True, "swaps.tasks.run_swap": True, "faceapi.tasks.render": False,
                     "swaps.tasks.analyse_target": True, "tests.jobapp.tasks.run_chore": True}


def test_split_the_reaper_sends_again_to_the_same_cluster(split, alice):
    from avatars.models import Avatar
    from facekit.engines.vocabulary import validate_spec
    from tests.jobapp.models import Chore

    avatar = Avatar.objects.create(owner=alice, spec=validate_spec({}), seed=7)
    chore = Chore.objects.create()
    later = timezone.now() + timedelta(hours=1)

    assert jobs.reap(now=later)["resent"] == 2
    assert [(task["func"], task["kwargs"]) for task in sent_to(split["gpu"])] == [("avatars.tasks.generate_avatar", {"job_id": avatar.pk})]
    assert [(task["func"], task["kwargs"]) for task in sent_to(split["cpu"])] == [("tests.jobapp.tasks.run_chore", {"job_id": chore.pk})]


def test_split_every_schedule_goes_to_the_cpu_cluster(split):
    from safeface.apps import install_schedules as project_schedules
    from swaps.apps import install_schedules as swap_schedules

    project_schedules()
    swap_schedules()

    schedules = dict(Schedule.objects.values_list("func", "cluster"))
    assert schedules == {"safeface.tasks.reap_jobs": split["cpu"], "swaps.tasks.purge_targets": split["cpu"]}


def test_work_needing_unknown_hardware_is_refused():
    with pytest.raises(ValueError, match="tpu"):
        queues.cluster_for("tpu")
