"""Face swapping: putting a generated avatar's face onto the faces of a target photo.

`load_swapper()` picks the backend; every backend follows `safeface.engines.types.Swapper`.
"""

from .errors import NoFaceError, SwapError
from .mesh import MeshSwapper
from .selection import select_faces
from .sources import prepare_source

__all__ = ["MeshSwapper", "NoFaceError", "SwapError", "prepare_source", "select_faces"]
