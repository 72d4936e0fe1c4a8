"""Probing uploaded videos: facts read right, and every file that is not a plain video of ours
refused before FFmpeg can be talked into reading anything else. Pure engine tests: no database."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from facekit.engines.video import VideoError, VideoInfo, probe, read_frame
from samples.clips import clip_frames, portrait, write_clip

SIZE = (160, 120)
FRAMES = 10


@pytest.fixture(scope="module")
def frames() -> list[np.ndarray]:
    return clip_frames(*SIZE, FRAMES)


@pytest.fixture(scope="module")
def clip(tmp_path_factory, frames):
    return write_clip(tmp_path_factory.mktemp("probe") / "clip.mp4", frames, fps=25)


def test_it_describes_an_mp4_with_sound(clip):
    info = probe(clip)

    assert isinstance(info, VideoInfo)
    assert (info.container, info.video_codec, info.audio_codec) == ("mp4", "h264", "aac")
    assert (info.width, info.height, info.rotation) == (160, 120, 0)
    assert info.fps == pytest.approx(25)
    assert info.frames == FRAMES
    assert info.duration == pytest.approx(FRAMES / 25, abs=1 / 25)
    assert info.has_audio and info.streams == 2
    assert (info.audio_sample_rate, info.audio_channels) == (44100, 1)


def test_it_describes_a_webm_without_sound_and_counts_its_frames(tmp_path, frames):
    # Matroska headers do not say how many frames there are: probe counts the packets.
    path = write_clip(tmp_path / "clip.webm", frames, container="webm", codec="libvpx-vp9", audio=None)

    info = probe(path)

    assert (info.container, info.video_codec) == ("webm", "vp9")
    assert info.frames == FRAMES and not info.has_audio and info.audio_codec is None
    assert info.duration == pytest.approx(FRAMES / 25, abs=1 / 25)


def test_it_accepts_opus_sound_in_matroska(tmp_path, frames):
    info = probe(write_clip(tmp_path / "clip.mkv", frames, container="matroska", audio="opus"))

    assert (info.container, info.audio_codec) == ("matroska", "opus")


def test_it_gives_the_displayed_size_and_rotation_of_a_phone_video(tmp_path, frames):
    # A phone held upright stores landscape frames and a display rotation.
    sideways = [np.ascontiguousarray(np.rot90(frame, -1)) for frame in frames]
    info = probe(write_clip(tmp_path / "phone.mp4", sideways, rotation=90))

    assert info.rotation == 90
    assert (info.width, info.height) == (160, 120)


def test_read_frame_turns_the_frame_upright(tmp_path, frames):
    sideways = [np.ascontiguousarray(np.rot90(frame, -1)) for frame in frames]
    path = write_clip(tmp_path / "phone.mp4", sideways, rotation=90)

    frame = read_frame(path, 3)

    assert frame.shape == (120, 160, 3) and frame.dtype == np.uint8
    assert np.abs(frame.astype(int) - frames[3]).mean() < 6  # lossy H.264, same picture


def test_read_frame_reads_the_frame_asked_for(clip, frames):
    picked = read_frame(clip, 7)

    errors = [np.abs(picked.astype(int) - frame).mean() for frame in frames]
    assert int(np.argmin(errors)) == 7


def test_read_frame_refuses_a_frame_past_the_end(clip):
    with pytest.raises(VideoError, match=f"has no frame {FRAMES}: it has {FRAMES} frames"):
        read_frame(clip, FRAMES)


def test_a_colon_in_the_file_name_selects_no_protocol(tmp_path, clip):
    # FFmpeg reads "concat:a|b" or "subfile,,start,..." as protocols when they start a URL.
    odd = tmp_path / "concat:clip.mp4"
    odd.write_bytes(clip.read_bytes())

    assert probe(odd).frames == FRAMES


@pytest.mark.parametrize("content", [
    b"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\n/etc/passwd\n#EXT-X-ENDLIST\n",
    b"ffconcat version 1.0\nfile '/etc/passwd'\n",
    b"",
    b"not a video at all, just some words in a file",
], ids=["hls-playlist", "concat-script", "empty", "text"])
def test_it_refuses_text_named_mp4(tmp_path, content):
    path = tmp_path / "upload.mp4"
    path.write_bytes(content)

    with pytest.raises(VideoError, match="upload.mp4"):
        probe(path)


def test_it_refuses_a_png_named_mp4(tmp_path):
    path = tmp_path / "photo.mp4"
    path.write_bytes(cv2.imencode(".png", portrait())[1].tobytes())

    with pytest.raises(VideoError, match="is not an MP4/MOV or WebM/MKV video"):
        probe(path)


def test_it_refuses_a_sound_only_file(tmp_path):
    import av

    path = tmp_path / "song.m4a"
    with av.open(str(path), "w", format="mp4") as output:
        stream = output.add_stream("aac", rate=44100, layout="mono")
        samples = np.zeros((1, 44100), np.float32)
        frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
        frame.sample_rate = 44100
        resampler = av.AudioResampler(format="fltp", layout="mono", rate=44100, frame_size=1024)
        for part in resampler.resample(frame) + resampler.resample(None):
            output.mux(stream.encode(part))
        output.mux(stream.encode(None))

    with pytest.raises(VideoError, match="has no video stream"):
        probe(path)


@pytest.mark.parametrize("faststart", [True, False], ids=["index-first", "index-last"])
def test_it_refuses_a_truncated_file(tmp_path, frames, faststart):
    whole = tmp_path / "whole.mp4"
    write_clip(whole, frames)
    if faststart:
        import av

        with av.open(str(whole)) as source, av.open(str(tmp_path / "fast.mp4"), "w", format="mp4",
                                                    container_options={"movflags": "+faststart"}) as output:
            streams = {stream.index: output.add_stream_from_template(stream) for stream in source.streams}
            for packet in source.demux():
                if packet.dts is not None:
                    packet.stream = streams[packet.stream.index]
                    output.mux(packet)
        whole = tmp_path / "fast.mp4"
    data = whole.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 2 // 3])

    # With the index first the file still opens, but its index points past the end.
    expected = "incomplete: it ends before its last frame" if faststart else "damaged or incomplete"
    with pytest.raises(VideoError, match=f"cut.mp4 is {expected}"):
        probe(cut)


def test_it_refuses_a_codec_outside_the_list(tmp_path, frames):
    path = tmp_path / "camera.mov"
    import av

    with av.open(str(path), "w", format="mov") as output:
        stream = output.add_stream("mjpeg", rate=25)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuvj420p"
        for frame in frames:
            output.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        output.mux(stream.encode(None))

    with pytest.raises(VideoError, match="video codec 'mjpeg' is not accepted"):
        probe(path)


def test_it_names_a_missing_file(tmp_path):
    with pytest.raises(VideoError, match="gone.mp4: no such file"):
        probe(tmp_path / "gone.mp4")



def test_the_stream_limit_is_the_callers(tmp_path, frames):
    path = write_clip(tmp_path / "fonts.mkv", frames, container="matroska", attachments=8)  # 10 streams

    assert probe(path, max_streams=12).streams == 10
    with pytest.raises(VideoError, match="fonts.mkv has 10 streams; at most 9 are accepted"):
        probe(path, max_streams=9)
