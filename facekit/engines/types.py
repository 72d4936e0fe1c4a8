"""Plain types shared by every engine: images in and out are RGB uint8 numpy arrays
(height x width x 3); no engine imports Django."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol, Sequence, Union, runtime_checkable

import numpy as np

from .licences import Licence


# A cancel signal: a callable returning True to stop, or anything with `is_set()`
# (threading.Event, multiprocessing.Event). Work that sees it true raises errors.Cancelled.
CancelSignal = Union[Callable[[], bool], "object", None]
Progress = Callable[[int, int], None]  # a generator's progress: (steps done, steps in all)


def cancel_checker(cancel: CancelSignal) -> Callable[[], bool]:
    """Turn a cancel signal into a plain `() -> bool`."""
    if cancel is None:
        return lambda: False
    if hasattr(cancel, "is_set"):
        return cancel.is_set  # type: ignore[union-attr]
    if callable(cancel):
        return lambda: bool(cancel())
    raise ValueError(f"cancel must be a callable or an Event-like object with is_set(), not {type(cancel).__name__}.")


@dataclass(frozen=True)
class Face:
    """One face found in an image, in that image's pixel coordinates.

    `keypoints` are 5 points (right eye, left eye, nose tip, right mouth corner,
    left mouth corner, from the viewer's left to right as insightface orders them);
    `landmarks` are dense points where the analyser gives them (468 for FaceMesh),
    `embedding` an identity vector where it gives one (512 for ArcFace).
    """

    box: tuple[float, float, float, float]  # x1, y1, x2, y2
    score: float
    keypoints: np.ndarray  # (5, 2) float32
    landmarks: np.ndarray | None = None  # (N, 2) or (N, 3) float32
    embedding: np.ndarray | None = None  # (D,) float32, L2-normalised
    extra: dict = field(default_factory=dict)

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def area(self) -> float:
        return max(0.0, self.width) * max(0.0, self.height)


@runtime_checkable
class Analyser(Protocol):
    """Finds faces. `name` is a stable `name@version` stored with every result."""

    name: str
    licence: Licence  # what its model may be used for (licences.py)

    def detect(self, image: np.ndarray) -> list[Face]:
        """Faces in an RGB uint8 image, ordered left to right by box centre."""
        ...

    def face_likeness(self, image: np.ndarray) -> float:
        """How surely a picture that one face should fill shows a face (0..1), from the
        detector alone: a cheap score for ranking many small candidates."""
        ...


@runtime_checkable
class Generator(Protocol):
    """Makes faces from an attribute spec (vocabulary.py) and 64-bit seeds.

    `name` is a stable `name@version`; `honours` the attribute keys this backend
    actually follows; `native_size` the side it draws at without resampling;
    `draws_anything` whether it can draw more than faces (a text-to-image model can;
    the offline DCGAN, trained on face crops only, cannot), so its pictures need the
    sexual-content screening. `size` None means the backend's own default. Long calls
    report `progress(done, total)` and stop with errors.Cancelled when
    `cancel` (a callable or an Event) turns true.
    """

    name: str
    licence: Licence  # what its model may be used for (licences.py)
    honours: frozenset[str]  # attribute names this backend actually follows
    native_size: int
    draws_anything: bool

    def generate(
        self, spec: dict | None, seeds: Sequence[int], size: int | None = None, *,
        progress: Callable[[int, int], None] | None = None, cancel: object = None,
    ) -> list[np.ndarray]:
        ...

    def interpolate(
        self, a: int, b: int, steps: int, spec: dict | None = None, size: int | None = None, *,
        progress: Callable[[int, int], None] | None = None, cancel: object = None,
    ) -> list[np.ndarray]:
        """`steps` frames from seed a's face to seed b's, both ends included."""
        ...

    def blend(
        self, seeds: Sequence[int], amounts: Sequence[float], spec: dict | None = None, size: int | None = None, *,
        progress: Callable[[int, int], None] | None = None, cancel: object = None,
    ) -> np.ndarray:
        """One face mixing several seeds' faces by amounts; a negative amount pushes
        away from that seed's face (latents.blend). Amounts may not all be zero."""
        ...


@dataclass(frozen=True)
class SourceFace:
    """A generated avatar as a swap source: its RGB image and the face analysed on it.

    Only generated avatars are ever a source identity; uploads are only targets.
    """

    image: np.ndarray
    face: Face


@runtime_checkable
class Swapper(Protocol):
    """Puts source faces onto faces of a target image. `name` is a stable `name@version`.

    `sources` is one SourceFace for every target face, or a sequence as long as
    `target_faces` (face i gets source i). Pixels outside the target faces' regions
    are returned unchanged. `memory`, when given, is a dict the caller keeps per
    video: the swapper stores per-track state in it (keyed by
    `face.extra.get("track")`) to keep colour correction steady from frame to frame.
    `driven_by` names the identity model the swapper is conditioned on (None: none), so the
    identity check never uses that model as its judge.
    """

    name: str
    licence: Licence  # what its model may be used for (licences.py)
    driven_by: str | None

    def swap(
        self, sources: SourceFace | Sequence[SourceFace], target_image: np.ndarray, target_faces: Sequence[Face], *,
        memory: dict | None = None,
    ) -> np.ndarray:
        ...


@runtime_checkable
class Screener(Protocol):
    """Says how sure it is that a picture shows sexual content, from 0 to 1 (an RGB uint8
    array). `name` is a stable `name@version`."""

    name: str
    licence: Licence  # what its model may be used for (licences.py)

    def score(self, image: np.ndarray) -> float:
        ...


@runtime_checkable
class Recogniser(Protocol):
    """Says whether two faces are the same person: the identity judge of every swap.

    `embed` gives a face's identity vector, or None when the face is shorter than
    `min_face` pixels (too small to judge); `distance` below `threshold` means "the
    same person" to this backend. `family` names the identity model: a swapper driven by
    the same model (its `driven_by`) must not be judged by it.
    """

    name: str
    licence: Licence  # what its model may be used for (licences.py)
    family: str
    threshold: float
    min_face: int

    def embed(self, image: np.ndarray, face: Face) -> np.ndarray | None:
        ...

    def embed_many(self, image: np.ndarray, faces: list[Face]) -> list[np.ndarray | None]:
        ...

    def distance(self, first: np.ndarray, second: np.ndarray) -> float:
        ...
