"""Building engines by name, without Django: the worker and the shell CLI both call this.

Load once per process and keep the result (docs/architecture.md, "Floors"). A backend's
module is imported when it is chosen: each pulls in its own runtime (torch, OpenVINO,
onnxruntime), which the others never need.
"""

from __future__ import annotations

import logging
from dataclasses import fields
from pathlib import Path

from .active import GENERATOR_NAMES, generator_kind
from .production_weights import DEFAULT_DIFFUSION_MODEL
from .types import Analyser, Generator

logger = logging.getLogger(__name__)


def load_generator(
    name: str = "auto",
    models_dir: Path | str | None = None,
    *,
    analyser: Analyser | None = None,
    guided: bool = True,
    policy: str = "any",
    **config,
) -> Generator:
    """A generator by name.

    "auto": the diffusers backend when the configured model (`model=`, default
    Corcelio/mobius) is on this machine, else the offline MobileStyleGAN.
    "mobilestylegan" takes `runtime`, `threads`, `providers` (generation/runtime.py).
    "dcgan" takes `candidates`, `device`, `sharpen`; with `guided` (default) it uses
    `analyser`, or builds the offline one, for attribute-guided sampling. "diffusers"
    takes the fields of `DiffusionSettings` (model, steps, guidance, size, clip_skip,
    scheduler, device, dtype, variant, vae, max_batch).
    `policy`: the licence policy (licences.POLICIES) "auto" keeps to and a name must pass.
    """
    if name not in GENERATOR_NAMES:
        raise ValueError(f"Unknown generator {name!r}; choose one of {', '.join(GENERATOR_NAMES)}.")
    model = config.get("model", DEFAULT_DIFFUSION_MODEL)
    kind = generator_kind(name, model, models_dir, policy)  # refuses a name the policy forbids
    if name == "auto":
        name = kind
        logger.info("Generator auto: %s (model %s, licence policy %s)", name, model, policy)
        # One configuration can carry settings for both backends; each takes its own.
        config = {key: value for key, value in config.items() if key in _config_keys(name)}
    unknown = set(config) - _config_keys(name)
    if unknown:
        raise ValueError(f"The {name} generator does not take {sorted(unknown)}; it takes {sorted(_config_keys(name))}.")
    if name == "diffusers":
        from .generation.diffusion import DiffusersGenerator

        return DiffusersGenerator(models_dir=models_dir, **config)
    if name == "mobilestylegan":
        from .generation.stylegan import MobileStyleGanGenerator

        return MobileStyleGanGenerator(**config)
    from .generation.dcgan import DcganGenerator

    if guided and analyser is None:
        from .analysis import load_analyser

        analyser = load_analyser("offline")
    return DcganGenerator(analyser if guided else None, **config)


def _config_keys(name: str) -> set[str]:
    if name == "diffusers":
        from .generation.diffusion import DiffusionSettings

        return {field.name for field in fields(DiffusionSettings)}
    if name == "mobilestylegan":
        return {"runtime", "threads", "providers"}
    return {"candidates", "device", "sharpen"}
