"""Swap targets as they arrive: checked before anything is stored (docs/architecture.md, "A swap").

The type is judged by the first bytes, never by the name or the browser's word. Photos
are opened only with the JPEG, PNG or WebP decoder, their size read from the header and
capped before a pixel is decoded, then re-encoded (orientation applied, no EXIF, GPS,
colour-profile tricks or trailing bytes). Videos are recognised by their container
signature (ISO base media or Matroska/WebM) before FFmpeg sees them, so a text playlist
or a concat script never reaches a demuxer; then they are probed with the container
whitelist of `facekit.engines.video.probe` and held to the caps in settings.

Every refusal is an `UploadRefused` whose message is shown to the person as is.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
import numpy as np
from PIL import Image, ImageCms, ImageOps

from facekit.engines.video import VideoError, probe
from swaps import files
from swaps.models import Target
from swaps.remux import RemuxError, remux

logger = logging.getLogger(__name__)

PHOTO, VIDEO = "image", "video"
ACCEPTED = "a JPEG, PNG or WebP photo, or an MP4, MOV or WebM video"
SNIFF_BYTES = 64

# Brands of ISO base media files that hold still images, not video.
IMAGE_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}
# Top-level boxes a QuickTime/MP4 file may start with besides `ftyp` (old QuickTime files).
ISO_FIRST_BOXES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"}


class UploadRefused(ValueError):
    """The upload cannot be used; the message says why in words a person can act on."""


@dataclass
class CheckedUpload:
    """What a valid upload becomes: the kind, the bytes to store (photos) or the
    file to store (videos), and the facts shown and kept with the target."""

    kind: str
    extension: str
    facts: dict = field(default_factory=dict)
    data: bytes | None = None  # a re-encoded photo
    path: Path | None = None  # a probed video, still in the upload's temporary file


def sniff(head: bytes) -> str:
    """PHOTO or VIDEO from a file's first bytes; UploadRefused for anything else."""
    if head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PHOTO
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return PHOTO
    if head.startswith((b"GIF87a", b"GIF89a")):
        raise UploadRefused("GIF files are not supported. Use a JPEG, PNG or WebP photo, or an MP4, MOV or WebM video.")
    if head[4:8] == b"ftyp" and head[8:12] in IMAGE_BRANDS:
        raise UploadRefused("HEIC and AVIF photos are not supported yet. Export the photo as JPEG (most phones offer it) and upload that.")
    if head[4:8] in ISO_FIRST_BOXES or head.startswith(b"\x1a\x45\xdf\xa3"):
        return VIDEO
    raise UploadRefused(f"This file is not {ACCEPTED}.")


def check_upload(upload) -> CheckedUpload:
    """Check an uploaded file (Django's UploadedFile); UploadRefused when it can't be used."""
    if upload.size == 0:
        raise UploadRefused("The file is empty.")
    limit = settings.SAFEFACE_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise UploadRefused(f"The file is larger than the {limit // 2**20} MB limit.")
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    kind = sniff(head)
    upload.seek(0)
    if kind == PHOTO:
        return check_photo(upload)
    path = getattr(upload, "temporary_file_path", None)
    if path is None:  # our upload view always streams to disk; a caller that didn't can't probe
        raise UploadRefused("The video could not be read. Please try again.")
    return check_video(Path(path()), name=upload.name)


# --- Photos --------------------------------------------------------------------------------


def check_photo(source) -> CheckedUpload:
    """Open with the three decoders only, cap the size from the header, decode, re-encode."""
    max_pixels, max_side = settings.SAFEFACE_PHOTO_MAX_PIXELS, settings.SAFEFACE_PHOTO_MAX_SIDE
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(source, formats=["JPEG", "PNG", "WEBP"])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused(f"The photo has too many pixels (the limit is {max_pixels / 1e6:.0f} megapixels).") from None
    except (OSError, ValueError, SyntaxError):
        raise UploadRefused("The photo could not be read: it is damaged or not really a JPEG, PNG or WebP.") from None
    with image:
        width, height = image.size
        if width * height > max_pixels or max(width, height) > max_side:
            raise UploadRefused(
                f"The photo is {width} × {height} pixels; the limit is {max_pixels / 1e6:.0f} megapixels "
                f"and {max_side} pixels a side. Make it smaller and try again."
            )
        if getattr(image, "is_animated", False) or getattr(image, "n_frames", 1) > 1:
            raise UploadRefused("Animated images are not supported. Upload a still photo, or the animation as a video.")
        original_format = image.format
        try:
            image.load()
            upright = ImageOps.exif_transpose(image)
            rgb = to_srgb(upright)
        except UploadRefused:
            raise
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            raise UploadRefused("The photo could not be read: it is damaged or cut short. Try exporting it again.") from None
    if min(rgb.size) < 32:
        raise UploadRefused("The photo is too small to find faces in (at least 32 pixels a side).")
    data, extension = _encode_clean(rgb, original_format)
    return CheckedUpload(PHOTO, extension, {"width": rgb.width, "height": rgb.height, "format": original_format}, data=data)


def to_srgb(image: Image.Image) -> Image.Image:
    """8-bit RGB pixels in sRGB, whatever mode Pillow decoded the photo to: deeper samples
    are scaled (see `_to_8_bit`), a colour profile (a phone's Display P3) is applied, not
    kept, and transparency is laid on white. UploadRefused for a mode Pillow cannot show."""
    icc = image.info.get("icc_profile")
    image = _to_8_bit(image)
    try:
        if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
            rgba = image.convert("RGBA")
            background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            image = Image.alpha_composite(background, rgba)
        rgb = image.convert("RGB")
    except ValueError:  # Pillow: "conversion from ... not supported"
        raise UploadRefused(
            f"The photo's colour format ({image.mode}) is not supported. Save it as an ordinary RGB or "
            "greyscale JPEG or PNG and try again."
        ) from None
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            rgb = ImageCms.profileToProfile(rgb, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            logger.info("Ignored an unreadable colour profile in an upload")
    # A new image from the pixels alone: nothing of the original's metadata comes along.
    return Image.frombytes("RGB", rgb.size, rgb.tobytes())


def _to_8_bit(image: Image.Image) -> Image.Image:
    """A greyscale image of more than 8 bits a sample as an "L" image, its tones scaled
    rather than clipped at 255 (Pillow's own conversion turns a 16-bit portrait white).

    16-bit images ("I;16...", what a 16-bit greyscale PNG opens as) are scaled by their bit
    depth. 32-bit integer ("I") and float ("F") images carry no bit depth: their white is the
    smallest usual one that holds every value (1.0 for floats, 255, 65535), else their own
    range is stretched from black to white.
    """
    if not (image.mode.startswith("I;16") or image.mode in ("I", "F")):
        return image
    values = np.asarray(image, dtype=np.float64)
    if image.mode.startswith("I;16"):
        black, white = 0.0, 65535.0
    else:
        if not np.isfinite(values).all():
            raise UploadRefused("The photo holds values that are not numbers (NaN or infinite) and cannot be shown.")
        low, high = float(values.min()), float(values.max())
        whites = ((1.0,) if image.mode == "F" else ()) + (255.0, 65535.0)
        white = next((w for w in whites if low >= 0 and high <= w), None)
        black, white = (0.0, white) if white is not None else (low, max(high, low + 1))
    scaled = np.rint((values - black) * (255.0 / (white - black)))
    return Image.fromarray(scaled.astype(np.uint8), "L")


def _encode_clean(rgb: Image.Image, original_format: str) -> tuple[bytes, str]:
    out = io.BytesIO()
    if original_format == "JPEG":
        rgb.save(out, "JPEG", quality=95, subsampling=0)
        return out.getvalue(), "jpg"
    rgb.save(out, "PNG", compress_level=3)
    return out.getvalue(), "png"


# --- Videos --------------------------------------------------------------------------------


def check_video(path: Path, name: str | None = None) -> CheckedUpload:
    """Probe with the engine's container whitelist, then hold to the caps in settings
    (the stream cap is checked by the probe, before it decodes anything). Messages call
    the file by `name`, the person's own name for it, never by its temporary one."""
    try:
        info = probe(path, max_streams=settings.SAFEFACE_VIDEO_MAX_STREAMS, name=name or "the video")
    except VideoError as exc:
        raise UploadRefused(f"The video could not be used: {exc}") from None
    except Exception:
        logger.exception("Probing an uploaded video failed unexpectedly")
        raise UploadRefused("The video could not be read: it is damaged or not really an MP4, MOV or WebM file.") from None
    max_seconds = settings.SAFEFACE_VIDEO_MAX_SECONDS
    max_side, max_pixels = settings.SAFEFACE_VIDEO_MAX_SIDE, settings.SAFEFACE_VIDEO_MAX_PIXELS
    max_fps = settings.SAFEFACE_VIDEO_MAX_FPS
    if not info.duration or info.duration > max_seconds:
        raise UploadRefused(f"The video is {_seconds(info.duration)} long; the limit is {_seconds(max_seconds)}. Trim it and try again.")
    if max(info.width, info.height) > max_side or info.width * info.height > max_pixels:
        raise UploadRefused(
            f"The video is {info.width} × {info.height} pixels; the limit is {max_side} pixels a side "
            f"({max_pixels / 1e6:.1f} megapixels a frame). Export it smaller and try again."
        )
    if min(info.width, info.height) < 32:
        raise UploadRefused("The video is too small to find faces in (at least 32 pixels a side).")
    if not info.fps or info.fps > max_fps:
        raise UploadRefused(f"The video runs at {info.fps or 0:.0f} frames a second; the limit is {max_fps}.")
    extension = "webm" if "matroska" in info.container or "webm" in info.container else "mp4"
    facts = {
        "width": info.width,
        "height": info.height,
        "fps": round(float(info.fps), 3),
        "duration": round(float(info.duration), 3),
        "frames": int(info.frames),
        "rotation": info.rotation,
        "video_codec": info.video_codec,
        "has_audio": bool(info.has_audio),
        "audio_codec": info.audio_codec,
        "container": info.container,
    }
    return CheckedUpload(VIDEO, extension, facts, path=path)


def _seconds(value: float | None) -> str:
    value = float(value or 0)
    if value >= 60:
        minutes, seconds = divmod(round(value), 60)
        return f"{minutes} min {seconds:02d} s"
    return f"{value:.1f} s"


# --- Storing a checked upload ----------------------------------------------------------------


def store_target(owner, checked: CheckedUpload):
    """Create the Target row with its file, both or neither, and queue its analysis.
    A video is stored as a stream copy without its metadata (GPS, device, times)."""
    with files.work_folder() as work:
        if checked.kind == VIDEO:
            try:
                clean = remux(checked.path, work / "clean")
            except RemuxError:
                raise UploadRefused("The video could not be read to the end: it is damaged or cut short.") from None
            content, extension = File(clean.open("rb")), clean.suffix.lstrip(".")
        else:
            content, extension = ContentFile(checked.data), checked.extension
        stored = None
        try:
            with transaction.atomic():
                target = Target.objects.create(owner=owner, kind=checked.kind, facts=checked.facts)
                stored = target.file.storage.save(f"swaps/targets/{target.pk}.{extension}", content)
                target.file.name = stored
                target.save(update_fields=["file"])
                target.enqueue()
        except BaseException:
            if stored:
                Target._meta.get_field("file").storage.delete(stored)
            raise
        finally:
            if hasattr(content, "close"):
                content.close()
    return target
