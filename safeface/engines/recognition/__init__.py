"""Face recognition: the identity judge of every swap.

A recogniser turns a face found by an analyser into an identity vector and says how far
two vectors are apart; below its `threshold` they are the same person to it. The swap's
identity check (`check.py`) asks it whether a result still looks like the person in the
upload. `load_recogniser()` picks the backend, `judge_for()` refuses a judge the swapper
is driven by.
"""

from .check import VideoIdentityCheck, check_photo, still_recognised
from .factory import RECOGNISER_NAMES, judge_for, load_recogniser

__all__ = ["RECOGNISER_NAMES", "VideoIdentityCheck", "check_photo", "judge_for", "load_recogniser", "still_recognised"]
