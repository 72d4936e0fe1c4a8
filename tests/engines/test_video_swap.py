"""Swapping a face through a whole video, end to end with the offline analyser and the mesh
swapper, on short clips built in the test. Pure engine tests: no database."""

from __future__ import annotations

import threading
from fractions import Fraction

import av
import numpy as np
import pytest

from facekit.engines.analysis import OfflineAnalyser
from facekit.engines.swapping import MeshSwapper, prepare_source
from facekit.engines.errors import Cancelled
from facekit.engines.video import VideoError, VideoReport, VideoSwap, probe
from samples.clips import audio_seconds, clip_frames, decode_all, face_place, source_image, write_clip

WIDTH, HEIGHT, FPS, FRAMES = 320, 240, 25, 50  # two seconds


@pytest.fixture(scope="module")
def analyser() -> OfflineAnalyser:
    return OfflineAnalyser()


@pytest.fixture(scope="module")
def source(analyser):
    return prepare_source(analyser, source_image())


@pytest.fixture(scope="module")
def frames() -> list[np.ndarray]:
    return clip_frames(WIDTH, HEIGHT, FRAMES)


@pytest.fixture(scope="module")
def clip(tmp_path_factory, frames):
    return write_clip(tmp_path_factory.mktemp("clip") / "clip.mp4", frames, fps=FPS)


@pytest.fixture(scope="module")
def swapped(tmp_path_factory, clip, source, analyser):
    """One full run, shared by the tests that look at its output."""
    output = tmp_path_factory.mktemp("swapped") / "out.mp4"
    calls = []
    report = VideoSwap(source, MeshSwapper(), analyser).run(clip, output, progress=lambda percent, fps: calls.append((percent, fps)))
    return output, report, calls


def face_change(before: np.ndarray, after: np.ndarray, index: int, frames: int = FRAMES) -> tuple[float, float]:
    """Mean absolute change inside the pasted portrait's middle, and outside the portrait."""
    left, top, side = face_place(index, frames, WIDTH, HEIGHT)
    change = np.abs(after.astype(np.int16) - before.astype(np.int16)).mean(axis=2)
    inner = change[top + side // 4: top + side * 3 // 4, left + side // 4: left + side * 3 // 4]
    outside = np.ones(change.shape, bool)
    outside[top:top + side, left:left + side] = False
    return float(inner.mean()), float(change[outside].mean())


def test_it_keeps_every_frame_and_the_duration(clip, swapped):
    output, report, _ = swapped
    before, after = probe(clip), probe(output)

    assert isinstance(report, VideoReport)
    assert report.frames == after.frames == before.frames == FRAMES
    assert after.duration == pytest.approx(before.duration, abs=1 / FPS)
    assert (after.width, after.height, after.fps) == (before.width, before.height, before.fps)
    assert after.video_codec == "h264"
    _, times_before, _ = decode_all(clip)
    _, times_after, first = decode_all(output)
    assert times_after == pytest.approx(times_before, abs=1e-3)
    assert first.format.name == "yuv420p"


def test_it_keeps_the_sound_as_long_as_it_was(clip, swapped):
    output, report, _ = swapped

    assert report.has_audio and probe(output).audio_codec == "aac"
    # Within one AAC packet (1024 samples, 23 ms at 44.1 kHz).
    assert audio_seconds(output) == pytest.approx(audio_seconds(clip), abs=1024 / 44100)


def test_it_swaps_the_face_in_every_frame_and_leaves_the_rest(clip, swapped):
    output, report, _ = swapped
    frames, _, _ = decode_all(clip)  # what the pipeline got: the re-encoding is all that changes outside
    after, _, _ = decode_all(output)

    assert report.swapped_frames == FRAMES
    for index, (original, result) in enumerate(zip(frames, after)):
        inside, outside = face_change(original, result, index)
        # About 10 (an unswapped face: under 2); the eye openings stay the target's.
        assert inside > 8, f"frame {index}: the face hardly changed ({inside:.1f})"
        assert outside < 4, f"frame {index}: the background changed ({outside:.1f})"  # one more H.264 generation


def test_the_swapped_face_does_not_flicker(frames, swapped):
    output, _, _ = swapped
    after, _, _ = decode_all(output)
    # The swapped face's mean brightness against the original's, frame by frame: it moves
    # as the face moves and grows, but never jumps from one frame to the next.
    shifts = []
    for index, (original, result) in enumerate(zip(frames, after)):
        left, top, side = face_place(index, FRAMES, WIDTH, HEIGHT)
        inner = (slice(top + side // 4, top + side * 3 // 4), slice(left + side // 4, left + side * 3 // 4))
        shifts.append(result[inner].astype(float).mean() - original[inner].astype(float).mean())
    assert np.abs(np.diff(shifts)).max() < 4, shifts


def test_it_reports_progress_up_to_100(swapped):
    _, report, calls = swapped
    percents = [percent for percent, _ in calls]

    assert percents[-1] == 100 and percents == sorted(percents)
    assert all(0 <= percent <= 100 for percent in percents)
    assert calls[-1][1] == pytest.approx(report.fps) and report.fps > 0


def test_it_writes_a_file_browsers_play_while_loading(swapped):
    output, _, _ = swapped
    data = output.read_bytes()

    assert data.index(b"moov") < data.index(b"mdat")  # movflags=+faststart


def test_a_rotated_phone_video_keeps_its_rotation(tmp_path, frames, source, analyser):
    upright = clip_frames(WIDTH, HEIGHT, 12)
    sideways = [np.ascontiguousarray(np.rot90(frame, -1)) for frame in upright]
    clip = write_clip(tmp_path / "phone.mp4", sideways, fps=FPS, rotation=90)
    output = tmp_path / "out.mp4"

    report = VideoSwap(source, MeshSwapper(), analyser).run(clip, output)

    info = probe(output)
    assert (info.rotation, info.width, info.height, info.frames) == (90, WIDTH, HEIGHT, 12)
    assert report.swapped_frames == 12
    stored, _, _ = decode_all(output)
    given, _, _ = decode_all(clip)
    # What a player shows for a display rotation of 90.
    inside, outside = face_change(np.rot90(given[5], 1), np.rot90(stored[5], 1), 5, frames=12)
    assert inside > 12 and outside < 4


def test_sound_in_another_codec_is_reencoded_to_aac(tmp_path, frames, source, analyser):
    clip = write_clip(tmp_path / "clip.mkv", frames[:25], fps=FPS, container="matroska", audio="opus")
    output = tmp_path / "out.mp4"

    VideoSwap(source, MeshSwapper(), analyser).run(clip, output)

    assert probe(output).audio_codec == "aac"
    assert audio_seconds(output) == pytest.approx(audio_seconds(clip), abs=0.03)


def test_a_cancelled_run_leaves_nothing(tmp_path, clip, source, analyser):
    folder = tmp_path / "results"
    folder.mkdir()
    stop = threading.Event()
    percents = []

    def progress(percent, fps):
        percents.append(percent)
        stop.set()  # cancel as soon as the first frame is done

    with pytest.raises(Cancelled):
        VideoSwap(source, MeshSwapper(), analyser).run(clip, folder / "out.mp4", progress=progress, cancel=stop)

    assert percents and list(folder.iterdir()) == []


def test_a_cancel_callable_is_asked_too(tmp_path, clip, source, analyser):
    with pytest.raises(Cancelled):
        VideoSwap(source, MeshSwapper(), analyser).run(clip, tmp_path / "out.mp4", cancel=lambda: True)

    assert list(tmp_path.iterdir()) == []


class UnchangedSwapper:
    """Returns every frame as it came: what is left to see is the pipeline's own doing."""

    name = "unchanged@0"

    def swap(self, sources, target_image, target_faces, *, memory=None):
        return target_image


def luma(path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="gray").astype(np.int16) for frame in container.decode(video=0)]


def test_untouched_pixels_keep_their_brightness(tmp_path, clip, source, analyser):
    # swscale's fast YUV -> RGB path rounds down: each trip through the pipeline darkened
    # the whole picture by about one level before the conversions were made exact.
    output = tmp_path / "out.mp4"
    VideoSwap(source, UnchangedSwapper(), analyser).run(clip, output)

    shifts = [float((after - before).mean()) for before, after in zip(luma(clip), luma(output))]
    assert max(abs(shift) for shift in shifts) < 0.3, shifts


class BrokenSwapper:
    """Fails on the tenth frame, as a real one might on a bad frame."""

    name = "broken@0"

    def __init__(self):
        self.calls = 0

    def swap(self, sources, target_image, target_faces, *, memory=None):
        self.calls += 1
        if self.calls == 10:
            raise RuntimeError("swapper exploded")
        return target_image


def test_a_failing_swap_leaves_nothing(tmp_path, clip, source, analyser):
    with pytest.raises(RuntimeError, match="swapper exploded"):
        VideoSwap(source, BrokenSwapper(), analyser).run(clip, tmp_path / "out.mp4")

    assert list(tmp_path.iterdir()) == []


def test_a_video_without_any_face_is_refused_and_nothing_written(tmp_path, frames, source, analyser):
    clip = write_clip(tmp_path / "empty.mp4", clip_frames(WIDTH, HEIGHT, 10, face_frames=range(0)), fps=FPS)
    results = tmp_path / "results"
    results.mkdir()

    with pytest.raises(VideoError, match="no face was found anywhere in the video"):
        VideoSwap(source, MeshSwapper(), analyser).run(clip, results / "out.mp4")

    assert list(results.iterdir()) == []


def test_choosing_a_face_in_a_frame_without_one_is_refused(tmp_path, source, analyser):
    clip = write_clip(tmp_path / "late.mp4", clip_frames(WIDTH, HEIGHT, 10, face_frames=range(5, 10)), fps=FPS)

    with pytest.raises(VideoError, match="no face was found in frame 0"):
        VideoSwap(source, MeshSwapper(), analyser, faces="largest").run(clip, tmp_path / "out.mp4")
    with pytest.raises(VideoError, match="frame 0: face number 1 does not exist"):
        VideoSwap(source, MeshSwapper(), analyser, faces=[1]).run(clip, tmp_path / "out.mp4")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["late.mp4"]


def test_a_face_that_appears_later_is_swapped_from_then_on(tmp_path, source, analyser):
    frames = clip_frames(WIDTH, HEIGHT, 10, face_frames=range(5, 10))
    clip = write_clip(tmp_path / "late.mp4", frames, fps=FPS)
    output = tmp_path / "out.mp4"

    report = VideoSwap(source, MeshSwapper(), analyser, reference_frame=6, faces="largest").run(clip, output)

    assert report.swapped_frames == 5
    given, _, _ = decode_all(clip)
    after, _, _ = decode_all(output)
    for index in range(5):
        assert np.abs(after[index].astype(int) - given[index]).mean() < 4


@pytest.mark.parametrize("content", [b"#EXTM3U\n#EXTINF:1,\n/etc/passwd\n", b"ffconcat version 1.0\nfile 'a.mp4'\n"],
                         ids=["hls-playlist", "concat-script"])
def test_a_file_that_is_not_a_video_is_refused_and_nothing_written(tmp_path, source, analyser, content):
    target = tmp_path / "upload.mp4"
    target.write_bytes(content)

    with pytest.raises(VideoError, match="is not an MP4/MOV or WebM/MKV video"):
        VideoSwap(source, MeshSwapper(), analyser).run(target, tmp_path / "out.mp4")

    assert sorted(path.name for path in tmp_path.iterdir()) == ["upload.mp4"]


def test_a_variable_frame_rate_video_keeps_each_frame_time(tmp_path, frames, source, analyser):
    # A phone slowing its frame rate in the dark: frames 40 ms apart, then 80 ms.
    clip = tmp_path / "vfr.mp4"
    times = [index * 40 if index < 8 else 320 + (index - 8) * 80 for index in range(14)]
    with av.open(str(clip), "w", format="mp4") as output:
        stream = output.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.codec_context.time_base = stream.time_base = Fraction(1, 1000)
        for image, millis in zip(frames, times):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = millis, stream.codec_context.time_base
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    output_path = tmp_path / "out.mp4"

    VideoSwap(source, MeshSwapper(), analyser).run(clip, output_path)

    _, seconds, _ = decode_all(output_path)
    assert seconds == pytest.approx([millis / 1000 for millis in times], abs=1e-3)


def test_odd_sides_are_cut_to_even_ones(tmp_path, source, analyser):
    # VP9 allows odd sizes; H.264 in yuv420p does not.
    clip = write_clip(tmp_path / "odd.webm", clip_frames(321, 241, 10), fps=FPS, container="webm",
                      codec="libvpx-vp9", audio="opus")
    output = tmp_path / "out.mp4"

    VideoSwap(source, MeshSwapper(), analyser).run(clip, output)

    info = probe(output)
    assert (info.width, info.height, info.frames) == (320, 240, 10)


def test_a_video_damaged_in_the_middle_is_refused_and_nothing_written(tmp_path, clip, source, analyser):
    data = bytearray(clip.read_bytes())
    # Three stretches of garbage: whatever the encoder's packet layout, picture packets are hit.
    for start in (len(data) * 4 // 10, len(data) // 2, len(data) * 6 // 10):
        data[start:start + 3000] = bytes((value * 7 + 13) % 256 for value in data[start:start + 3000])
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    results = tmp_path / "results"
    results.mkdir()

    with pytest.raises(VideoError, match="damaged.mp4 is damaged near .* and cannot be decoded"):
        VideoSwap(source, MeshSwapper(), analyser).run(damaged, results / "out.mp4")

    assert list(results.iterdir()) == []
