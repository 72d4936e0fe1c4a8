"""Opening uploaded videos safely: the container is recognised from its first bytes by us,
then only that demuxer, reading only the local file, is allowed to look at it.

FFmpeg left to itself picks a demuxer from the content, so a text HLS playlist or a
concat script named `.mp4` opens as a "video" and reads other local paths or URLs.
Here the bytes decide the format before FFmpeg reads anything, the format is forced,
and the file is opened through the `file` protocol only.
"""

from __future__ import annotations

import os
from pathlib import Path

import av

from .errors import VideoError

# FFmpeg demuxer name -> the name people know the container by.
MOV = "mov"  # the mov/mp4/m4a/3gp demuxer
MATROSKA = "matroska"  # the matroska/webm demuxer
# Top-level ISO-BMFF/QuickTime boxes a real mov/mp4 file starts with: `ftyp` for every
# mp4 and modern mov; the others for QuickTime files written before `ftyp` existed.
MOV_FIRST_BOXES = (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip")
EBML_MAGIC = b"\x1a\x45\xdf\xa3"  # every Matroska and WebM file starts with an EBML header

# Options for avformat_open_input: nothing but local files, nothing but our two demuxers.
INPUT_OPTIONS = {"protocol_whitelist": "file", "format_whitelist": "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm"}


def sniff_container(path: str | Path, name: str | None = None) -> tuple[str, str]:
    """The demuxer for this file and the container's everyday name ("mp4", "mov", "webm",
    "matroska"), judged from its first bytes; VideoError when it is neither mov/mp4 nor Matroska/WebM.
    Messages call the file `name` (default: its file name)."""
    path = Path(path)
    name = name or path.name
    try:
        with path.open("rb") as file:
            head = file.read(64)
    except FileNotFoundError:
        raise VideoError(f"{name}: no such file") from None
    except OSError as error:
        raise VideoError(f"{name}: cannot be read ({error.strerror or error})") from None
    if not head:
        raise VideoError(f"{name} is empty (0 bytes)")
    if len(head) >= 8 and head[4:8] in MOV_FIRST_BOXES and _plausible_box_size(int.from_bytes(head[:4], "big")):
        # The major brand of QuickTime files is "qt  "; files without `ftyp` are QuickTime too.
        return MOV, "mp4" if head[4:8] == b"ftyp" and head[8:12] != b"qt  " else "mov"
    if head.startswith(EBML_MAGIC):
        # The EBML header, within its first bytes, names the document type.
        return MATROSKA, "webm" if b"webm" in head else "matroska"
    raise VideoError(f"{name} is not an MP4/MOV or WebM/MKV video (its content says otherwise)")


def _plausible_box_size(size: int) -> bool:
    # A box's 32-bit size counts its own 8-byte header; 0 means "to the end", 1 a 64-bit size follows.
    return size in (0, 1) or size >= 8


def open_video(path: str | Path, name: str | None = None) -> av.container.InputContainer:
    """Open a video for reading with its container's demuxer only, local file protocol only.

    The path is given to FFmpeg as `file:<absolute path>` so nothing in a file name
    (a colon, `concat:`, `subfile,`) can select another protocol. Messages call the
    file `name` (default: its file name).
    """
    path = Path(path)
    name = name or path.name
    container_format, _ = sniff_container(path, name)
    url = "file:" + os.path.abspath(path)
    try:
        return av.open(url, mode="r", format=container_format, options=dict(INPUT_OPTIONS))
    except av.FFmpegError as error:
        raise VideoError(f"{name} is damaged or incomplete: {_reason(error)}") from None


def _reason(error: av.FFmpegError) -> str:
    """FFmpeg's own words without the file path it repeats."""
    return getattr(error, "strerror", None) or str(error)
