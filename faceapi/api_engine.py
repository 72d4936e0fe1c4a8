"""Which generator the worker renders API faces with, known in the web process without
loading it (the web process never imports torch).

The name must be the one the worker's generator reports (`Generator.name`): it keys
the cache and goes into every file's provenance. The worker checks that it matches
before rendering (tasks.py), so a drift between the two fails loudly instead of
filing one engine's faces under another's name.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from safeface import inference
from facekit.engines import active
from facekit.engines.licences import Licence, licence_for


@dataclass(frozen=True)
class Engine:
    name: str  # name@version, as the backend reports it
    config: tuple[tuple[str, object], ...]  # settings that change the pixels but not the name
    licence: Licence  # named in every file's provenance


RECHECK_SECONDS = 2.0  # how soon the web notices weights that appeared or went
_known: tuple[tuple, float, Engine] | None = None  # (settings it was worked out for, until, engine)


def active_engine() -> Engine:
    """The engine, worked out again at most every RECHECK_SECONDS: looking costs a stat of
    the weights (and, for diffusers, a walk over its config files) that a cached face
    should not pay for on every request."""
    global _known
    names = (inference.api_choice(), settings.SAFEFACE_MODELS_DIR, settings.SAFEFACE_DCGAN_CANDIDATES,
             settings.SAFEFACE_MODEL_LICENCES)
    now = time.monotonic()
    known = _known
    if known is not None and known[0] == names and now < known[1]:
        return known[2]
    engine = _look_up_engine()
    _known = (names, now + RECHECK_SECONDS, engine)
    return engine


def _look_up_engine() -> Engine:
    choice = inference.api_choice()
    kind = inference.active_generator_kind(choice)
    licence = licence_for("generator", kind, choice.model)
    if kind == "diffusers":
        folder = active.find_diffusion_model(choice.model, settings.SAFEFACE_MODELS_DIR)
        config = (("steps", choice.steps),) + ((("guidance", choice.guidance),) if choice.guidance is not None else ())
        return Engine(_diffusers_name(choice.model, folder), config, licence)
    if kind == "mobilestylegan":
        return Engine(active.mobilestylegan_name(), (), licence)
    # How many candidates the worker picks the most face-like from changes the faces.
    # The worker's DCGAN always picks among candidates with its analyser.
    return Engine(active.dcgan_name(picks=True), (("candidates", settings.SAFEFACE_DCGAN_CANDIDATES),), licence)


def _diffusers_name(model: str, folder: Path | None) -> str:
    if folder is None:
        return active.diffusers_name(model, None)
    return _named(model, folder, _config_stamp(folder))


def _config_stamp(folder: Path) -> tuple:
    """Changes whenever a config file does, so the cached name is worked out again then."""
    return tuple(sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in folder.rglob("*.json")))


@functools.lru_cache(maxsize=8)
def _named(model: str, folder: Path, stamp: tuple) -> str:
    return active.diffusers_name(model, folder)
