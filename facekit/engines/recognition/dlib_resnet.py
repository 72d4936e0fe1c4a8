"""The offline judge: dlib's ResNet face recogniser (LFW 99.38 %), aligned by dlib's 5-point
shape predictor. Both weight files ship in the `face-recognition-models` sdist (CC0); dlib
itself comes as the `dlib-bin` wheel and finds the points and cuts the chip, the network runs
on onnxruntime (dlib_network.py: the same weights, 8x as fast). The 68-point predictor in the
same package is never used: its training data forbids commercial use."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np

from ..analysis.images import check_rgb_image
from ..licences import LICENCES
from ..types import Face

VERSION = "1.0"
# dlib's published value: two faces closer than this (euclidean, 128-d) are the same person.
# Checked here on insightface's t1.jpg (bench/bench_identity.py): its six people are at least
# 0.64 apart, and each one rescaled to 60 % and JPEG-encoded at quality 70 stays within 0.24 of itself.
THRESHOLD = 0.6
# Faces whose box is shorter than this (pixels) are too small to judge. Measured on the seven
# people of the packaged photos, shrunk and JPEG-encoded (bench/bench_identity.py, calibration):
# down to 40 px each stays within 0.37 of itself at full size; below it the analysers hardly
# find the faces, and what is found is too small for dlib's 150 px chip to say anything.
MIN_FACE = 40
CHIP_SIZE, CHIP_PADDING = 150, 0.25


def production_weights() -> tuple[Path, Path]:
    """The 5-point predictor and the ResNet, found without importing the package: its
    __init__ needs pkg_resources, which current setuptools no longer has."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("package face-recognition-models is not installed (make install brings it)")
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    files = folder / "shape_predictor_5_face_landmarks.dat", folder / "dlib_face_recognition_resnet_model_v1.dat"
    for path in files:
        if not path.is_file():
            raise FileNotFoundError(f"dlib model file {path} is missing; reinstall face-recognition-models")
    return files


class DlibRecogniser:
    """Embeds a face as dlib's 128-d descriptor: the analyser's box seeds dlib's 5-point
    shape predictor, which aligns a 150 px chip for the ResNet. Distances are euclidean.

    Independent of every swapper in this project (inswapper is driven by ArcFace, the mesh
    swapper by no recogniser). `embed` may be called from several threads (calls take turns:
    dlib holds the GIL anyway).
    """

    name = f"dlib-resnet@{VERSION}"
    family = "dlib-resnet"
    licence = LICENCES["recogniser", "dlib"]
    threshold = THRESHOLD
    min_face = MIN_FACE

    def __init__(self, threads: int = 1):
        import dlib

        from .dlib_network import DlibNetwork

        predictor, network = production_weights()
        self._dlib = dlib
        self._predictor = dlib.shape_predictor(str(predictor))
        self._network = DlibNetwork(network, threads=threads)
        self._lock = threading.Lock()

    def embed(self, image: np.ndarray, face: Face) -> np.ndarray | None:
        """The face's identity vector, or None when the face is too small to judge."""
        return self.embed_many(image, [face])[0]

    def embed_many(self, image: np.ndarray, faces: list[Face]) -> list[np.ndarray | None]:
        image = check_rgb_image(image)
        chips, judged = [], []
        with self._lock:
            for index, face in enumerate(faces):
                if face.height < self.min_face:
                    continue
                x1, y1, x2, y2 = (int(round(value)) for value in face.box)
                shape = self._predictor(image, self._dlib.rectangle(x1, y1, x2, y2))
                chips.append(self._dlib.get_face_chip(image, shape, size=CHIP_SIZE, padding=CHIP_PADDING))
                judged.append(index)
            vectors = self._network(chips) if chips else []
        found: list[np.ndarray | None] = [None] * len(faces)
        for index, vector in zip(judged, vectors):
            found[index] = np.asarray(vector, np.float32)
        return found

    @staticmethod
    def distance(first: np.ndarray, second: np.ndarray) -> float:
        return float(np.linalg.norm(np.asarray(first, np.float32) - np.asarray(second, np.float32)))
