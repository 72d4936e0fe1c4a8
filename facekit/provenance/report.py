"""Read back everything SafeFace may have put in a file, for the /verify/ page.

read_provenance never raises on what a visitor uploads: garbage, truncated or hostile
files give an empty report (or a partial one), and the reason goes to the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from . import watermark
from .image_formats import MAX_DECODE_PIXELS, decode_rgb, open_image, sniff_mime
from .manifest import ManifestSummary, Verdict, read_manifest
from .video_labels import find_watermark, read_tags, sniff_video, tag_facts, watermark_seconds
from .watermark import WatermarkPayload
from .xmp import XmpFacts, parse_packet

logger = logging.getLogger(__name__)

#: Larger uploads are not examined at all (the web layer should refuse them earlier).
MAX_INPUT_BYTES = 64 * 1024 * 1024

_C2PA_STORE_LABEL = b"c2pa"


@dataclass(frozen=True)
class ProvenanceReport:
    """What a file carries. Each part is None when absent or unreadable.

    `mime` is None when the bytes are not PNG, JPEG, WebP, MP4 or QuickTime (then nothing
    else is read). For a video, `xmp` holds what its container tags say.
    """

    mime: str | None = None
    c2pa: ManifestSummary | None = None
    xmp: XmpFacts | None = None
    watermark: WatermarkPayload | None = None

    @property
    def is_empty(self) -> bool:
        """True when the file carries none of the three marks."""
        return self.c2pa is None and self.xmp is None and self.watermark is None

    @property
    def trusted_safeface_id(self) -> str | None:
        """The SafeFace id from a manifest validated against our trust anchors, else None."""
        if self.c2pa and self.c2pa.verdict is Verdict.TRUSTED and self.c2pa.generation:
            value = self.c2pa.generation.get("safeface_id")
            return value if isinstance(value, str) else None
        return None


def read_provenance(
    data: bytes,
    *,
    trust_anchors_pem: bytes | str | None = None,
    check_watermark: bool = True,
) -> ProvenanceReport:
    """Report the C2PA manifest, XMP DigitalSourceType and watermark found in `data`.

    Pass SafeFace's own root (`SigningIdentity.trust_anchors_pem`) as `trust_anchors_pem`
    so files we signed come out TRUSTED; files from other signers come out
    VALID_UNTRUSTED, and files changed after signing INVALID. Never raises.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        logger.info("read_provenance got a %s, not bytes", type(data).__name__)
        return ProvenanceReport()
    data = bytes(data)
    if len(data) > MAX_INPUT_BYTES:
        logger.info("file of %d bytes not examined (limit %d)", len(data), MAX_INPUT_BYTES)
        return ProvenanceReport()
    mime = sniff_mime(data)
    if mime is None:
        return _video_report(data, trust_anchors_pem, check_watermark) if sniff_video(data) else ProvenanceReport()
    return ProvenanceReport(
        mime=mime,
        c2pa=_c2pa_part(data, mime, trust_anchors_pem),
        xmp=_xmp_part(data, mime),
        watermark=_watermark_part(data) if check_watermark else None,
    )


def _video_report(data: bytes, trust_anchors_pem, check_watermark: bool) -> ProvenanceReport:
    """A video's marks: its C2PA manifest, container tags and the watermark on the frames
    the tags say carry it (video_labels.FrameMarker)."""
    mime = sniff_video(data)
    tags = read_tags(data)
    found = None
    if check_watermark:
        try:
            found = find_watermark(data, watermark_seconds(tags))
        except Exception:  # a detector bug must not break the /verify/ page
            logger.exception("watermark detection failed on a video")
    return ProvenanceReport(mime=mime, c2pa=_c2pa_part(data, mime, trust_anchors_pem), xmp=tag_facts(tags), watermark=found)


def _c2pa_part(data: bytes, mime: str, trust_anchors_pem) -> ManifestSummary | None:
    try:
        return read_manifest(data, mime, trust_anchors_pem=trust_anchors_pem)
    except Exception as exc:  # noqa: BLE001 - the native reader has many failure types
        logger.info("unreadable C2PA data in a %s: %s", mime, exc)
    # Every embedded manifest store is a JUMBF box labelled "c2pa". If that label is there
    # but unreadable, report a broken manifest (what tampering often looks like) rather
    # than no provenance; a corrupt file without one simply has none.
    if _C2PA_STORE_LABEL in data:
        return ManifestSummary(verdict=Verdict.INVALID, validation_state=None, failure_codes=("unreadable",))
    return None


def _xmp_part(data: bytes, mime: str) -> XmpFacts | None:
    try:
        with open_image(data, mime) as image:
            return parse_packet(image.info.get("xmp"))
    except Exception as exc:  # noqa: BLE001 - Pillow raises many types on hostile headers
        logger.info("cannot read XMP from a %s: %s", mime, exc)
        return None


def _watermark_part(data: bytes) -> WatermarkPayload | None:
    try:
        rgb = decode_rgb(data)
    except Exception as exc:  # noqa: BLE001 - corrupt or oversized images just carry no mark
        logger.info("cannot decode pixels to look for a watermark (limit %d pixels): %s", MAX_DECODE_PIXELS, exc)
        return None
    try:
        return watermark.detect(rgb)
    except Exception:  # a detector bug must not break the /verify/ page
        logger.exception("watermark detection failed")
        return None
