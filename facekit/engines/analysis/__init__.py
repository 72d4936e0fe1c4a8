"""Face analysis: find faces, their keypoints, landmarks and (where available) identity embeddings.

`load_analyser()` picks the backend; both return `facekit.engines.types.Face` lists.
"""

from .factory import ANALYSER_NAMES, load_analyser
from .images import check_rgb_image, decode_image, read_image
from .insightface_backend import InsightFaceAnalyser, choose_providers
from .offline import OfflineAnalyser

__all__ = [
    "ANALYSER_NAMES",
    "InsightFaceAnalyser",
    "OfflineAnalyser",
    "check_rgb_image",
    "choose_providers",
    "decode_image",
    "load_analyser",
    "read_image",
]
