"""The production analyser: insightface's `buffalo_l` pack (SCRFD-10G detector, 106-point landmarks,
ArcFace R50 embedding) on onnxruntime, loaded from a models folder, never downloaded."""

from __future__ import annotations

import logging
import threading
from importlib import metadata
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from ..licences import LICENCES
from ..production_weights import BUFFALO_L
from ..types import Face
from .images import check_rgb_image

logger = logging.getLogger(__name__)

PACK = BUFFALO_L.model
DETECTOR_FILE, RECOGNISER_FILE = REQUIRED_FILES = BUFFALO_L.required
LANDMARKS_FILE = "2d106det.onnx"  # optional: dense landmarks when present
DETECTION_SIZE = (640, 640)
FETCH_HINT = "run `python manage.py fetch_models --only buffalo_l` to download it"


def pack_dir(models_dir: Path) -> Path:
    """Where `fetch_models` unpacks buffalo_l inside the models folder."""
    return Path(models_dir) / BUFFALO_L.unpack_to


def choose_providers(available: Sequence[str] | None = None) -> list[str]:
    """onnxruntime providers in order of preference: CUDA first when this build has it, CPU always."""
    import onnxruntime

    available = list(onnxruntime.get_available_providers() if available is None else available)
    if "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


class InsightFaceAnalyser:
    """Detects faces with SCRFD and describes them with ArcFace embeddings (and 106 landmarks
    when `2d106det.onnx` is in the pack), from ONNX files in `models_dir/insightface/buffalo_l`.

    `providers` are passed to every onnxruntime session as given; by default CUDA
    when available, else CPU. A missing file raises FileNotFoundError naming it and
    the command that fetches it. `detect` may be called from several threads (calls take turns).
    """

    licence = LICENCES["analyser", "insightface"]

    def __init__(
        self,
        models_dir: Path,
        providers: Sequence[str] | None = None,
        det_threshold: float = 0.5,
        num_threads: int = 0,
    ):
        # insightface is imported here, not at module level: it is heavy and only this backend needs it.
        from insightface.model_zoo import model_zoo

        folder = pack_dir(models_dir)
        for name in REQUIRED_FILES:
            if not (folder / name).is_file():
                raise FileNotFoundError(f"insightface model file {folder / name} is missing; {FETCH_HINT}")
        self.providers = list(providers) if providers is not None else choose_providers()
        self.name = f"insightface-{PACK}@{insightface_version()}"
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = num_threads  # 0 lets onnxruntime pick
        options.log_severity_level = 3

        def load(filename: str, task: str):
            path = folder / filename
            model = model_zoo.get_model(str(path), providers=self.providers, sess_options=options)
            # insightface guesses a model's role from its tensor shapes; check the guess.
            if model is None or model.taskname != task:
                found = None if model is None else model.taskname
                raise ValueError(f"{path} is not an insightface {task} model (it loads as {found})")
            return model

        self._detector = load(DETECTOR_FILE, "detection")
        self._detector.prepare(0, input_size=DETECTION_SIZE, det_thresh=det_threshold)
        self._recogniser = load(RECOGNISER_FILE, "recognition")
        self._landmarker = load(LANDMARKS_FILE, "landmark_2d_106") if (folder / LANDMARKS_FILE).is_file() else None
        self._lock = threading.Lock()
        logger.info("loaded %s from %s with providers %s", self.name, folder, self.session_providers())

    def session_providers(self) -> list[str]:
        """Providers the detector's onnxruntime session actually runs on."""
        return list(self._detector.session.get_providers())

    def face_likeness(self, image: np.ndarray) -> float:
        """How surely a picture that a face should fill shows one (0..1): the detector's best
        score, without the recogniser or landmarks."""
        bgr = cv2.cvtColor(check_rgb_image(image), cv2.COLOR_RGB2BGR)
        with self._lock:
            boxes, _ = self._detector.detect(bgr, input_size=DETECTION_SIZE)
        return float(boxes[:, 4].max()) if len(boxes) else 0.0

    def detect(self, image: np.ndarray) -> list[Face]:
        """Faces in an RGB uint8 image, left to right; ValueError for anything else."""
        # insightface works on OpenCV's BGR order.
        bgr = cv2.cvtColor(check_rgb_image(image), cv2.COLOR_RGB2BGR)
        # insightface's result type is a dict subclass; build the same thing it builds internally.
        from insightface.app.common import Face as InsightFace

        faces = []
        with self._lock:
            boxes, keypoints = self._detector.detect(bgr, input_size=DETECTION_SIZE)
            for index in range(boxes.shape[0]):
                found = InsightFace(bbox=boxes[index, :4], kps=keypoints[index], det_score=boxes[index, 4])
                self._recogniser.get(bgr, found)
                if self._landmarker is not None:
                    self._landmarker.get(bgr, found)
                faces.append(_to_face(found))
        return sorted(faces, key=lambda face: (face.box[0] + face.box[2]) / 2)


def _to_face(found) -> Face:
    landmarks = found.get("landmark_2d_106")
    return Face(
        box=tuple(float(value) for value in found.bbox),
        score=float(found.det_score),
        keypoints=np.asarray(found.kps, np.float32),
        landmarks=None if landmarks is None else np.asarray(landmarks, np.float32),
        embedding=np.asarray(found.normed_embedding, np.float32),
    )


def insightface_version() -> str:
    try:
        return metadata.version("insightface")
    except metadata.PackageNotFoundError:
        return "unknown"
