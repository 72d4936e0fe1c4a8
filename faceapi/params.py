"""Reading and checking the API's query parameters. Every problem names its parameter,
so the 400 answer can say which one to fix."""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass

from facekit.core.fields import MAX_SEED
from facekit.provenance import ANIMATION_TYPES

MAX_VALUE_LENGTH = 1000
DIM_MIN, DIM_MAX, DIM_DEFAULT = 10, 1024, 300
MAX_BLEND = 16
AMOUNT_MIN, AMOUNT_MAX = -2.0, 2.0
FRAMES_MIN, FRAMES_MAX, FRAMES_DEFAULT = 3, 200, 30
FPS_MIN, FPS_MAX, FPS_DEFAULT = 1, 100, 15

IMAGE_FORMATS = {"webp": "image/webp", "png": "image/png", "jpg": "image/jpeg"}
ANIMATION_FORMATS = ANIMATION_TYPES  # what provenance.label_animation makes

_BLEND_NAME = re.compile(r"^(value|amount)(\d+)$")
_DIGITS = re.compile(r"^[0-9]+$")


class ParameterError(ValueError):
    """A bad query parameter: `parameter` is its name, the message says what to send."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter


def seed_for(value: str) -> int:
    """The face API's seed: the first 8 bytes of SHA-256(value as UTF-8), big-endian."""
    return int.from_bytes(hashlib.sha256(value.encode("utf-8")).digest()[:8], "big")


@dataclass(frozen=True)
class FaceQuery:
    """One face: a value's seed, or a blend of up to 16 seeds with amounts."""

    seeds: tuple[int, ...]
    amounts: tuple[float, ...] | None  # None: a plain value, not a blend
    dim: int
    format: str

    @property
    def render_params(self) -> dict:
        """What the worker needs to render the master (size and format are the web's business)."""
        if self.amounts is None:
            return {"seed": str(self.seeds[0])}
        return {"seeds": [str(s) for s in self.seeds], "amounts": list(self.amounts)}


@dataclass(frozen=True)
class MorphQuery:
    from_seed: int
    to_seed: int
    frames: int
    fps: int
    dim: int
    format: str
    frame: int | None  # one frame as an image, instead of the animation

    @property
    def frames_params(self) -> dict:
        return {"from": str(self.from_seed), "to": str(self.to_seed), "frames": self.frames}

    @property
    def animation_params(self) -> dict:
        return {**self.frames_params, "fps": self.fps, "dim": self.dim, "format": self.format}


def _single(query, name: str) -> str | None:
    values = query.getlist(name)
    if len(values) > 1:
        raise ParameterError(name, f"`{name}` was given {len(values)} times; give it once.")
    return values[0] if values else None


def _check_known(query, allowed: set[str], patterns: tuple[re.Pattern, ...] = ()) -> None:
    for name in query.keys():
        if name not in allowed and not any(p.match(name) for p in patterns):
            raise ParameterError(name, f"Unknown parameter `{name}`; this endpoint takes {', '.join(sorted(allowed))}.")


def _value(query, name: str, required: bool = True) -> str | None:
    value = _single(query, name)
    if value is None:
        if required:
            raise ParameterError(name, f"`{name}` is required: any text, such as a checksum or a name.")
        return None
    if not value:
        raise ParameterError(name, f"`{name}` is empty; give at least one character.")
    if len(value) > MAX_VALUE_LENGTH:
        raise ParameterError(name, f"`{name}` is {len(value)} characters long; at most {MAX_VALUE_LENGTH} are allowed.")
    return value


def _present(query, name: str) -> str | None:
    """The parameter's text; None when it is absent. Present but empty is an error (as
    the OpenAPI document says: an empty value is no value of the parameter's type)."""
    raw = _single(query, name)
    if raw == "":
        raise ParameterError(name, f"`{name}` is empty; give a value or leave it out for the default.")
    return raw


def _integer(query, name: str, low: int, high: int, default: int | None) -> int | None:
    raw = _present(query, name)
    if raw is None:
        return default
    if not _DIGITS.match(raw) or len(raw) > 10 or not low <= int(raw) <= high:
        raise ParameterError(name, f"`{name}` must be a whole number from {low} to {high}, not {raw[:40]!r}.")
    return int(raw)


def _format(query, formats: dict[str, str], default: str) -> str:
    raw = _present(query, "format")
    if raw is None:
        return default
    if raw not in formats:
        raise ParameterError("format", f"`format` must be one of {', '.join(formats)}, not {raw[:40]!r}.")
    return raw


def _amount(query, name: str) -> float:
    raw = _present(query, name)
    if raw is None:
        return 1.0
    try:
        amount = float(raw)
    except ValueError:
        amount = math.nan
    if not math.isfinite(amount) or not AMOUNT_MIN <= amount <= AMOUNT_MAX:
        raise ParameterError(name, f"`{name}` must be a number from {AMOUNT_MIN:g} to {AMOUNT_MAX:g}, not {raw[:40]!r}.")
    return amount + 0.0  # -0.0 and 0.0 are the same amount (and the same cache key)


def seed_number(query, name: str) -> int | None:
    raw = _present(query, name)
    if raw is None:
        return None
    if not _DIGITS.match(raw) or len(raw) > 20 or int(raw) > MAX_SEED:
        raise ParameterError(name, f"`{name}` must be a whole number from 0 to {MAX_SEED}, not {raw[:40]!r}.")
    return int(raw)


def _face_seed(query, value: str, seed: str) -> int:
    """The seed of one face: given as is (`seed`), or a value's (`value`); one of the two."""
    given = seed_number(query, seed)
    if given is None:
        return seed_for(_value(query, value))
    if value in query:
        raise ParameterError(seed, f"Give either `{value}` or `{seed}`, not both.")
    return given


def parse_face(query) -> FaceQuery:
    _check_known(query, {"value", "seed", "dim", "format"}, (_BLEND_NAME,))
    dim = _integer(query, "dim", DIM_MIN, DIM_MAX, DIM_DEFAULT)
    fmt = _format(query, IMAGE_FORMATS, "webp")
    indices = sorted({int(m.group(2)) for name in query.keys() if (m := _BLEND_NAME.match(name))})
    if not indices:
        return FaceQuery((_face_seed(query, "value", "seed"),), None, dim, fmt)
    if "value" in query or "seed" in query:
        raise ParameterError("value", "Give either `value` (or `seed`) or a blend (`value0`, `value1`, ... with `amount0`, ...), not both.")
    if indices != list(range(len(indices))) or len(indices) > MAX_BLEND:
        wrong = next((i for n, i in enumerate(indices) if i != n), indices[-1])
        raise ParameterError(
            f"value{wrong}", f"Blends are numbered value0, value1, ... without gaps, at most {MAX_BLEND} values."
        )
    for i in indices:
        if f"value{i}" not in query:
            raise ParameterError(f"value{i}", f"`amount{i}` was given without `value{i}`.")
    seeds = tuple(seed_for(_value(query, f"value{i}")) for i in indices)
    amounts = tuple(_amount(query, f"amount{i}") for i in indices)
    if not any(amounts):
        raise ParameterError("amount0", "At least one amount must be non-zero.")
    return FaceQuery(seeds, amounts, dim, fmt)


def parse_morph(query) -> MorphQuery:
    _check_known(query, {"from", "to", "from_seed", "to_seed", "frames", "fps", "dim", "format", "frame"})
    from_seed = _face_seed(query, "from", "from_seed")
    to_seed = _face_seed(query, "to", "to_seed")
    frames = _integer(query, "frames", FRAMES_MIN, FRAMES_MAX, FRAMES_DEFAULT)
    fps = _integer(query, "fps", FPS_MIN, FPS_MAX, FPS_DEFAULT)
    dim = _integer(query, "dim", DIM_MIN, DIM_MAX, DIM_DEFAULT)
    frame = _integer(query, "frame", 0, frames - 1, None)
    if frame is None:
        fmt = _format(query, ANIMATION_FORMATS, "mp4")
        if fmt == "mp4" and dim % 2:
            raise ParameterError("dim", "H.264 needs an even `dim` for mp4; use an even number or another format.")
    else:
        fmt = _format(query, IMAGE_FORMATS, "webp")
    return MorphQuery(from_seed, to_seed, frames, fps, dim, fmt, frame)


def parse_hashdata(query) -> tuple[str | None, int]:
    """CheckFace's /api/hashdata/: (the value or None, its seed), from `value` or `seed`."""
    _check_known(query, {"value", "seed"})
    if "seed" not in query:
        return parse_seed(query)
    return None, _face_seed(query, "value", "seed")


def parse_seed(query) -> tuple[str, int]:
    _check_known(query, {"value"})
    value = _value(query, "value")
    return value, seed_for(value)
