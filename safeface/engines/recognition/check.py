"""The identity check of a swap: does the result still look like the person in the upload?

For every swapped face the judge (a Recogniser) measures the distance from the result's face
to the same face in the upload, and to the avatar that was swapped in. Below the judge's
threshold the person may still be recognised. Photos: every swapped face. Videos: each
person at least every `every` seconds, plus the frames the swap changed least (where a
face the tracker lost for a moment, or a frame left unswapped, would still show the person).

Results are plain dicts (stored as JSON with the swap):
`{"judge", "threshold", "min_face", "faces": [{"to_original", "to_avatar", "too_small", ...}]}`.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import time
from dataclasses import dataclass, field
from typing import Sequence

import cv2
import numpy as np

from ..types import Face, Recogniser, SourceFace

# Videos: each person is judged at least this often (seconds of video)...
SAMPLE_SECONDS = 0.5
# ...and on this many more frames where the swap changed their face least.
HARDEST_FRAMES = 3
# The "how much did the swap change this face" measure: grey face boxes at this side.
CHANGE_SIDE = 24
# Context kept around a face for judging a hardest frame later (fraction of the box).
CROP_MARGIN = 0.6


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


class _Avatars:
    """Each source's identity vector, computed once per check."""

    def __init__(self, recogniser: Recogniser):
        self.recogniser = recogniser
        self._vectors: dict[int, tuple[SourceFace, np.ndarray | None]] = {}

    def __call__(self, source: SourceFace) -> np.ndarray | None:
        known = self._vectors.get(id(source))
        if known is None or known[0] is not source:
            known = (source, self.recogniser.embed(source.image, source.face))
            self._vectors[id(source)] = known
        return known[1]


def _header(recogniser: Recogniser) -> dict:
    return {"judge": recogniser.name, "threshold": recogniser.threshold, "min_face": recogniser.min_face}


def check_photo(recogniser: Recogniser, original: np.ndarray, result: np.ndarray, faces: Sequence[Face],
                sources: Sequence[SourceFace]) -> dict:
    """The check of a photo swap: one entry per swapped face, in the order of `faces`
    (found on `original`; the result keeps their place). `sources[i]` went onto `faces[i]`."""
    started = time.perf_counter()
    avatars = _Avatars(recogniser)
    before, after = recogniser.embed_many(original, list(faces)), recogniser.embed_many(result, list(faces))
    entries = []
    for source, was, now in zip(sources, before, after):
        avatar = avatars(source)
        too_small = was is None or now is None
        entries.append({
            "to_original": None if too_small else _rounded(recogniser.distance(now, was)),
            "to_avatar": None if too_small or avatar is None else _rounded(recogniser.distance(now, avatar)),
            "too_small": too_small,
        })
    return {**_header(recogniser), "faces": entries, "ms": round(1000 * (time.perf_counter() - started), 1)}


def still_recognised(check: dict) -> list[int]:
    """Positions (in check["faces"]) of the faces that may still be recognised."""
    # For a video, "to_original" is its worst judged frame.
    return [index for index, entry in enumerate(check.get("faces", []))
            if entry.get("to_original") is not None and entry["to_original"] < check["threshold"]]


@dataclass
class _Sample:
    seconds: float
    to_original: float
    to_avatar: float | None
    vector: np.ndarray


@dataclass
class _Person:
    label: object  # the caller's name for this person (the face number picked), or None
    first_seconds: float
    samples: list[_Sample] = field(default_factory=list)
    next_sample: float = 0.0
    # (-change, tie, seconds, original crop, result crop, face in the crops, source): a max-heap
    # on "least changed" of the HARDEST_FRAMES frames the swap changed least.
    hardest: list = field(default_factory=list)
    too_small: int = 0


class VideoIdentityCheck:
    """Fed every swapped frame by the video pipeline (`observe`), judges as it goes and on
    the hardest frames at the end (`report`).

    A person is one tracker id (`face.extra["track"]`). Every judged frame costs two
    embeddings per person; the rest cost a 24 px difference of their face box.
    """

    def __init__(self, recogniser: Recogniser, *, every: float = SAMPLE_SECONDS, hardest: int = HARDEST_FRAMES):
        self.recogniser, self.every, self.hardest = recogniser, every, hardest
        self._avatars = _Avatars(recogniser)
        self._people: dict[object, _Person] = {}
        self._tie = itertools.count()
        self._seconds_spent = 0.0

    def observe(self, seconds: float, original: np.ndarray, result: np.ndarray, faces: Sequence[Face],
                sources: Sequence[SourceFace], labels: Sequence[object] | None = None) -> None:
        started = time.perf_counter()
        due = []
        for index, (face, source) in enumerate(zip(faces, sources)):
            track = face.extra.get("track", index)
            person = self._people.get(track)
            if person is None:
                label = labels[index] if labels is not None else None
                person = self._people[track] = _Person(label, seconds, next_sample=seconds)
            if face.height < self.recogniser.min_face:
                person.too_small += 1
            elif seconds >= person.next_sample:
                person.next_sample = seconds + self.every
                due.append((person, face, source))
            else:
                self._keep_if_hard(person, seconds, original, result, face, source)
        if due:
            self._judge(seconds, original, result, due)
        self._seconds_spent += time.perf_counter() - started

    def _judge(self, seconds, original, result, due) -> None:
        faces = [face for _, face, _ in due]
        before, after = self.recogniser.embed_many(original, faces), self.recogniser.embed_many(result, faces)
        for (person, _, source), was, now in zip(due, before, after):
            if was is None or now is None:
                person.too_small += 1
                continue
            avatar = self._avatars(source)
            person.samples.append(_Sample(
                seconds, self.recogniser.distance(now, was),
                None if avatar is None else self.recogniser.distance(now, avatar), now,
            ))

    def _keep_if_hard(self, person: _Person, seconds, original, result, face: Face, source) -> None:
        change = _change(original, result, face)
        if len(person.hardest) >= self.hardest and -person.hardest[0][0] <= change:
            return  # changed more than every frame already kept
        crop_original, crop_result, moved = _crops(original, result, face)
        item = (-change, next(self._tie), seconds, crop_original, crop_result, moved, source)
        if len(person.hardest) < self.hardest:
            heapq.heappush(person.hardest, item)
        else:
            heapq.heapreplace(person.hardest, item)

    def report(self) -> dict:
        """The check: one entry per person, in order of first appearance."""
        started = time.perf_counter()
        for person in self._people.values():
            for _, _, seconds, crop_original, crop_result, face, source in person.hardest:
                self._judge(seconds, crop_original, crop_result, [(person, face, source)])
            person.hardest = []
        self._seconds_spent += time.perf_counter() - started
        threshold = self.recogniser.threshold
        entries = []
        for person in sorted(self._people.values(), key=lambda p: p.first_seconds):
            samples = sorted(person.samples, key=lambda sample: sample.seconds)
            entry = {"label": person.label, "first_seconds": round(person.first_seconds, 2), "samples": len(samples),
                     "too_small": not samples}
            if samples:
                worst = min(samples, key=lambda sample: sample.to_original)
                to_avatar = [sample.to_avatar for sample in samples if sample.to_avatar is not None]
                steps = [self.recogniser.distance(a.vector, b.vector) for a, b in itertools.pairwise(samples)]
                matching = [sample for sample in samples if sample.to_original < threshold]
                entry.update(
                    to_original=_rounded(worst.to_original),
                    worst_seconds=round(worst.seconds, 2),
                    to_avatar=_rounded(float(np.median(to_avatar))) if to_avatar else None,
                    still_matching=round(len(matching) / len(samples), 3),
                    matching_seconds=[round(sample.seconds, 2) for sample in matching[:10]],
                    jitter=_rounded(float(np.mean(steps))) if steps else 0.0,
                )
            entries.append(entry)
        judged = sum(len(person.samples) for person in self._people.values())
        return {**_header(self.recogniser), "faces": entries, "judged_frames": judged,
                "ms": round(1000 * self._seconds_spent, 1)}


def _change(original: np.ndarray, result: np.ndarray, face: Face) -> float:
    """Mean absolute grey difference inside the face box, on a CHANGE_SIDE px thumbnail."""
    x1, y1, x2, y2 = _box(face, original.shape, 0.0)
    if x2 - x1 < 2 or y2 - y1 < 2:
        return 0.0
    before = cv2.resize(cv2.cvtColor(original[y1:y2, x1:x2], cv2.COLOR_RGB2GRAY), (CHANGE_SIDE, CHANGE_SIDE),
                        interpolation=cv2.INTER_AREA)
    after = cv2.resize(cv2.cvtColor(result[y1:y2, x1:x2], cv2.COLOR_RGB2GRAY), (CHANGE_SIDE, CHANGE_SIDE),
                       interpolation=cv2.INTER_AREA)
    return float(np.abs(before.astype(np.int16) - after.astype(np.int16)).mean())


def _box(face: Face, shape, margin: float) -> tuple[int, int, int, int]:
    x1, y1, x2, y2 = face.box
    grow_x, grow_y = margin * (x2 - x1), margin * (y2 - y1)
    height, width = shape[:2]
    return (max(0, int(x1 - grow_x)), max(0, int(y1 - grow_y)),
            min(width, int(np.ceil(x2 + grow_x))), min(height, int(np.ceil(y2 + grow_y))))


def _crops(original: np.ndarray, result: np.ndarray, face: Face):
    """Copies of the face's surroundings in both frames and the face moved into them, so a
    hardest frame can be judged at the end without keeping whole frames."""
    x1, y1, x2, y2 = _box(face, original.shape, CROP_MARGIN)
    offset = np.array([x1, y1], np.float32)
    box = face.box
    moved = dataclasses.replace(
        face, box=(box[0] - x1, box[1] - y1, box[2] - x1, box[3] - y1),
        keypoints=np.asarray(face.keypoints, np.float32)[:, :2] - offset, landmarks=None,
    )
    return original[y1:y2, x1:x2].copy(), result[y1:y2, x1:x2].copy(), moved
