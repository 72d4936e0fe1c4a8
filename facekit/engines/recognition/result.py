"""The identity check's result: one type, from the engines to the page, the metrics and the CLI.

Every judged face carries one `Reading` per judge (its distance to the face in the upload and to
the avatar, against its own threshold). The one rule lives on `FaceCheck.still_recognised`: a
face no longer matches the person only when no judge matches it. `to_json`/`from_json` are the
only serialisation; `from_json` also reads checks stored before there were two judges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FORMAT = 2  # 1: one judge, its keys flat on each face (stored before the second judge)


def rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


@dataclass(frozen=True)
class Judge:
    """A recogniser as the check names it."""

    name: str
    threshold: float
    min_face: int


@dataclass(frozen=True)
class Reading:
    """One judge on one face. Photos: the distances of the result. Videos: the closest of the
    judged moments (`to_original`, at `worst_seconds`), the median distance to the avatar, how
    many moments matched and how much the identity wobbled between moments (`jitter`)."""

    judge: str
    threshold: float
    to_original: float | None
    to_avatar: float | None = None
    matching: int = 0
    worst_seconds: float | None = None
    jitter: float | None = None

    @property
    def judged(self) -> bool:
        return self.to_original is not None

    @property
    def matches(self) -> bool:
        """This judge still takes the result for the person in the upload."""
        return self.to_original is not None and self.to_original < self.threshold

    @property
    def like_avatar(self) -> bool:
        return self.to_avatar is not None and self.to_avatar < self.threshold


@dataclass(frozen=True)
class FaceCheck:
    """One swapped face of a photo, or one person of a video, with every judge's reading.

    `face` and `avatar` are the page's names for it (the face number picked, the avatar's id),
    filled in by the swaps app; a video's person first carries the tracker's `label`.
    """

    readings: tuple[Reading, ...]
    face: int | None = None
    avatar: int | str | None = None
    label: Any = None
    strong: bool = False  # swapped again with the stronger swapper: the first swap still matched
    first_seconds: float | None = None  # videos: when the person first appears
    moments: int = 0  # videos: moments judged (each by every judge)
    matching_moments: tuple[float, ...] = ()  # videos: when some judge still matched (the first ten)
    matching_share: float = 0.0  # videos: share of the moments some judge still matched

    @property
    def still_recognised(self) -> bool:
        """The rule: recognisable while any judge still matches the face to the upload."""
        return any(reading.matches for reading in self.readings)

    @property
    def too_small(self) -> bool:
        """No judge could measure the face (too small, or lost in every judged moment)."""
        return not any(reading.judged for reading in self.readings)

    @property
    def disagree(self) -> bool:
        """One judge still matches the face where another judged it and does not."""
        return self.still_recognised and any(reading.judged and not reading.matches for reading in self.readings)


@dataclass(frozen=True)
class IdentityCheck:
    """The check of one swap: its judges, and one FaceCheck per swapped face or person."""

    judges: tuple[Judge, ...]
    faces: tuple[FaceCheck, ...]
    video: bool = False
    judged_frames: int = 0
    ms: float = 0.0

    def still_recognised(self) -> list[int]:
        """Positions (in `faces`) of the faces that may still be recognised."""
        return [index for index, face in enumerate(self.faces) if face.still_recognised]

    @property
    def recognised(self) -> bool:
        return any(face.still_recognised for face in self.faces)

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "video": self.video,
            "judges": [{"name": j.name, "threshold": j.threshold, "min_face": j.min_face} for j in self.judges],
            "judged_frames": self.judged_frames,
            "ms": round(self.ms, 1),
            "faces": [_face_json(face, self.video) for face in self.faces],
        }

    @classmethod
    def from_json(cls, data: dict | None, *, video: bool | None = None) -> IdentityCheck | None:
        """The check stored as `data` (None for none: swaps made before any check)."""
        if not data or "faces" not in data:
            return None
        if data.get("format") != FORMAT:
            return _from_first_format(data, video)
        judges = tuple(Judge(j["name"], float(j["threshold"]), int(j.get("min_face", 0))) for j in data["judges"])
        thresholds = {judge.name: judge.threshold for judge in judges}
        faces = tuple(
            FaceCheck(
                readings=tuple(
                    Reading(name, thresholds[name], r.get("to_original"), r.get("to_avatar"), r.get("matching", 0),
                            r.get("worst_seconds"), r.get("jitter"))
                    for name, r in entry.get("readings", {}).items() if name in thresholds
                ),
                face=entry.get("face"), avatar=entry.get("avatar"), label=entry.get("label"),
                strong=bool(entry.get("strong")), first_seconds=entry.get("first_seconds"),
                moments=entry.get("moments", 0), matching_moments=tuple(entry.get("matching_moments", ())),
                matching_share=entry.get("matching_share", 0.0),
            )
            for entry in data["faces"]
        )
        return cls(judges, faces, bool(data.get("video") if video is None else video),
                   data.get("judged_frames", 0), data.get("ms", 0.0))


def _face_json(face: FaceCheck, video: bool) -> dict:
    entry: dict[str, Any] = {"face": face.face, "avatar": face.avatar, "strong": face.strong}
    if face.label is not None:
        entry["label"] = face.label
    if video:
        entry.update(first_seconds=face.first_seconds, moments=face.moments,
                     matching_moments=list(face.matching_moments), matching_share=face.matching_share)
    entry["readings"] = {
        reading.judge: {
            key: value for key, value in (
                ("to_original", reading.to_original), ("to_avatar", reading.to_avatar),
                ("matching", reading.matching if video else None), ("worst_seconds", reading.worst_seconds),
                ("jitter", reading.jitter),
            ) if value is not None or key == "to_original"
        }
        for reading in face.readings
    }
    return entry


def _from_first_format(data: dict, video: bool | None) -> IdentityCheck:
    """A check stored with one judge: {"judge", "threshold", "min_face", "faces": [{"to_original",
    "to_avatar", "too_small", "strong", ...}], and for videos "judged_frames" and per person
    "samples", "still_matching", "matching_seconds", "worst_seconds", "jitter"}."""
    judge = Judge(data.get("judge", "unknown"), float(data["threshold"]), int(data.get("min_face", 0)))
    is_video = ("judged_frames" in data) if video is None else video
    faces = []
    for entry in data["faces"]:
        moments = int(entry.get("samples", 0))
        share = float(entry.get("still_matching", 0.0))
        reading = Reading(judge.name, judge.threshold, entry.get("to_original"), entry.get("to_avatar"),
                          round(share * moments), entry.get("worst_seconds"), entry.get("jitter"))
        faces.append(FaceCheck(
            (reading,), face=entry.get("face"), avatar=entry.get("avatar"), label=entry.get("label"),
            strong=bool(entry.get("strong")), first_seconds=entry.get("first_seconds"), moments=moments,
            matching_moments=tuple(entry.get("matching_seconds", ())), matching_share=share,
        ))
    return IdentityCheck((judge,), tuple(faces), is_video, data.get("judged_frames", 0), data.get("ms", 0.0))

