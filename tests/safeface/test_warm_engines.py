"""Each worker builds its engines as it starts (django-q2's post_spawn), and a
failure there is logged, never fatal to the worker."""

from django_q.signals import post_spawn

from safeface import inference


def test_a_spawned_worker_builds_its_engines(monkeypatch, settings):
    built = []
    monkeypatch.setattr(inference, "quality_gate", lambda: built.append("gate"))
    settings.SAFEFACE_WARM_ENGINES = True

    post_spawn.send(sender="django_q", proc_name="Process-1:1")

    assert built == ["gate"]


def test_warming_can_be_turned_off(monkeypatch, settings):
    built = []
    monkeypatch.setattr(inference, "quality_gate", lambda: built.append("gate"))
    settings.SAFEFACE_WARM_ENGINES = False

    post_spawn.send(sender="django_q", proc_name="Process-1:1")

    assert built == []


def test_an_engine_that_cannot_load_does_not_kill_the_worker(monkeypatch, settings, caplog):
    def broken():
        raise RuntimeError("weights missing")

    monkeypatch.setattr(inference, "quality_gate", broken)
    settings.SAFEFACE_WARM_ENGINES = True

    post_spawn.send(sender="django_q", proc_name="Process-1:1")

    assert "Could not warm the engines in Process-1:1" in caplog.text
