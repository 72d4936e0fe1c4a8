"""MobileStyleGAN's style space: truncation, attributes as moves along learned directions,
and blends. Numpy only, so the web process can ask which attributes are followed.

The data file (data/mobilestylegan.npz, written by scripts/learn_style_directions.py)
holds the average style and, for each measured quantity (measure.py's numbers: skin tone,
smile, mouth opening, yaw, hair colour, brightness, backdrop), a linear model
`reading ~ coefficients . style + intercept` fitted on faces this engine drew and the
project's own analyser measured, with its held-out R^2 and the quantiles of the readings.

An avatar asked for some readings is drawn from one of its seed's candidate styles: the one
needing the smallest move to fit what is asked about the person (hair colour), or
with nothing asked of those, the seed's own, so that asking for another expression, pose or
light keeps the person. That style is then moved by the smallest step after which the linear
models read every wished value and every other reading as before (a minimum-norm solve),
capped so the face stays where the model draws faces well.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Mapping, Sequence

import numpy as np

from ..measure import hex_to_rgb, to_lab
from ..vocabulary import ANY, ATTRIBUTES
from .guided import YAW_TARGETS
from . import latents

DATA_FILE = "mobilestylegan.npz"
# Truncation towards the average style: chosen by bench/bench_truncation.py (faces found
# surely against pairs that are different people).
TRUNCATION = 0.7
# Candidate styles per seed when attributes are asked for (a mapping run each, ~1 ms).
CANDIDATES = 16
# A model explaining less of a reading than this on held-out faces is not trusted to move it.
MIN_R2 = 0.3
# Readings measure.py gives, in the order the data file stores its models.
FIELDS = ("skin_tone", "smile", "mouth_open", "yaw", "hair_l", "hair_a", "hair_b",
          "brightness", "background_lightness", "background_spread")
# Readings that describe the person rather than the picture: only these choose among a seed's candidates.
IDENTITY_FIELDS = ("skin_tone", "hair_l", "hair_a", "hair_b")
# What "More like this" changes of one person: the picture, never the person. Brighter light is
# left out: it turned a third of faces into someone else to the judge (bench/bench_variations.py).
VARIATIONS = (("expression", ("broad_smile", "neutral")), ("head_pose", ("slightly_left", "slightly_right")),
              ("lighting", ("dark",)))


class Percentile(int):
    """A wish for a reading at least (above 50) or at most (50 and below) its percentile over
    this engine's faces (the 90th: "more than most"), rather than a value in its own unit."""


Wish = tuple[str, "float | Percentile"]  # a reading and what is asked of it


def _low(field: str) -> Wish:
    return field, Percentile(10)


def _high(field: str) -> Wish:
    return field, Percentile(90)


def wishes_for(attribute: str, value: str) -> list[Wish] | None:
    """What one attribute value asks of the readings, or None when it asks nothing measurable.

    Skin tone asks nothing: on these photos the offline measure (measure.monk_position,
    calibrated on the DCGAN's renders) does not read what a person sees. Its model fitted
    well (held-out R^2 0.66), but faces asked for Monk 4 came out light and dark alike, and
    those asked for Monk 1, 3 and 5 mostly light, so the studio says "not followed"."""
    if attribute == "expression":
        return {
            "smile": [_high("smile"), ("mouth_open", Percentile(40))],  # lifted corners, lips nearly closed
            "broad_smile": [_high("smile"), _high("mouth_open")],
            "neutral": [_low("smile"), _low("mouth_open")],
            "serious": [("smile", Percentile(5)), _low("mouth_open")],
        }.get(value)
    if attribute == "head_pose" and value in YAW_TARGETS:
        return [("yaw", YAW_TARGETS[value])]
    if attribute == "hair_colour" and value != ANY:
        lab = to_lab(np.array([hex_to_rgb(ATTRIBUTES["hair_colour"].value(value).swatch)], np.uint8))[0]
        return [("hair_l", float(lab[0])), ("hair_a", float(lab[1])), ("hair_b", float(lab[2]))]
    if attribute == "lighting":
        return {"bright": [_high("brightness")], "dark": [_low("brightness")]}.get(value)
    if attribute == "background":
        return {
            "plain_light": [_high("background_lightness"), _low("background_spread")],
            "plain_dark": [_low("background_lightness"), _low("background_spread")],
            "plain_grey": [("background_lightness", 55.0), _low("background_spread")],
        }.get(value)
    return None


@dataclass(frozen=True)
class StyleSpace:
    """The average style, the readings' linear models and what they are trusted for."""

    average: np.ndarray  # (512,)
    coefficients: np.ndarray  # (fields, 512)
    intercepts: np.ndarray  # (fields,)
    r2: np.ndarray  # (fields,) on held-out faces
    directions: np.ndarray  # (fields, 512): how styles vary with each reading (covariance x coefficients)
    gram: np.ndarray  # (fields, fields): directions . coefficients
    quantiles: np.ndarray  # (fields, 101): the readings' percentiles 0..100
    max_step: float  # the longest move, in style units

    def truncate(self, styles: np.ndarray) -> np.ndarray:
        return (self.average + TRUNCATION * (np.asarray(styles, np.float64) - self.average)).astype(np.float32)

    def trusted(self, field: str) -> bool:
        return bool(self.r2[FIELDS.index(field)] >= MIN_R2)

    def follows(self, asked: Sequence[Wish]) -> bool:
        """Whether these wishes can be met: every reading's model trusted, and a value asked of
        the person (IDENTITY_FIELDS) among what this engine's own faces read (1st to 99th
        percentile). The person is picked among drawn candidates, and no candidate has a
        reading the engine never draws: no hair on these photos reads as yellow as the blonde
        swatch, nor as dark as the black one."""
        for field, target in asked:
            index = FIELDS.index(field)
            if not self.trusted(field):
                return False
            if field in IDENTITY_FIELDS and not isinstance(target, Percentile) and \
                    not self.quantiles[index, 1] <= target <= self.quantiles[index, 99]:
                return False
        return True

    def wishes(self, spec: Mapping[str, str]) -> list[tuple[int, float, int]]:
        """(field index, target reading, bound) for every followed attribute of a validated spec;
        bound +1: at least the target, -1: at most, 0: exactly."""
        found = []
        for attribute, value in spec.items():
            asked = wishes_for(attribute, value) if value != ANY else None
            if asked and self.follows(asked):
                for field, target in asked:
                    index = FIELDS.index(field)
                    if isinstance(target, Percentile):
                        found.append((index, float(self.quantiles[index, target]), 1 if target > 50 else -1))
                    else:
                        found.append((index, float(target), 0))
        return found

    def predict(self, styles: np.ndarray) -> np.ndarray:
        """(N, fields) readings the linear models expect of these styles."""
        return np.asarray(styles, np.float64) @ self.coefficients.T + self.intercepts

    def move(self, style: np.ndarray, wishes: Sequence[tuple[int, float, int]]) -> np.ndarray:
        """The smallest change of `style`, measured in how styles vary among drawn faces (so it
        goes where the network draws what the models predict), after which the models read
        the wished values and every other trusted reading as before (asking for a smile
        should not change the skin or the light)."""
        now = self.predict(style[None])[0]
        # A bound already met asks for no change.
        wished = {index: now[index] if bound * (now[index] - target) > 0 else target for index, target, bound in wishes}
        rows = [index for index in range(len(FIELDS)) if index in wished or self.r2[index] >= MIN_R2]
        # Each reading counted in its own spread, so no unit outweighs another.
        scale = self.spread[rows]
        wanted = np.array([wished.get(index, now[index]) - now[index] for index in rows]) / scale
        gram = self.gram[np.ix_(rows, rows)] / np.outer(scale, scale) + 1e-9 * np.eye(len(rows))
        return (self.directions[rows] / scale[:, None]).T @ np.linalg.solve(gram, wanted)

    def person(self, candidates: np.ndarray, wishes: Sequence[tuple[int, float, int]]) -> int:
        """Which of a seed's candidate styles (its own first) is the person drawn: the one
        needing the smallest move to fit the wishes about the person (IDENTITY_FIELDS); with
        none, the seed's own. Wishes about the picture (expression, pose, light, backdrop)
        never choose the person, so changing one of them keeps the same face."""
        about_person = self.about_person(wishes)
        if not about_person:
            return 0
        return int(np.argmin([np.linalg.norm(self.move(style, about_person)) for style in candidates]))

    @staticmethod
    def about_person(wishes: Sequence[tuple[int, float, int]]) -> list[tuple[int, float, int]]:
        """The wishes that choose the person (IDENTITY_FIELDS)."""
        return [wish for wish in wishes if FIELDS[wish[0]] in IDENTITY_FIELDS]

    def fit(self, style: np.ndarray, wishes: Sequence[tuple[int, float, int]]) -> np.ndarray:
        """`style` moved to fit the wishes, by at most max_step."""
        step = self.move(style, wishes)
        length = float(np.linalg.norm(step))
        if length > self.max_step:
            step = step * (self.max_step / length)
        return (style + step).astype(np.float32)

    def blend(self, styles: np.ndarray, amounts: Sequence[float]) -> np.ndarray:
        """Several styles mixed by amounts: their offsets from the average style blended as
        latents.blend blends latents (a negative amount pushes away from that face), so a mix
        keeps the typical distance from the average face."""
        offsets = [np.asarray(s, np.float64) - self.average for s in styles]
        return (self.average + latents.blend(offsets, amounts)).astype(np.float32)

    @property
    def spread(self) -> np.ndarray:
        """A robust spread of each reading: the distance between its 16th and 84th percentiles, halved."""
        return np.maximum((self.quantiles[:, 84] - self.quantiles[:, 16]) / 2, 1e-6)


@lru_cache(maxsize=1)
def load() -> StyleSpace:
    """The stored style space (the file ships with the code)."""
    path = resources.files(__package__) / "data" / DATA_FILE
    with resources.as_file(path) as file, np.load(file) as data:
        return StyleSpace(
            average=data["average"].astype(np.float64),
            coefficients=data["coefficients"].astype(np.float64),
            intercepts=data["intercepts"].astype(np.float64),
            r2=data["r2"].astype(np.float64),
            directions=data["directions"].astype(np.float64),
            gram=data["gram"].astype(np.float64),
            quantiles=data["quantiles"].astype(np.float64),
            max_step=float(data["max_step"]),
        )


def variations(spec: Mapping[str, str], count: int) -> list[dict[str, str]]:
    """Up to `count` specs of the same person as `spec` (same seed), each with one thing about the
    picture changed to a value the spec does not already ask for."""
    changes = [(key, value) for key, values in VARIATIONS for value in values if spec.get(key) != value]
    return [{**spec, key: value} for key, value in changes[:count]]


def followed_values() -> dict[str, frozenset[str]]:
    """Attribute -> the values this engine moves faces towards (those whose readings' models
    are trusted)."""
    space = load()
    followed: dict[str, set[str]] = {}
    for key, attribute in ATTRIBUTES.items():
        for value in attribute.concrete_values:
            asked = wishes_for(key, value.key)
            if asked and space.follows(asked):
                followed.setdefault(key, set()).add(value.key)
    return {key: frozenset(values) for key, values in followed.items()}
