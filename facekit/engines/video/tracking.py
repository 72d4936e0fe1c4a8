"""Following faces through a video: detections matched to tracks, FaceMesh tracking between
detections, landmarks smoothed over time, and faces held through brief misses."""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field

import numpy as np

from ..analysis.facemesh import LANDMARK_COUNT, FaceMeshLandmarker, Mesh
from ..types import Analyser, Face

# A tracked face whose FaceMesh presence drops below this is counted as missed for the frame.
MIN_PRESENCE = 0.8
# A face missed by both the tracker and the detector stays swapped, at its last smoothed
# place, for this long (seconds): a blink of the detector must not blink the swap.
HOLD_SECONDS = 0.25
# A detection belongs to a track when their outlines overlap this much (intersection over union)...
MATCH_IOU = 0.3
# ...or, failing that, when their centres are this close (fraction of the track's face size).
MATCH_CENTRE = 0.5
# People who left the picture, remembered so they keep their id when they come back.
MAX_LOST = 16
# Two tracks that end up on one face (one drifted onto another) are merged above this overlap.
DUPLICATE_IOU = 0.6


class OneEuro:
    """The One Euro filter (Casiez et al., CHI 2012) on a whole landmark set at once.

    Jitter is smoothed hard while a face is still and little while it moves, so the swap
    neither shimmers nor lags. One cutoff per frame, set by the speed of the whole face,
    keeps the mesh's shape intact: filtering points apart would bend it whenever only some
    of them lag. The speed is that of the similarity transform (shift, zoom, turn) between
    the last smoothed mesh and the new one, in face sizes per second: fitted to all points,
    it ignores their independent jitter, which would otherwise pass for motion.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 8.0, speed_cutoff: float = 1.0):
        self.min_cutoff, self.beta, self.speed_cutoff = min_cutoff, beta, speed_cutoff
        self._value: np.ndarray | None = None
        self._speed = 0.0
        self._time = 0.0

    def reset(self) -> None:
        self._value = None

    def __call__(self, points: np.ndarray, time: float) -> np.ndarray:
        points = np.asarray(points, np.float64)
        if self._value is None:
            self._value, self._speed, self._time = points.copy(), 0.0, time
            return self._value.astype(np.float32)
        elapsed = max(time - self._time, 1e-3)
        raw_speed = _rigid_motion(self._value[:, :2], points[:, :2]) / elapsed
        self._speed += _alpha(self.speed_cutoff, elapsed) * (raw_speed - self._speed)
        alpha = _alpha(self.min_cutoff + self.beta * abs(self._speed), elapsed)
        self._value += alpha * (points - self._value)
        self._time = time
        return self._value.astype(np.float32)


def _rigid_motion(before: np.ndarray, after: np.ndarray) -> float:
    """How far a face moved between two meshes, in face sizes: shift, zoom and turn of the
    similarity transform that best maps one onto the other (Procrustes)."""
    centre_before, centre_after = before.mean(axis=0), after.mean(axis=0)
    a, b = before - centre_before, after - centre_after
    spread = math.sqrt(float((a * a).sum()) / len(a)) or 1.0
    zoom = math.sqrt(float((b * b).sum()) / len(b)) / spread
    covariance = a.T @ b
    turn = math.atan2(covariance[0, 1] - covariance[1, 0], covariance[0, 0] + covariance[1, 1])
    shift = float(np.linalg.norm(centre_after - centre_before)) / spread
    # A face is about 2.5 spreads across; zoom and turn move its edge by spread * change.
    return (shift + abs(zoom - 1) + abs(turn)) / 2.5


def _alpha(cutoff: float, elapsed: float) -> float:
    rate = 2 * math.pi * cutoff * elapsed
    return rate / (rate + 1)


@dataclass
class Track:
    """One person followed through the video."""

    id: int
    raw: np.ndarray  # the latest measured landmarks (468 x 3), the crop for the next frame's tracking
    smoothed: np.ndarray
    score: float
    last_seen: float  # seconds
    filter: OneEuro = field(default_factory=OneEuro)
    missed: bool = False

    def outline(self) -> np.ndarray:
        return _outline(self.raw)

    def face(self) -> Face:
        keypoints = Mesh(self.smoothed, 1.0).five_keypoints()
        return Face(
            box=tuple(float(value) for value in _outline(self.smoothed)),
            score=self.score,
            keypoints=keypoints,
            landmarks=self.smoothed,
            extra={"track": self.id, "held": self.missed},
        )


@dataclass(frozen=True)
class FrameFaces:
    """What the tracker saw in one frame: the faces to draw (tracked or held), keyed by track id,
    and when the frame was searched by the detector, the detector's faces and their tracks."""

    faces: dict[int, Face]
    detected: list[Face] | None = None
    detected_tracks: list[int] | None = None


class FaceTracker:
    """Follows every face in a video, frame by frame.

    The analyser searches the first frame, then every `detect_every` frames, and every
    frame while a face is missing; while no face is followed, it searches the frames between
    quickly (the whole frame as given, when the analyser offers `detect(image, quick=True)`;
    fully otherwise). In between, each face is found again by running FaceMesh
    on the crop its previous landmarks outline, aligned with its eye line, the way
    MediaPipe tracks faces (about 1 ms per face instead of a full search, and it follows a
    head that turns or tilts all the way to sideways). `detect_every=1` searches every frame
    and uses the detector's faces only. Faces from an analyser without FaceMesh landmarks
    (insightface) are meshed by FaceMesh on their box first, so any analyser works.

    Landmarks are smoothed with a One Euro filter; a face lost by both stays at its last
    place for HOLD_SECONDS, then is dropped until a search finds it again, under the same
    track id when it is found where it was lost. Deterministic: the same frames give the
    same tracks and ids.
    """

    def __init__(self, analyser: Analyser, *, detect_every: int = 15, landmarker: FaceMeshLandmarker | None = None):
        if detect_every < 1:
            raise ValueError(f"detect_every must be at least 1, not {detect_every}")
        self.analyser = analyser
        self.detect_every = detect_every
        self.follow = detect_every > 1
        # Analysers with a cheaper whole-frame search (OfflineAnalyser's `quick`) use it
        # while nobody is followed; others search fully on those frames.
        self._quick = _offers_quick_search(analyser)
        # Also describes, with FaceMesh's 468 points, faces from analysers that give fewer
        # (insightface's 5 keypoints), so every track is measured the same way.
        self._landmarker = landmarker if landmarker is not None else FaceMeshLandmarker()
        self._tracks: list[Track] = []
        self._lost: list[Track] = []
        self._next_id = 0
        self._frame = 0

    def update(self, image: np.ndarray, time: float, *, search: bool = False) -> FrameFaces:
        """Faces in this frame (an upright RGB image shown at `time` seconds); `search=True`
        makes the analyser look at this frame whatever the schedule."""
        if self.follow:
            for track in self._tracks:
                self._follow(track, image, time)
        # The full search on schedule and while someone is missing; while nobody is followed,
        # the quick one (the whole frame as given) on the frames between: a face entering an
        # empty picture large enough to be seen whole is swapped from its first frame, a
        # small or sideways one within `detect_every` frames, and an empty stretch costs
        # a fraction of a full search per frame.
        due = self._frame % self.detect_every == 0 or any(track.missed for track in self._tracks)
        detected = detected_tracks = None
        if search or due or not self.follow:
            detected = self.analyser.detect(image)
        elif not self._tracks:
            detected = self.analyser.detect(image, quick=True) if self._quick else self.analyser.detect(image)
        if detected is not None:
            detected_tracks = self._match(detected, [self._mesh_of(image, face) for face in detected], time)
        self._drop_duplicates()
        self._expire(time)
        self._frame += 1
        faces = {track.id: track.face() for track in self._tracks}
        return FrameFaces(faces, detected, detected_tracks)

    def _follow(self, track: Track, image: np.ndarray, time: float) -> None:
        keypoints = Mesh(track.raw, 1.0).five_keypoints()
        mesh = self._landmarker.landmarks(image, track.outline(), keypoints[0], keypoints[1])
        if mesh.presence >= MIN_PRESENCE:
            self._measure(track, mesh.landmarks, time)
        else:
            track.missed = True

    def _measure(self, track: Track, landmarks: np.ndarray, time: float, score: float | None = None) -> None:
        track.raw = np.asarray(landmarks, np.float32)
        track.smoothed = track.filter(track.raw, time)
        track.last_seen, track.missed = time, False
        if score is not None:
            track.score = score

    def _mesh_of(self, image: np.ndarray, face: Face) -> np.ndarray:
        """The face's 468 FaceMesh landmarks (x, y, z): the analyser's own when it gives them,
        else FaceMesh run on its box, then on the box its first mesh outlines."""
        if face.landmarks is not None and len(face.landmarks) == LANDMARK_COUNT:
            landmarks = np.asarray(face.landmarks, np.float32)
            if landmarks.shape[1] == 2:
                landmarks = np.hstack([landmarks, np.zeros((len(landmarks), 1), np.float32)])
            return landmarks
        mesh = self._landmarker.landmarks(image, np.asarray(face.box), face.keypoints[0], face.keypoints[1])
        eyes = mesh.five_keypoints()
        return self._landmarker.landmarks(image, _outline(mesh.landmarks), eyes[0], eyes[1]).landmarks

    def _match(self, detected: list[Face], meshes: list[np.ndarray], time: float) -> list[int]:
        """Give each detected face a track: the one it overlaps, a lost one found near where it
        was lost, or a new one. Returns the track id of each detected face, in order."""
        ids: list[int] = [-1] * len(detected)
        candidates = self._tracks + self._lost
        pairs = sorted(
            ((_match_score(track, mesh), index, position)
             for index, mesh in enumerate(meshes) for position, track in enumerate(candidates)),
            reverse=True,
        )
        taken: set[int] = set()
        for score, index, position in pairs:
            track = candidates[position]
            if score <= 0 or ids[index] >= 0 or track.id in taken:
                continue
            ids[index] = track.id
            taken.add(track.id)
            if track in self._lost:
                self._lost.remove(track)
                self._tracks.append(track)
                track.filter.reset()  # it may have moved far while lost: no smoothing across the gap
            if track.missed or not self.follow:
                self._measure(track, meshes[index], time, detected[index].score)
        if not self.follow:  # searching every frame: a track the search did not find is missed
            for track in self._tracks:
                if track.id not in taken:
                    track.missed = True
        for index, face in enumerate(detected):
            if ids[index] < 0:
                track = Track(self._next_id, meshes[index], meshes[index], face.score, time)
                track.smoothed = track.filter(track.raw, time)
                self._next_id += 1
                self._tracks.append(track)
                ids[index] = track.id
        self._tracks.sort(key=lambda track: track.id)
        return ids

    def _drop_duplicates(self) -> None:
        kept: list[Track] = []
        for track in self._tracks:  # oldest first: the older id survives
            if all(_iou(track.outline(), other.outline()) < DUPLICATE_IOU for other in kept):
                kept.append(track)
        self._tracks = kept

    def _expire(self, time: float) -> None:
        for track in list(self._tracks):
            if track.missed and time - track.last_seen > HOLD_SECONDS:
                self._tracks.remove(track)
                self._lost.append(track)
        del self._lost[:-MAX_LOST]  # only the latest people to leave are remembered


def _offers_quick_search(analyser: Analyser) -> bool:
    try:
        return "quick" in inspect.signature(analyser.detect).parameters
    except (TypeError, ValueError):  # a callable whose signature cannot be read
        return False


def _match_score(track: Track, mesh: np.ndarray) -> float:
    """How well a detected face (its mesh) fits a track: overlap first, centre distance as a fallback."""
    mine, theirs = track.outline(), _outline(mesh)
    overlap = _iou(mine, theirs)
    if overlap >= MATCH_IOU:
        return 1.0 + overlap
    size = max(mine[2] - mine[0], mine[3] - mine[1], 1.0)
    distance = np.linalg.norm((mine[:2] + mine[2:]) / 2 - (theirs[:2] + theirs[2:]) / 2) / size
    return MATCH_CENTRE - distance if distance < MATCH_CENTRE else 0.0


def _outline(points: np.ndarray) -> np.ndarray:
    xy = np.asarray(points)[:, :2]
    return np.concatenate([xy.min(axis=0), xy.max(axis=0)]).astype(np.float64)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0
