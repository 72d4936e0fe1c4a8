"""MediaPipe FaceMesh: 468 3-D landmarks on a crop aligned with the eye line, run with ai-edge-litert."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from ai_edge_litert.interpreter import Interpreter

from .tflite_models import tflite_model_path

MODEL_FILE = "face_landmark.tflite"
INPUT_SIZE = 192
LANDMARK_COUNT = 468
# MediaPipe's face-mesh crop: the detection box enlarged 1.5x to a square, rotated so the eyes are level.
CROP_SCALE = 1.5

# FaceMesh indices that give insightface-style 5 keypoints (the person's right eye first).
RIGHT_EYE = (33, 133, 159, 145)  # outer corner, inner corner, upper lid, lower lid
LEFT_EYE = (362, 263, 386, 374)
NOSE_TIP = 1
MOUTH_RIGHT_CORNER = 61
MOUTH_LEFT_CORNER = 291


@dataclass(frozen=True)
class Mesh:
    """468 (x, y, z) landmarks in image pixels (z in the same scale, negative towards the camera)
    and the model's face-presence probability for the crop."""

    landmarks: np.ndarray  # (468, 3) float32
    presence: float

    def five_keypoints(self) -> np.ndarray:
        """Eye centres, nose tip and mouth corners, (5, 2), ordered as insightface orders them."""
        points = self.landmarks[:, :2]
        return np.stack([
            points[list(RIGHT_EYE)].mean(axis=0),
            points[list(LEFT_EYE)].mean(axis=0),
            points[NOSE_TIP],
            points[MOUTH_RIGHT_CORNER],
            points[MOUTH_LEFT_CORNER],
        ]).astype(np.float32)


def crop_transform(centre: np.ndarray, side: float, angle: float) -> np.ndarray:
    """2x3 affine matrix taking image pixels to the 192x192 crop of a `side`-pixel square
    centred on `centre` and turned by `angle` radians (so that angle becomes horizontal)."""
    zoom = INPUT_SIZE / side
    cos, sin = math.cos(-angle) * zoom, math.sin(-angle) * zoom
    linear = np.array([[cos, -sin], [sin, cos]], np.float64)
    offset = np.array([INPUT_SIZE / 2, INPUT_SIZE / 2]) - linear @ np.asarray(centre, np.float64)
    return np.hstack([linear, offset[:, None]])


class FaceMeshLandmarker:
    """Runs FaceMesh on the aligned crop around one face and maps the landmarks back.

    The interpreter is built once; `landmarks` is not thread-safe (one per thread).
    """

    def __init__(self, num_threads: int = 1):
        self._interpreter = Interpreter(model_path=str(tflite_model_path(MODEL_FILE)), num_threads=num_threads)
        self._interpreter.allocate_tensors()
        self._input_index = self._interpreter.get_input_details()[0]["index"]
        outputs = self._interpreter.get_output_details()
        by_size = {int(np.prod(detail["shape"])): detail["index"] for detail in outputs}
        self._landmarks_index, self._presence_index = by_size[LANDMARK_COUNT * 3], by_size[1]

    def landmarks(self, image: np.ndarray, box: np.ndarray, right_eye: np.ndarray, left_eye: np.ndarray) -> Mesh:
        """Mesh for the face in `box` (x1, y1, x2, y2 pixels) whose eyes are at `right_eye`, `left_eye`."""
        box = np.asarray(box, np.float64)
        centre = (box[:2] + box[2:]) / 2
        side = max(box[2] - box[0], box[3] - box[1]) * CROP_SCALE
        eye_line = np.asarray(left_eye, np.float64) - np.asarray(right_eye, np.float64)
        angle = math.atan2(eye_line[1], eye_line[0])
        forward = crop_transform(centre, side, angle)
        crop = cv2.warpAffine(
            image, forward, (INPUT_SIZE, INPUT_SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT
        )
        # FaceMesh takes pixel values in [0, 1].
        tensor = (crop.astype(np.float32) * (1.0 / 255.0))[None]
        self._interpreter.set_tensor(self._input_index, tensor)
        self._interpreter.invoke()
        raw = self._interpreter.get_tensor(self._landmarks_index).reshape(LANDMARK_COUNT, 3).astype(np.float64)
        logit = float(self._interpreter.get_tensor(self._presence_index).reshape(-1)[0])
        backward = cv2.invertAffineTransform(forward)
        points = raw[:, :2] @ backward[:, :2].T + backward[:, 2]
        depth = raw[:, 2:3] * (side / INPUT_SIZE)
        landmarks = np.hstack([points, depth]).astype(np.float32)
        presence = 1.0 / (1.0 + math.exp(-max(-100.0, min(100.0, logit))))
        return Mesh(landmarks=landmarks, presence=presence)
