"""The identity check of a swap, told to its owner in plain words.

The worker stores what the judge measured (safeface.engines.recognition.check); this turns
it into one sentence per swapped face. Distances are the judge's own: below its threshold
it takes two faces for the same person.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    recognised: bool
    too_small: bool
    text: str
    strong: bool = False  # swapped again with the stronger setting, the first swap still matching


def _who(entry: dict) -> str:
    if entry.get("face") is not None:
        return f"Face {entry['face'] + 1}"
    return f"A person who appears at {entry.get('first_seconds', 0):.1f} s"


def _avatar_part(entry: dict, threshold: float) -> str:
    distance, avatar = entry.get("to_avatar"), entry.get("avatar")
    name = f"avatar {avatar}" if avatar else "the avatar"
    if distance is None:
        return ""
    if distance < threshold:
        return f" and looks like {name} ({distance:.2f})"
    return f"; it does not match {name} closely either ({distance:.2f})"


def verdicts(check: dict, *, video: bool) -> list[Verdict]:
    if not check or not check.get("faces"):
        return []
    threshold, smallest = check["threshold"], check.get("min_face", 0)
    found = []
    for entry in check["faces"]:
        who = _who(entry)
        distance = entry.get("to_original")
        if distance is None:
            found.append(Verdict(False, True, f"{who} is too small to judge (under {smallest} px tall); look at it yourself."))
            continue
        recognised = distance < threshold
        limit = f"the recogniser's limit is {threshold:g}"
        if video:
            moments = entry.get("samples", 0)
            if recognised:
                times = ", ".join(f"{seconds:.1f} s" for seconds in entry.get("matching_seconds", []))
                share = round(entry.get("still_matching", 0) * moments)
                text = (f"{who} may still be recognised at {times} ({share} of {moments} moments checked; "
                        f"closest {distance:.2f} at {entry.get('worst_seconds', 0):.1f} s, {limit}).")
            else:
                text = (f"{who} no longer matches you in any of the {moments} moments checked "
                        f"(closest {distance:.2f} at {entry.get('worst_seconds', 0):.1f} s; {limit})"
                        f"{_avatar_part(entry, threshold)}.")
        elif recognised:
            text = f"{who} may still be recognised ({distance:.2f}, under the recogniser's limit of {threshold:g})."
        else:
            text = f"{who} no longer matches you ({distance:.2f}; {limit}){_avatar_part(entry, threshold)}."
        if entry.get("strong"):
            text += " It was swapped again with the stronger setting: the first swap still matched you."
        found.append(Verdict(recognised, False, text, bool(entry.get("strong"))))
    return found
