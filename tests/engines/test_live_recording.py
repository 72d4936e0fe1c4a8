"""Recording a live session (facekit.engines.live.LiveRecording): the frames shown and the sound
go into one MP4, each frame at the time it was shown, the sound in step with the picture; the
identity check judges what was written; and re-writing a video through a frame marker
(video.mark_video, how the job worker labels a recording) keeps every frame and the sound."""

from __future__ import annotations

import av
import numpy as np
import pytest

from facekit.engines.analysis import OfflineAnalyser
from facekit.engines.live import LiveRecording, LiveSwap
from facekit.engines.recognition import load_judges
from facekit.engines.swapping import load_swapper, prepare_source
from facekit.engines.video import mark_video, probe
from samples.clips import audio_seconds, clip_frames, decode_all, source_image

FPS = 20


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def sound(seconds: float, rate: int = 48_000, samples: int = 960) -> list[av.AudioFrame]:
    """WebRTC-like sound: 20 ms frames of s16 stereo, as aiortc decodes Opus."""
    frames = []
    for start in range(0, round(seconds * rate), samples):
        tone = (np.sin(2 * np.pi * 440 * (start + np.arange(samples)) / rate) * 8000).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(np.repeat(tone, 2)[None, :], format="s16", layout="stereo")
        frame.sample_rate = rate
        frames.append(frame)
    return frames


def test_frames_and_sound_are_written_in_step(tmp_path):
    clock = Clock()
    recording = LiveRecording(tmp_path / "r.mp4", None, audio=True, pending=1000, clock=clock)
    clock.now = 0.5  # the recording starts half a second before its first frame
    heard = iter(sound(3.0))
    for index in range(2 * FPS):
        shown = np.full((480, 640, 3), (index * 6) % 255, np.uint8)
        recording.add_frame(shown, shown, ())
        for _ in range(50 // FPS + (index % 2)):  # 2.5 sound frames (20 ms) a picture frame (50 ms)
            recording.add_sound(next(heard))
        clock.now += 1 / FPS
    report = recording.finish()

    assert report.frames == 2 * FPS and report.dropped == 0 and report.has_audio and report.identity is None
    assert report.seconds == pytest.approx((2 * FPS - 1) / FPS, abs=0.01)
    info = probe(report.path)
    assert (info.width, info.height, info.frames, info.video_codec, info.audio_codec) == (640, 480, 2 * FPS, "h264", "aac")
    _, times, _ = decode_all(report.path)
    assert np.diff(times) == pytest.approx(1 / FPS, abs=0.002)  # each frame at the time it was shown
    assert audio_seconds(report.path) == pytest.approx(2.0, abs=0.05)  # 100 frames of 20 ms
    with av.open(str(report.path)) as container:
        picture, sound_track = container.streams.video[0], container.streams.audio[0]
        first_picture = float(picture.start_time * picture.time_base)
        first_sound = float(sound_track.start_time * sound_track.time_base)
    assert abs(first_sound - first_picture) < 0.05  # the sound starts with the picture it came with


def test_a_frame_of_another_size_is_fitted_and_silence_is_not_invented(tmp_path):
    clock = Clock()
    recording = LiveRecording(tmp_path / "r.mp4", None, audio=False, pending=1000, clock=clock)
    for index in range(6):
        size = (480, 640) if index < 3 else (360, 480)  # WebRTC lowered the camera's resolution
        recording.add_frame(np.zeros((*size, 3), np.uint8), np.zeros((*size, 3), np.uint8), ())
        clock.now += 0.1
    report = recording.finish()
    assert report.frames == 6 and not report.has_audio
    assert (probe(report.path).width, probe(report.path).height, probe(report.path).has_audio) == (640, 480, False)


def test_frames_the_encoder_cannot_take_yet_are_dropped_and_counted(tmp_path):
    clock = Clock()
    recording = LiveRecording(tmp_path / "r.mp4", None, pending=1, clock=clock)
    for index in range(40):  # all at once: far faster than any encoder
        recording.add_frame(np.zeros((480, 640, 3), np.uint8), np.full((480, 640, 3), index, np.uint8), ())
        clock.now += 0.05
    report = recording.finish()
    assert report.dropped > 0 and report.frames + report.dropped == 40 and report.frames == probe(report.path).frames


def test_nothing_shown_writes_nothing(tmp_path):
    report = LiveRecording(tmp_path / "r.mp4", None, audio=True).finish()
    assert report.frames == 0 and not report.path.exists()


def test_the_identity_check_judges_the_frames_written(tmp_path):
    """Each shown frame of a live swap is judged against the camera's: none matches the clip's
    person; and with the camera's own frame written (what Live never does), the check says so."""
    analyser, judges = OfflineAnalyser(), load_judges("auto")
    source = prepare_source(analyser, source_image())
    live = LiveSwap(source, load_swapper("auto", strong=True), analyser, fps=FPS)
    clock = Clock()
    swapped = LiveRecording(tmp_path / "swapped.mp4", source, judges=judges, pending=1000, clock=clock)
    unchanged = LiveRecording(tmp_path / "unchanged.mp4", source, judges=judges, pending=1000, clock=clock)
    for index, frame in enumerate(clip_frames(640, 480, 2 * FPS)):
        shown = live(frame, index / FPS)
        swapped.add_frame(frame, shown.image, shown.faces)
        unchanged.add_frame(frame, frame, shown.faces)
        clock.now += 1 / FPS
    hidden, control = swapped.finish().identity, unchanged.finish().identity

    assert hidden.judged_frames >= 3 and len(hidden.faces) == 1
    assert not hidden.recognised, hidden.to_json()
    assert control.recognised  # the check can fail


def test_mark_video_passes_every_frame_through_the_marker_and_keeps_the_sound(tmp_path):
    clock = Clock()
    recording = LiveRecording(tmp_path / "r.mp4", None, audio=True, pending=1000, clock=clock)
    heard = iter(sound(2.0))
    for index in range(FPS):
        recording.add_frame(np.full((240, 320, 3), 40, np.uint8), np.full((240, 320, 3), 40, np.uint8), ())
        for _ in range(50 // FPS + (index % 2)):
            recording.add_sound(next(heard))
        clock.now += 1 / FPS
    source = recording.finish().path
    seen = []

    def mark(seconds, rgb):
        seen.append(seconds)
        return 255 - rgb

    frames = mark_video(source, tmp_path / "marked.mp4", mark=mark, metadata={"comment": "marked"})
    assert frames == FPS and seen == pytest.approx([index / FPS for index in range(FPS)], abs=0.002)
    images, times, _ = decode_all(tmp_path / "marked.mp4")
    assert len(images) == FPS and abs(float(images[5].mean()) - 215) < 3  # the marker's frames were written
    assert audio_seconds(tmp_path / "marked.mp4") == pytest.approx(audio_seconds(source), abs=0.03)
    with av.open(str(tmp_path / "marked.mp4")) as container:
        assert container.metadata["comment"] == "marked"


def test_mark_video_leaves_nothing_when_the_marker_fails(tmp_path):
    clock = Clock()
    recording = LiveRecording(tmp_path / "r.mp4", None, pending=1000, clock=clock)
    for _ in range(3):
        recording.add_frame(np.zeros((240, 320, 3), np.uint8), np.zeros((240, 320, 3), np.uint8), ())
        clock.now += 0.1
    source = recording.finish().path

    def broken(seconds, rgb):
        raise RuntimeError("marker broke")

    with pytest.raises(RuntimeError):
        mark_video(source, tmp_path / "marked.mp4", mark=broken)
    assert not (tmp_path / "marked.mp4").exists()

