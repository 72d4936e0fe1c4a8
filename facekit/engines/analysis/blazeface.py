"""MediaPipe BlazeFace face detectors (short and full range) run with ai-edge-litert."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np
from ai_edge_litert.interpreter import Interpreter

from .anchors import FULL_RANGE_LAYOUT, SHORT_RANGE_LAYOUT, AnchorLayout, anchor_centres, decode, probabilities
from .nms import weighted_nms
from .tflite_models import tflite_model_path

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DetectorModel:
    """One BlazeFace variant: its file, anchor layout and MediaPipe's default thresholds."""

    filename: str
    layout: AnchorLayout
    min_score: float
    nms_threshold: float = 0.3


SHORT_RANGE = DetectorModel("face_detection_short_range.tflite", SHORT_RANGE_LAYOUT, min_score=0.5)
FULL_RANGE = DetectorModel("face_detection_full_range.tflite", FULL_RANGE_LAYOUT, min_score=0.6)
DETECTOR_MODELS = {"short": SHORT_RANGE, "full": FULL_RANGE}


@dataclass(frozen=True)
class Detection:
    """A BlazeFace detection in image pixels.

    `keypoints` are MediaPipe's six: right eye, left eye, nose tip, mouth centre,
    right ear tragion, left ear tragion (the person's right and left).
    """

    box: np.ndarray  # (4,) x1, y1, x2, y2
    keypoints: np.ndarray  # (6, 2)
    score: float


class BlazeFaceDetector:
    """Finds upright-ish faces with one BlazeFace model.

    Any image size: the image is scaled so its longer side fits the model input and
    padded to a square (top-left aligned), and results are mapped back to pixels.
    The interpreter is built once; `detect` is not thread-safe (one detector per thread).
    """

    def __init__(self, model: DetectorModel = FULL_RANGE, num_threads: int = 1, min_score: float | None = None):
        self.model = model
        self.min_score = model.min_score if min_score is None else min_score
        self._interpreter = Interpreter(model_path=str(tflite_model_path(model.filename)), num_threads=num_threads)
        self._interpreter.allocate_tensors()
        self._input_index = self._interpreter.get_input_details()[0]["index"]
        outputs = self._interpreter.get_output_details()
        # The regressor has 16 values per anchor, the classifier 1; tell them apart by width, not by name.
        by_width = {detail["shape"][-1]: detail["index"] for detail in outputs}
        self._boxes_index, self._scores_index = by_width[16], by_width[1]
        self._centres = anchor_centres(model.layout)
        if len(self._centres) != model.layout.count:
            raise RuntimeError(f"anchor layout of {model.filename} does not match the model output")

    def best_score(self, image: np.ndarray) -> float:
        """The highest face score any anchor gives the image: how surely it shows a face, without
        decoding boxes (a fraction of `detect`'s cost, for ranking many small pictures)."""
        self._invoke(image)
        return float(probabilities(self._interpreter.get_tensor(self._scores_index).max()))

    def _invoke(self, image: np.ndarray) -> int:
        """Run the model on `image` scaled into its input square; returns that square's side in pixels."""
        size = self.model.layout.input_size
        height, width = image.shape[:2]
        side = max(height, width)
        scale = size / side
        resized_w, resized_h = max(1, round(width * scale)), max(1, round(height * scale))
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        resized = cv2.resize(image, (resized_w, resized_h), interpolation=interpolation)
        # BlazeFace takes pixel values in [-1, 1]; the padding is 0 there (mid-grey), as MediaPipe pads.
        tensor = np.zeros((1, size, size, 3), np.float32)
        tensor[0, :resized_h, :resized_w] = resized * (2.0 / 255.0) - 1.0
        self._interpreter.set_tensor(self._input_index, tensor)
        self._interpreter.invoke()
        return side

    def detect(self, image: np.ndarray) -> list[Detection]:
        """Faces in an RGB uint8 image (already checked), best score first."""
        side = self._invoke(image)
        size = self.model.layout.input_size
        raw_boxes = self._interpreter.get_tensor(self._boxes_index)[0]
        raw_scores = self._interpreter.get_tensor(self._scores_index)[0]
        boxes, keypoints, scores = decode(raw_boxes, raw_scores, self._centres, size)
        confident = scores >= self.min_score
        boxes, keypoints, scores = weighted_nms(
            boxes[confident], keypoints[confident], scores[confident], self.model.nms_threshold
        )
        # Normalised coordinates are fractions of the padded square, whose side is `side` pixels.
        return [
            Detection(box=box * side, keypoints=points * side, score=float(score))
            for box, points, score in zip(boxes, keypoints, scores)
        ]
