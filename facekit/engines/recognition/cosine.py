"""What the judges compared by cosine distance share (SFace, ArcFace): faces embedded one at a
time under a lock (an onnxruntime session per judge, shared by the worker's threads), faces
under `min_face` not judged, vectors of unit length."""

from __future__ import annotations

import threading

import numpy as np

from ..analysis.images import check_rgb_image
from ..types import Face


class CosineRecogniser:
    """A subclass gives `_vector(image, face)` (the raw vector of one face of the RGB image
    `_prepared` returned) and sets `min_face`; `embed_many` may be called from several threads."""

    min_face: int

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def embed(self, image: np.ndarray, face: Face) -> np.ndarray | None:
        """The face's identity vector, or None when the face is too small to judge."""
        return self.embed_many(image, [face])[0]

    def embed_many(self, image: np.ndarray, faces: list[Face]) -> list[np.ndarray | None]:
        image = self._prepared(check_rgb_image(image))
        with self._lock:
            return [None if face.height < self.min_face else unit(self._vector(image, face)) for face in faces]

    def _prepared(self, image: np.ndarray) -> np.ndarray:
        return image

    def _vector(self, image: np.ndarray, face: Face) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def distance(first: np.ndarray, second: np.ndarray) -> float:
        first, second = np.asarray(first, np.float32), np.asarray(second, np.float32)
        # Never below 0: float32 rounding puts a face compared with itself a hair under it
        # (which the page then printed as "-0.00").
        return max(0.0, float(1.0 - np.dot(first, second) / (np.linalg.norm(first) * np.linalg.norm(second) + 1e-12)))


def unit(vector: np.ndarray) -> np.ndarray:
    vector = np.asarray(vector, np.float32).ravel()
    return (vector / (np.linalg.norm(vector) + 1e-12)).astype(np.float32)
