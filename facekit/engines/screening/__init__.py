"""Screening pictures for sexual content: the most common abuse of a face-swap service is to
put faces into sexual images, so uploads are screened before anything is done with them.

A screener scores a picture from 0 to 1; `Screening` turns scores into a verdict for a photo
or for the sampled frames of a video. `load_screener()` picks the backend.
"""

from .factory import SCREENER_NAMES, load_screener
from .verdict import Screening, ScreeningResult

__all__ = ["SCREENER_NAMES", "Screening", "ScreeningResult", "load_screener"]
