"""The identity check of a swap, told to its owner in plain words.

The worker stores what the judges measured (facekit.engines.recognition.result); this turns
it into one sentence per swapped face. Distances are each judge's own: below its limit it
takes two faces for the same person. A face is called hidden only when no judge matches it;
when the judges disagree, the sentence names the one that still does.
"""

from __future__ import annotations

from dataclasses import dataclass

from facekit.engines.recognition import FaceCheck, IdentityCheck, Reading


@dataclass(frozen=True)
class Verdict:
    recognised: bool
    too_small: bool
    text: str
    strong: bool = False  # swapped again with the stronger setting, the first swap still matching


def judge_label(name: str) -> str:
    """A judge as the page names it: its name without the version."""
    return name.split("@", 1)[0]


def _who(face: FaceCheck) -> str:
    if face.face is not None:
        return f"Face {face.face + 1}"
    return f"A person who appears at {face.first_seconds or 0:.1f} s"


def _measured(readings: list[Reading], *, video: bool) -> str:
    """'dlib-resnet 0.74, limit 0.6 (at 1.5 s); sface 0.81, limit 0.637'."""
    parts = []
    for reading in readings:
        at = f" at {reading.worst_seconds:.1f} s" if video and reading.worst_seconds is not None else ""
        parts.append(f"{judge_label(reading.judge)} {reading.to_original:.2f}{at}, limit {reading.threshold:g}")
    return "; ".join(parts)


def _avatar_part(face: FaceCheck) -> str:
    measured = [reading for reading in face.readings if reading.to_avatar is not None]
    if not measured:
        return ""
    name = f"avatar {face.avatar}" if face.avatar else "the avatar"
    alike = [reading for reading in measured if reading.like_avatar]
    if len(alike) == len(measured):
        return f" It looks like {name} to {'both recognisers' if len(alike) == 2 else _names(alike)}."
    if alike:
        return f" It looks like {name} to {_names(alike)}."
    return f" It does not match {name} closely either."


def _names(readings: list[Reading]) -> str:
    return " and ".join(judge_label(reading.judge) for reading in readings)


def _verdict(face: FaceCheck, check: IdentityCheck) -> Verdict:
    who = _who(face)
    if face.too_small:
        smallest = min(judge.min_face for judge in check.judges)
        return Verdict(False, True, f"{who} is too small to judge (under {smallest} px tall); look at it yourself.")
    judged = [reading for reading in face.readings if reading.judged]
    unjudged = [reading for reading in face.readings if not reading.judged]
    matching = [reading for reading in judged if reading.matches]
    clear = [reading for reading in judged if not reading.matches]
    moments = ""
    if check.video:
        times = ", ".join(f"{seconds:.1f} s" for seconds in face.matching_moments)
        share = round(face.matching_share * face.moments)
        moments = (f" at {times} ({share} of {face.moments} moments checked)" if matching
                   else f" in any of the {face.moments} moments checked")
    if matching and clear:
        text = (f"{who} may still be recognised{moments}: {_names(matching)} still matches it to you "
                f"({_measured(matching, video=check.video)}), though {_names(clear)} does not "
                f"({_measured(clear, video=check.video)}).")
    elif matching:
        judges = "the recogniser" if len(check.judges) == 1 else "every recogniser"
        text = (f"{who} may still be recognised{moments}: {judges} still matches it to you "
                f"({_measured(matching, video=check.video)}).")
    else:
        judges = "the recogniser" if len(judged) == 1 else "either recogniser" if len(judged) == 2 else "any recogniser"
        text = (f"{who} no longer matches you to {judges}{moments} ({_measured(clear, video=check.video)})."
                f"{_avatar_part(face)}")
        if unjudged:
            text += f" {_names(unjudged)} could not judge it (too small); look at it yourself."
    if face.strong:
        text += " It was swapped again with the stronger setting: the first swap still matched you."
    return Verdict(bool(matching), False, text, face.strong)


def verdicts(check: IdentityCheck | None) -> list[Verdict]:
    if check is None:
        return []
    return [_verdict(face, check) for face in check.faces]
