"""Provenance for every file SafeFace makes (synthetic media is labelled): label and read back.

Labelling writes three independent marks: an invisible watermark with the object's kind
and id, an XMP packet (a video: container tags) with the IPTC DigitalSourceType (plus engine,
seed, spec), and a signed C2PA manifest; images, animations and videos alike (labelling.py).
Reading reports each mark, or None where it is absent.

No Django here: the apps pass a SigningIdentity (load it once per process) and bytes.
"""

from .animation_formats import ANIMATION_TYPES
from .errors import LabellingError, ProvenanceError, SigningIdentityError, WatermarkError
from .facts import (
    COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
    GENERATION_ASSERTION_LABEL,
    TRAINED_ALGORITHMIC_MEDIA,
    GenerationFacts,
    Kind,
)
from .image_formats import PNG_COMPRESSION
from .labelling import label_animation, label_image, label_video
from .manifest import ManifestSummary, Verdict
from .report import ProvenanceReport, read_provenance
from .signing import SigningIdentity, load_identity, load_or_create_dev_identity
from .video_labels import FrameMarker, video_tags
from .watermark import WatermarkPayload
from .watermark import detect as detect_watermark
from .watermark import embed as embed_watermark
from .xmp import XmpFacts

__all__ = [
    "ANIMATION_TYPES",
    "COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA",
    "GENERATION_ASSERTION_LABEL",
    "TRAINED_ALGORITHMIC_MEDIA",
    "FrameMarker",
    "GenerationFacts",
    "Kind",
    "LabellingError",
    "ManifestSummary",
    "PNG_COMPRESSION",
    "ProvenanceError",
    "ProvenanceReport",
    "SigningIdentity",
    "SigningIdentityError",
    "Verdict",
    "WatermarkError",
    "WatermarkPayload",
    "XmpFacts",
    "detect_watermark",
    "embed_watermark",
    "label_animation",
    "label_image",
    "label_video",
    "load_identity",
    "load_or_create_dev_identity",
    "read_provenance",
    "video_tags",
]
