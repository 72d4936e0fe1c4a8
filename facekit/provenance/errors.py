"""Exceptions raised while labelling files (reading never raises: see report.py)."""


class ProvenanceError(Exception):
    """Base class for every provenance failure a caller may want to catch."""


class SigningIdentityError(ProvenanceError):
    """The signing certificate chain or key is missing, unreadable or unfit for C2PA."""


class LabellingError(ProvenanceError):
    """An image could not be labelled (bad input, unsupported format, signing failed)."""


class WatermarkError(ProvenanceError):
    """A watermark could not be embedded (image too small, payload out of range)."""
