"""What SafeFace states about a file it made: the kind of thing, its id, engine, seed, spec and
the models that ran on it."""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import LabellingError

IPTC_SOURCE_TYPE_BASE = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED_ALGORITHMIC_MEDIA = IPTC_SOURCE_TYPE_BASE + "trainedAlgorithmicMedia"
COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA = IPTC_SOURCE_TYPE_BASE + "compositeWithTrainedAlgorithmicMedia"

#: Label of our custom C2PA assertion; reverse-DNS style as the C2PA spec asks of custom labels.
GENERATION_ASSERTION_LABEL = "org.safeface.generation"


class Kind(enum.Enum):
    """What a labelled file is. The numeric code travels in the watermark payload (4 bits)."""

    AVATAR = "avatar"
    SWAP = "swap"
    FACE = "face"  # a Face API image: generated from a value, not stored as a row

    @property
    def code(self) -> int:
        return _KIND_CODES[self]

    @classmethod
    def from_code(cls, code: int) -> Kind | None:
        return _KINDS_BY_CODE.get(code)

    @property
    def digital_source_type(self) -> str:
        """The IPTC digital source type of this kind of file."""
        if self is Kind.SWAP:
            return COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
        return TRAINED_ALGORITHMIC_MEDIA


# Codes are part of the watermark format: never renumber, only add.
_KIND_CODES = {Kind.AVATAR: 1, Kind.SWAP: 2, Kind.FACE: 3}
_KINDS_BY_CODE = {code: kind for kind, code in _KIND_CODES.items()}


@dataclass(frozen=True)
class GenerationFacts:
    """The facts written into a file's C2PA assertion and XMP, and (kind + id) into its watermark.

    `object_id` is the row id of the Avatar or SwapJob (for Kind.FACE, any id the caller
    chooses, e.g. the low bits of the seed); `engine` is the backend's `name@version`;
    `models` every model that ran on it, each {"name": name@version, "licence": an SPDX
    expression, "commercial": whether its licence allows commercial use}.
    """

    kind: Kind
    object_id: int
    engine: str
    seed: int | None = None
    spec: Mapping[str, Any] = field(default_factory=dict)
    models: tuple[Mapping[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.kind, Kind):
            raise LabellingError(f"kind must be a Kind, got {self.kind!r}")
        if not isinstance(self.object_id, int) or self.object_id < 0:
            raise LabellingError(f"object_id must be a non-negative int, got {self.object_id!r}")
        if not self.engine:
            raise LabellingError("engine (name@version) is required")
        if self.seed is not None and not (isinstance(self.seed, int) and 0 <= self.seed < 2**64):
            raise LabellingError(f"seed must be an unsigned 64-bit int, got {self.seed!r}")
        try:
            json.dumps(dict(self.spec))
        except (TypeError, ValueError) as exc:
            raise LabellingError(f"spec must be JSON-serialisable: {exc}") from exc
        object.__setattr__(self, "models", tuple(self.models))  # as unchangeable as the other facts
        for model in self.models:
            if not (isinstance(model.get("name"), str) and isinstance(model.get("licence"), str)
                    and isinstance(model.get("commercial"), bool)):
                raise LabellingError(f"each model needs a name, a licence and commercial (a bool), got {model!r}")

    @property
    def safeface_id(self) -> str:
        """A stable, human-readable id such as `avatar:42`."""
        return f"{self.kind.value}:{self.object_id}"

    def as_assertion_data(self) -> dict[str, Any]:
        """The data of the `org.safeface.generation` C2PA assertion (seed as a decimal string)."""
        data: dict[str, Any] = {
            "safeface_id": self.safeface_id,
            "kind": self.kind.value,
            "object_id": self.object_id,
            "engine": self.engine,
            "spec": dict(self.spec),
            "models": [dict(model) for model in self.models],
        }
        if self.seed is not None:
            # A decimal string: seeds are unsigned 64-bit and c2pa-rs stores integers as i64
            # (it refuses values >= 2**63 with "u64 value ... too large for i64").
            data["seed"] = str(self.seed)
        return data
