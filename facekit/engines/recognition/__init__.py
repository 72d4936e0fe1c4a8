"""Face recognition: the identity judges of every swap.

A recogniser turns a face found by an analyser into an identity vector and says how far
two vectors are apart; below its `threshold` they are the same person to it. The swap's
identity check (`check.py`) asks every judge whether a result still looks like the person in
the upload, and gives one `IdentityCheck` (`result.py`). `load_judges()` picks them (never one
the swapper is driven by), `load_recogniser()` builds one.
"""

from .check import VideoIdentityCheck, check_photo
from .factory import RECOGNISER_NAMES, load_judges, load_recogniser
from .result import FaceCheck, IdentityCheck, Judge, Reading

__all__ = [
    "FaceCheck",
    "IdentityCheck",
    "Judge",
    "RECOGNISER_NAMES",
    "Reading",
    "VideoIdentityCheck",
    "check_photo",
    "load_judges",
    "load_recogniser",
]
