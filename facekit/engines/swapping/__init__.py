"""Face swapping: putting a generated avatar's face onto the faces of a target photo.

`load_swapper()` picks the backend; every backend follows `facekit.engines.types.Swapper`.
"""

from . import regions
from .photo import PhotoReport, swap_photo
from .errors import NoFaceError, SwapError
from .factory import SWAPPER_NAMES, inswapper_path, load_swapper
from .inswapper import InSwapper
from .mesh import IdentityMeshSwapper, MeshSwapper
from ..selection import parse_selection, select_faces
from .sources import prepare_source

__all__ = [
    "SWAPPER_NAMES",
    "IdentityMeshSwapper",
    "InSwapper",
    "MeshSwapper",
    "NoFaceError",
    "PhotoReport",
    "SwapError",
    "inswapper_path",
    "load_swapper",
    "parse_selection",
    "prepare_source",
    "regions",
    "select_faces",
    "swap_photo",
]
