"""Short test videos built with PyAV from insightface's bundled photos: a face that moves and
grows over a busy, face-free background, with a sine tone as its sound."""

from __future__ import annotations

import importlib.util
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from facekit.engines.analysis import read_image

PHOTOS = Path(next(iter(importlib.util.find_spec("insightface").submodule_search_locations))) / "data" / "images"
T1 = PHOTOS / "t1.jpg"  # insightface's group photo: several faces
TONE_HZ = 440.0


def background(width: int, height: int) -> np.ndarray:
    group = read_image(PHOTOS / "t1.jpg")
    # The table and chips below everyone's chin: texture, but no face.
    return cv2.resize(group[560:, :], (width, height), interpolation=cv2.INTER_AREA)


def portrait() -> np.ndarray:
    return read_image(PHOTOS / "Tom_Hanks_54745.png")


def source_image() -> np.ndarray:
    """Another person than the portrait, as the face put in (the man at the back of t1.jpg)."""
    group = read_image(PHOTOS / "t1.jpg")
    return np.ascontiguousarray(group[20:250, 815:1050])


def face_place(index: int, frames: int, width: int, height: int) -> tuple[int, int, int]:
    """Where the face is in frame `index`: (left, top, side), moving right and growing by a third."""
    progress = index / max(frames - 1, 1)
    side = round(min(width, height) * (0.42 + 0.14 * progress))
    left = round((width - side) * (0.2 + 0.6 * progress))
    top = round((height - side) * (0.5 + 0.3 * np.sin(2 * np.pi * progress)))
    return left, top, side


def clip_frames(width: int, height: int, frames: int, *, face_frames: range | None = None) -> list[np.ndarray]:
    """RGB frames with the portrait pasted in each frame of `face_frames` (all by default)."""
    base, face = background(width, height), portrait()
    face_frames = range(frames) if face_frames is None else face_frames
    images = []
    for index in range(frames):
        image = base.copy()
        if index in face_frames:
            left, top, side = face_place(index, frames, width, height)
            image[top:top + side, left:left + side] = cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC)
        images.append(image)
    return images


def write_clip(
    path: Path, images: list[np.ndarray], *, fps: int = 25, audio: str | None = "aac", rotation: int = 0,
    container: str = "mp4", codec: str = "libx264", attachments: int = 0, metadata: dict[str, str] | None = None,
) -> Path:
    """Encode `images` (RGB, stored orientation) at `fps`, with a sine tone of the same length
    in `audio` ("aac", "opus", "mp3"... or None), tagged with a display `rotation`; in Matroska,
    with `attachments` attached text files (fonts, covers: each one a stream of its own); an MP4
    with `metadata` as its container tags."""
    height, width = images[0].shape[:2]
    options = {"movflags": "use_metadata_tags"} if metadata and container == "mp4" else {}
    with av.open(str(path), mode="w", format=container, options=options) as output:
        output.metadata.update(metadata or {})
        for number in range(attachments):
            output.add_attachment(f"note-{number}.txt", "text/plain", f"attachment {number}\n".encode())
        video = output.add_stream(codec, rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        if rotation:
            video.set_display_rotation(rotation)
        sound = output.add_stream(audio, rate=48000 if audio == "opus" else 44100, layout="mono") if audio else None
        for index, image in enumerate(images):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, fps)
            output.mux(video.encode(frame))
        output.mux(video.encode(None))
        if sound is not None:
            _write_tone(output, sound, len(images) / fps)
    return path


def _write_tone(output, sound, seconds: float) -> None:
    rate = sound.codec_context.sample_rate
    samples = np.sin(2 * np.pi * TONE_HZ * np.arange(round(seconds * rate)) / rate).astype(np.float32) * 0.3
    # Each encoder wants its own sample format and frame size (fltp and 1024 for AAC).
    resampler = av.AudioResampler(
        format=sound.codec_context.format.name, layout="mono", rate=rate,
        frame_size=sound.codec_context.frame_size or None)
    frame = av.AudioFrame.from_ndarray(samples[None, :], format="flt", layout="mono")
    frame.sample_rate, frame.pts, frame.time_base = rate, 0, Fraction(1, rate)
    for resampled in resampler.resample(frame) + resampler.resample(None):
        output.mux(sound.encode(resampled))
    output.mux(sound.encode(None))


def decode_all(path: Path) -> tuple[list[np.ndarray], list[float], av.VideoFrame]:
    """Every frame of `path` as stored (RGB), their times in seconds, and the first frame itself."""
    with av.open(str(path)) as container:
        frames = list(container.decode(video=0))
        return [frame.to_ndarray(format="rgb24") for frame in frames], [float(frame.time) for frame in frames], frames[0]


def audio_seconds(path: Path) -> float:
    """How long the sound of `path` plays, counted from its decoded samples."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        return samples / stream.codec_context.sample_rate


def write_y4m(path: Path, images: list[np.ndarray], fps: int) -> Path:
    """RGB frames as a Y4M file (I420), what Chromium's fake camera plays in a loop
    (--use-file-for-fake-video-capture)."""
    height, width = images[0].shape[:2]
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for image in images:
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(image, cv2.COLOR_RGB2YUV_I420).tobytes())
    return path


# A frame number drawn into the top left corner as black and white blocks (most significant bit
# first), for reading back where the frame is shown (bench/bench_live.py measures the delay).
STAMP_BITS, STAMP_WIDTH, STAMP_HEIGHT = 10, 32, 16


def stamp_number(image: np.ndarray, number: int) -> np.ndarray:
    stamped = image.copy()
    for bit in range(STAMP_BITS):
        on = (number >> (STAMP_BITS - 1 - bit)) & 1
        stamped[:STAMP_HEIGHT, bit * STAMP_WIDTH:(bit + 1) * STAMP_WIDTH] = 255 if on else 0
    return stamped

