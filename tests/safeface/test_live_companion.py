"""The desktop companion (`python -m safeface.live`): a clip played as the webcam (OpenCV reads
it as it would a camera), swapped, into a virtual camera: pyvirtualcam itself, with a sink
registered as its backend in place of v4l2loopback. Every frame that reaches the sink is the
swap's (or a blur), and none is recognised as the person by either judge."""

import numpy as np
import pytest
import pyvirtualcam
from django.core.files.base import ContentFile

from avatars.models import Avatar
from facekit.core.jobs import JobStatus
from facekit.engines.analysis import OfflineAnalyser
from facekit.engines.recognition import load_judges
from facekit.engines.vocabulary import validate_spec
from safeface import live as companion
from samples.clips import clip_frames, portrait, source_image, write_clip
from tests.images import png_bytes

pytestmark = pytest.mark.django_db


class Sink:
    """A virtual camera that keeps what it is sent (pyvirtualcam's backend interface)."""

    frames: list[np.ndarray] = []

    def __init__(self, *, width, height, fps, fourcc, device, **kw):
        self.size = (width, height)
        Sink.frames = []

    def close(self):
        pass

    def send(self, frame):  # pyvirtualcam hands its backends the bytes of an RGB frame
        Sink.frames.append(frame.reshape(self.size[1], self.size[0], 3).copy())

    def device(self):
        return "test sink"

    def native_fourcc(self):
        return None


@pytest.fixture
def sink():
    pyvirtualcam.register_backend("test-sink", Sink)
    return Sink


@pytest.fixture
def avatar(alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    made = Avatar.objects.create(owner=alice, spec=validate_spec({}), seed=1, status=JobStatus.DONE)
    made.image.save("1.png", ContentFile(png_bytes(source_image())))  # a face of another person
    return made


def test_the_virtual_camera_gets_only_swapped_frames(sink, avatar, tmp_path):
    camera = write_clip(tmp_path / "camera.mp4", clip_frames(640, 480, 30), audio=None)
    assert companion.main(["--camera", str(camera), "--avatar", str(avatar.pk), "--backend", "test-sink", "--fps", "100"]) == 0

    played = clip_frames(640, 480, 30)
    assert len(sink.frames) == 30 and all(frame.shape == (480, 640, 3) for frame in sink.frames)
    assert not any(np.abs(sent.astype(int) - cam.astype(int)).mean() < 2 for sent, cam in zip(sink.frames, played))
    analyser, judges = OfflineAnalyser(), load_judges("auto")
    person = portrait()
    known = {j.name: j.embed(person, max(analyser.detect(person), key=lambda f: f.area)) for j in judges}
    for frame in sink.frames:
        for face in analyser.detect(frame):
            for judge in judges:
                vector = judge.embed(frame, face)
                assert vector is None or judge.distance(vector, known[judge.name]) >= judge.threshold


def test_an_avatar_that_is_not_finished_is_refused(sink, alice, tmp_path, capsys):
    pending = Avatar.objects.create(owner=alice, spec=validate_spec({}), seed=1, status=JobStatus.QUEUED)
    with pytest.raises(SystemExit) as stopped:
        companion.main(["--camera", "0", "--avatar", str(pending.pk), "--backend", "test-sink"])
    assert stopped.value.code == 2 and f"No finished avatar {pending.pk}" in capsys.readouterr().err


def test_a_camera_that_cannot_be_opened_is_said(sink, avatar, tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        companion.main(["--camera", str(tmp_path / "missing.mp4"), "--avatar", str(avatar.pk), "--backend", "test-sink"])
    assert stopped.value.code == 2 and "could not be opened" in capsys.readouterr().err
