"""Attribute-guided sampling: which measurable number each attribute value asks for.

A generator that cannot read a prompt (the DCGAN) still honours some attributes:
it makes several candidate faces per seed, measures each (measure.py) and keeps
the one whose measurements best fit the spec. This module turns a spec into
objectives and picks the best candidate; it knows nothing of how candidates
are made.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

from ..measure import Measurements, hex_to_rgb, to_lab
from ..vocabulary import ANY, ATTRIBUTES, SKIN_TONES

# A candidate the analyser does not see as exactly one face would fail the
# quality gate; this cost puts it behind every candidate that would pass.
NOT_ONE_FACE_COST = 100.0
# The version of these picking rules is active.DCGAN_PICKING: bump it when they change.

Reading = Callable[[Measurements], "float | None"]


@dataclass(frozen=True)
class Objective:
    """One wish, as a number to measure and what to do with it.

    `target` set: the cost is |reading - target| / scale (absolute scale, e.g. the
    Monk position). `target` None: the reading is to be maximised (`direction`
    +1) or minimised (-1), and costs are normalised over the candidate pool,
    because such readings (mouth width, brightness) have no natural unit.
    """

    attribute: str
    value: str
    reading: Reading
    needs_face: bool
    target: float | None = None
    scale: float = 1.0
    direction: int = 0

    def costs(self, pool: Sequence[Measurements | None]) -> np.ndarray:
        readings = np.array(
            [math.nan if m is None or (r := self.reading(m)) is None else r for m in pool], dtype=np.float64
        )
        costs = np.full(len(pool), math.inf)
        known = np.isfinite(readings)
        if not known.any():
            return costs
        if self.target is not None:
            costs[known] = np.abs(readings[known] - self.target) / self.scale
            return costs
        values = readings[known] * self.direction
        spread = values.max() - values.min()
        costs[known] = (values.max() - values) / spread if spread > 0 else 0.0
        return costs


def _lab_of(hex_colour: str) -> np.ndarray:
    return to_lab(np.array([hex_to_rgb(hex_colour)], np.uint8))[0]


def _hair_distance(hex_colour: str) -> Reading:
    wanted = _lab_of(hex_colour)

    def reading(m: Measurements) -> float | None:
        if m.hair_lab is None:
            return None
        return float(np.linalg.norm(np.asarray(m.hair_lab) - wanted))

    return reading


# Yaw readings are the nose's offset from the eye midpoint in eye distances.
YAW_TARGETS = {"left": -0.35, "slightly_left": -0.17, "frontal": 0.0, "slightly_right": 0.17, "right": 0.35}


def _objective(attribute: str, value: str) -> Objective | None:
    """The objective for one attribute value, or None when it is not measurable."""
    if attribute == "skin_tone" and value in SKIN_TONES:
        return Objective(attribute, value, lambda m: m.skin_tone, True, target=SKIN_TONES.index(value) + 1, scale=1.5)
    if attribute == "expression":
        if value == "smile":
            # A gentle smile: wide, lifted corners, lips nearly closed.
            return Objective(attribute, value, lambda m: None if m.smile is None else m.smile - m.mouth_open, True, direction=+1)
        if value == "broad_smile":
            return Objective(attribute, value, lambda m: None if m.smile is None else m.smile + m.mouth_open, True, direction=+1)
        if value in ("neutral", "serious"):
            return Objective(attribute, value, lambda m: None if m.smile is None else m.smile + m.mouth_open, True, direction=-1)
    if attribute == "head_pose" and value in YAW_TARGETS:
        return Objective(attribute, value, lambda m: m.yaw, True, target=YAW_TARGETS[value], scale=0.15)
    if attribute == "hair_colour" and value != ANY:
        swatch = ATTRIBUTES["hair_colour"].value(value).swatch
        return Objective(attribute, value, _hair_distance(swatch), True, target=0.0, scale=25.0)
    if attribute == "lighting":
        if value == "bright":
            return Objective(attribute, value, lambda m: m.brightness, False, direction=+1)
        if value == "dark":
            return Objective(attribute, value, lambda m: m.brightness, False, direction=-1)
    if attribute == "background":
        if value == "plain_light":
            return Objective(attribute, value, lambda m: m.background_lightness - 0.5 * m.background_spread, False, direction=+1)
        if value == "plain_dark":
            return Objective(attribute, value, lambda m: m.background_lightness + 0.5 * m.background_spread, False, direction=-1)
        if value == "plain_grey":
            return Objective(attribute, value, lambda m: abs(m.background_lightness - 55.0) + m.background_spread, False, direction=-1)
    return None


def guided_values(with_face_analysis: bool) -> dict[str, frozenset[str]]:
    """Attribute -> the values guided sampling can follow (with or without an analyser)."""
    followed: dict[str, set[str]] = {}
    for key, attribute in ATTRIBUTES.items():
        for value in attribute.concrete_values:
            objective = _objective(key, value.key)
            if objective is not None and (with_face_analysis or not objective.needs_face):
                followed.setdefault(key, set()).add(value.key)
    return {key: frozenset(values) for key, values in followed.items()}


def objectives_for(spec: Mapping[str, str], with_face_analysis: bool) -> list[Objective]:
    """The objectives of a validated spec that this setup can measure."""
    objectives = []
    for key, value in spec.items():
        objective = _objective(key, value) if value != ANY else None
        if objective is not None and (with_face_analysis or not objective.needs_face):
            objectives.append(objective)
    return objectives


def choose(
    objectives: Sequence[Objective], pool: Sequence[Measurements | None], face_counts: Sequence[int] | None = None
) -> tuple[int, np.ndarray]:
    """Index of the best candidate (lowest total cost, first on ties) and all totals."""
    if not pool:
        raise ValueError("Guided sampling needs at least one candidate.")
    total = np.zeros(len(pool))
    for objective in objectives:
        total += objective.costs(pool)
    if face_counts is not None:
        total += np.where(np.asarray(face_counts) == 1, 0.0, NOT_ONE_FACE_COST)
    finite = np.where(np.isfinite(total), total, np.inf)
    return int(np.argmin(finite)), total
