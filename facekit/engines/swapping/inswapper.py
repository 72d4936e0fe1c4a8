"""The production swapper: insightface's `inswapper_128.onnx` on onnxruntime, pasted back under a soft mask."""

from __future__ import annotations

import contextlib
import io
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Sequence

import cv2
import numpy as np

from ..analysis.images import check_rgb_image
from ..analysis.insightface_backend import choose_providers, insightface_version
from ..licences import LICENCES
from ..types import Face, SourceFace
from .errors import SwapError
from .sources import per_face_sources

logger = logging.getLogger(__name__)

FETCH_HINT = "run `python manage.py fetch_models --only inswapper` to download it"
# The soft paste-back mask, in the model's 128 px aligned crop: full strength in the middle,
# fading to nothing over this fraction of the side at each edge.
MASK_FADE = 0.12


class InSwapper:
    """Replaces each target face with the identity of the source's ArcFace embedding, using
    insightface's `INSwapper` on `inswapper_128.onnx` (loaded from a file, never downloaded).

    Sources need an identity embedding (the insightface analyser gives one); targets need
    the 5 keypoints every analyser gives. The model's 128 px face is pasted back into a
    crop around each face under a feathered mask: pixels outside it are left untouched.
    `providers` go to onnxruntime as given; by default CUDA when available, else CPU.
    """

    # It moves ArcFace embeddings: an ArcFace judge would flatter it (recognition.judge_for).
    driven_by = "arcface"
    licence = LICENCES["swapper", "inswapper"]

    def __init__(self, model_path: Path, providers: Sequence[str] | None = None, num_threads: int = 0):
        # insightface is imported here: it is heavy and only this backend needs it.
        from insightface.model_zoo import model_zoo
        import onnxruntime
        from insightface.model_zoo.inswapper import INSwapper

        model_path = Path(model_path)
        if not model_path.is_file():
            raise FileNotFoundError(f"inswapper model file {model_path} is missing; {FETCH_HINT}")
        self.providers = list(providers) if providers is not None else choose_providers()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = num_threads  # 0 lets onnxruntime pick
        options.log_severity_level = 3
        # INSwapper prints its input shape to stdout; keep stdout clean for the command line.
        with contextlib.redirect_stdout(io.StringIO()):
            model = model_zoo.get_model(str(model_path), providers=self.providers, sess_options=options)
        # insightface guesses a model's role from its tensor shapes; check the guess.
        if not isinstance(model, INSwapper):
            found = None if model is None else type(model).__name__
            raise SwapError(f"{model_path} is not an inswapper model (it loads as {found})")
        self._model = model
        self.size = int(model.input_size[0])
        self.name = f"inswapper_{self.size}@insightface{insightface_version()}"
        self._mask = _soft_square(self.size)
        logger.info("loaded %s from %s with providers %s", self.name, model_path, self.session_providers())

    def session_providers(self) -> list[str]:
        """Providers the onnxruntime session actually runs on."""
        return list(self._model.session.get_providers())

    def swap(
        self, sources: SourceFace | Sequence[SourceFace], target_image: np.ndarray, target_faces: Sequence[Face], *,
        memory: dict | None = None,
    ) -> np.ndarray:
        """A copy of `target_image` with each of `target_faces` given its source's identity.
        `memory` is accepted for the interface; this model keeps no per-track state."""
        image = check_rgb_image(target_image)
        chosen = per_face_sources(sources, target_faces)
        bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        output = image.copy()
        for source, face in zip(chosen, target_faces):
            embedding = source.face.embedding
            if embedding is None:
                raise SwapError("the source face has no identity embedding: inswapper needs a source analysed "
                                "by the insightface analyser (buffalo_l); the mesh swapper works without one")
            target = SimpleNamespace(kps=np.asarray(face.keypoints, np.float32)[:5, :2])
            identity = SimpleNamespace(normed_embedding=np.asarray(embedding, np.float32))
            fake, matrix = self._model.get(bgr, target, identity, paste_back=False)
            self._paste(output, cv2.cvtColor(fake, cv2.COLOR_BGR2RGB), matrix)
        return output

    def _paste(self, output: np.ndarray, face: np.ndarray, matrix: np.ndarray) -> None:
        """Warp the aligned face back into a crop around it and blend it in under the soft mask."""
        inverse = cv2.invertAffineTransform(matrix)
        corners = np.array([[0, 0], [self.size, 0], [0, self.size], [self.size, self.size]], np.float64)
        mapped = corners @ inverse[:, :2].T + inverse[:, 2]
        height, width = output.shape[:2]
        x0, y0 = np.maximum(np.floor(mapped.min(axis=0)).astype(int) - 1, 0)
        x1, y1 = np.minimum(np.ceil(mapped.max(axis=0)).astype(int) + 2, (width, height))
        if x1 - x0 < 2 or y1 - y0 < 2:
            return
        shifted = inverse.copy()
        shifted[:, 2] -= (x0, y0)
        size = (x1 - x0, y1 - y0)
        pasted = cv2.warpAffine(face, shifted, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
        alpha = cv2.warpAffine(self._mask, shifted, size, flags=cv2.INTER_LINEAR, borderValue=0.0)
        inside = alpha > 0
        crop = output[y0:y1, x0:x1]
        weight = alpha[inside][:, None]
        mixed = crop[inside] * (1.0 - weight) + pasted[inside] * weight
        crop[inside] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)


def _soft_square(size: int) -> np.ndarray:
    """float32 (size, size) mask: 1 in the middle, fading smoothly to exactly 0 at the edges."""
    fade = max(2, round(MASK_FADE * size))
    ramp = np.clip(np.arange(size, dtype=np.float32) / fade, 0.0, 1.0)
    ramp = np.minimum(ramp, ramp[::-1])
    ramp = ramp * ramp * (3 - 2 * ramp)  # smoothstep: no visible edge where the fade starts
    return np.outer(ramp, ramp).astype(np.float32)
