"""The identity check of a swap: does the result still look like the person in the upload?

Every judge (a Recogniser; two independent ones by default) measures the distance from the
result's face to the same face in the upload, and to the avatar that was swapped in; the result
is one `result.IdentityCheck`, whose rule says a face may still be recognised while any judge
matches it. Photos: every swapped face. Videos: each person at least every `every` seconds, plus
the frames the swap changed least (where a face the tracker lost for a moment, or a frame left
unswapped, would still show the person); every judge judges every one of those moments.
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
from .result import FaceCheck, IdentityCheck, Judge, Reading, rounded

# Videos: each person is judged at least this often (seconds of video)...
SAMPLE_SECONDS = 0.5
# ...and on this many more frames where the swap changed their face least.
HARDEST_FRAMES = 3
# The "how much did the swap change this face" measure: grey face boxes at this side.
CHANGE_SIDE = 24
# Context kept around a face for judging a hardest frame later (fraction of the box).
CROP_MARGIN = 0.6
# A video's moments listed by time where a judge still matched (the page names the first ones).
LISTED_MOMENTS = 10


class _Avatars:
    """Each source's identity vector for one judge, computed once per check."""

    def __init__(self, recogniser: Recogniser):
        self.recogniser = recogniser
        self._vectors: dict[int, tuple[SourceFace, np.ndarray | None]] = {}

    def __call__(self, source: SourceFace) -> np.ndarray | None:
        known = self._vectors.get(id(source))
        if known is None or known[0] is not source:
            known = (source, self.recogniser.embed(source.image, source.face))
            self._vectors[id(source)] = known
        return known[1]


def _judges(judges: Sequence[Recogniser]) -> tuple[Judge, ...]:
    if not judges:
        raise ValueError("an identity check needs at least one judge")
    return tuple(Judge(judge.name, judge.threshold, judge.min_face) for judge in judges)


def check_photo(judges: Sequence[Recogniser], original: np.ndarray, result: np.ndarray, faces: Sequence[Face],
                sources: Sequence[SourceFace]) -> IdentityCheck:
    """The check of a photo swap: one FaceCheck per swapped face, in the order of `faces`
    (found on `original`; the result keeps their place). `sources[i]` went onto `faces[i]`."""
    started = time.perf_counter()
    header = _judges(judges)
    readings: list[list[Reading]] = [[] for _ in faces]
    for judge in judges:
        avatars = _Avatars(judge)
        before, after = judge.embed_many(original, list(faces)), judge.embed_many(result, list(faces))
        for found, source, was, now in zip(readings, sources, before, after):
            if was is None or now is None:
                found.append(Reading(judge.name, judge.threshold, None))
                continue
            avatar = avatars(source)
            found.append(Reading(judge.name, judge.threshold, rounded(judge.distance(now, was)),
                                 None if avatar is None else rounded(judge.distance(now, avatar))))
    return IdentityCheck(header, tuple(FaceCheck(tuple(found)) for found in readings), video=False,
                         ms=1000 * (time.perf_counter() - started))


@dataclass
class _Sample:
    """One judged moment of one person: per judge, (distance to the upload, to the avatar, vector);
    None where that judge could not embed the face."""

    seconds: float
    by_judge: tuple[tuple[float, float | None, np.ndarray] | None, ...]


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

    A person is one tracker id (`face.extra["track"]`). Every judged moment costs two
    embeddings per person and judge; the rest cost a 24 px difference of their face box.
    """

    def __init__(self, judges: Sequence[Recogniser], *, every: float = SAMPLE_SECONDS, hardest: int = HARDEST_FRAMES):
        self.judges, self.every, self.hardest = tuple(judges), every, hardest
        self._header = _judges(self.judges)
        self._avatars = [_Avatars(judge) for judge in self.judges]
        # A face any judge can measure is judged; the others give no reading for it.
        self._min_face = min(judge.min_face for judge in self.judges)
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
            if face.height < self._min_face:
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
        by_judge = []
        for judge, avatars in zip(self.judges, self._avatars):
            before, after = judge.embed_many(original, faces), judge.embed_many(result, faces)
            measured = []
            for (_, _, source), was, now in zip(due, before, after):
                if was is None or now is None:
                    measured.append(None)
                    continue
                avatar = avatars(source)
                measured.append((judge.distance(now, was), None if avatar is None else judge.distance(now, avatar), now))
            by_judge.append(measured)
        for position, (person, _, _) in enumerate(due):
            readings = tuple(measured[position] for measured in by_judge)
            if all(reading is None for reading in readings):
                person.too_small += 1
            else:
                person.samples.append(_Sample(seconds, readings))

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

    def report(self) -> IdentityCheck:
        """The check: one FaceCheck per person, in order of first appearance."""
        started = time.perf_counter()
        for person in self._people.values():
            for _, _, seconds, crop_original, crop_result, face, source in person.hardest:
                self._judge(seconds, crop_original, crop_result, [(person, face, source)])
            person.hardest = []
        self._seconds_spent += time.perf_counter() - started
        people = sorted(self._people.values(), key=lambda p: p.first_seconds)
        judged = sum(len(person.samples) for person in people)
        return IdentityCheck(self._header, tuple(self._person(person) for person in people), video=True,
                             judged_frames=judged, ms=1000 * self._seconds_spent)

    def _person(self, person: _Person) -> FaceCheck:
        samples = sorted(person.samples, key=lambda sample: sample.seconds)
        readings = tuple(self._reading(index, judge, samples) for index, judge in enumerate(self.judges))
        matching = [sample for sample in samples
                    if any(m is not None and m[0] < judge.threshold for m, judge in zip(sample.by_judge, self.judges))]
        return FaceCheck(
            readings, label=person.label, first_seconds=round(person.first_seconds, 2), moments=len(samples),
            matching_moments=tuple(round(sample.seconds, 2) for sample in matching[:LISTED_MOMENTS]),
            matching_share=round(len(matching) / len(samples), 3) if samples else 0.0,
        )

    def _reading(self, index: int, judge: Recogniser, samples: list[_Sample]) -> Reading:
        measured = [(sample.seconds, sample.by_judge[index]) for sample in samples if sample.by_judge[index] is not None]
        if not measured:
            return Reading(judge.name, judge.threshold, None)
        worst_seconds, worst = min(measured, key=lambda item: item[1][0])
        to_avatar = [m[1] for _, m in measured if m[1] is not None]
        steps = [judge.distance(a[2], b[2]) for (_, a), (_, b) in itertools.pairwise(measured)]
        return Reading(
            judge.name, judge.threshold, rounded(worst[0]),
            rounded(float(np.median(to_avatar))) if to_avatar else None,
            matching=sum(m[0] < judge.threshold for _, m in measured),
            worst_seconds=round(worst_seconds, 2),
            jitter=rounded(float(np.mean(steps))) if steps else 0.0,
        )


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
