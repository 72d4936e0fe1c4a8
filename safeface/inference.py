"""The one place Django meets the engines: engines built from settings, once per
worker process, on first use (never in the web process, never before the worker
forks, so CUDA is never initialised in a parent process)."""

import functools
import logging
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger(__name__)


@functools.cache
def _share_cores() -> None:
    """Give this worker's engines their share of the cores, once, before any runs:
    several single-threaded workers beat one that spreads over every core."""
    import torch  # noqa: F401  (loaded first, so that the limit reaches it)

    from facekit.core.cores import limit_native_threads

    threads = settings.SAFEFACE_ENGINE_THREADS
    limit_native_threads(threads)
    logger.info("Engines use %d thread(s) in this worker", threads)


@functools.cache
def analyser():
    from facekit.engines.analysis import load_analyser

    _share_cores()
    return load_analyser(
        settings.SAFEFACE_ANALYSER,
        models_dir=settings.SAFEFACE_MODELS_DIR,
        providers=settings.SAFEFACE_ONNX_PROVIDERS or None,
        policy=settings.SAFEFACE_MODEL_LICENCES,
    )


@dataclass(frozen=True)
class GeneratorChoice:
    """A generator as the settings name it: its setting's value and, for diffusers, its model,
    steps and guidance (None: the backend's default)."""

    name: str
    model: str
    steps: int
    guidance: float | None = None
    batch: int | None = None  # diffusers' images per UNet pass; None: the backend's default


def studio_choice() -> GeneratorChoice:
    return GeneratorChoice(settings.SAFEFACE_GENERATOR, settings.SAFEFACE_DIFFUSION_MODEL, settings.SAFEFACE_DIFFUSION_STEPS)


def api_choice() -> GeneratorChoice:
    """The face API's generator (SAFEFACE_API_GENERATOR and its model, steps, guidance); each
    left unset is the studio's."""
    studio = studio_choice()
    if settings.SAFEFACE_API_GENERATOR == "studio":
        return studio
    return GeneratorChoice(
        settings.SAFEFACE_API_GENERATOR, settings.SAFEFACE_API_DIFFUSION_MODEL or studio.model,
        settings.SAFEFACE_API_DIFFUSION_STEPS or studio.steps, settings.SAFEFACE_API_DIFFUSION_GUIDANCE,
        settings.SAFEFACE_API_BATCH,
    )


def generator():
    """The studio's generator, once per worker process."""
    return _generator(studio_choice())


def api_generator():
    """The face API's generator: the studio's own object when the settings name the same one."""
    return _generator(api_choice())


@functools.cache
def _generator(choice: GeneratorChoice):
    from facekit.engines.registry import load_generator

    _share_cores()
    diffusers = {"model": choice.model, "steps": choice.steps}
    if choice.guidance is not None:
        diffusers["guidance"] = choice.guidance
    if choice.batch is not None:
        diffusers["max_batch"] = choice.batch
    dcgan = {"candidates": settings.SAFEFACE_DCGAN_CANDIDATES}
    # MobileStyleGAN's OpenVINO takes every core in each worker (threads 0): two workers of one
    # thread each drew 2.0 faces/s on 2 cores, two of all cores 3.4, one of all cores 3.3.
    stylegan = {"threads": 0, "providers": settings.SAFEFACE_ONNX_PROVIDERS or None}
    # "auto" hands each backend its own settings.
    config = {"auto": {**diffusers, **stylegan}, "diffusers": diffusers, "dcgan": dcgan,
              "mobilestylegan": stylegan}[choice.name]
    engine = load_generator(choice.name, settings.SAFEFACE_MODELS_DIR, analyser=analyser(),
                            policy=settings.SAFEFACE_MODEL_LICENCES, **config)
    logger.info("Generator loaded: %s", engine.name)
    return engine


@functools.cache
def quality_gate():
    from facekit.engines.generation import QualityGate

    return QualityGate(generator(), analyser(), max_tries=settings.SAFEFACE_QUALITY_TRIES)


def active_generator_kind(choice: GeneratorChoice | None = None) -> str:
    """Which generator backend the worker uses (the studio's, or `choice`), decided without
    loading it (the web process must not import torch): "diffusers", "mobilestylegan" or "dcgan"."""
    from facekit.engines.active import generator_kind

    choice = choice or studio_choice()
    return generator_kind(choice.name, choice.model, settings.SAFEFACE_MODELS_DIR, settings.SAFEFACE_MODEL_LICENCES)


def varies_one_person() -> bool:
    """Whether the studio's generator keeps one person when the expression, head pose or light
    asked for changes (MobileStyleGAN moves the person's own style; the others draw anew)."""
    return active_generator_kind() == "mobilestylegan"


@functools.cache
def honoured_values() -> dict[str, frozenset[str] | None]:
    """Attribute -> the values the active generator follows (None: every value)."""
    from facekit.engines.vocabulary import ATTRIBUTES

    kind = active_generator_kind()
    if kind == "diffusers":
        return {key: None for key in ATTRIBUTES}
    if kind == "mobilestylegan":
        from facekit.engines.generation import style_followed_values

        return style_followed_values()
    from facekit.engines.generation import guided_values

    return dict(guided_values(with_face_analysis=True))


def models_used(*engines) -> list[dict]:
    """The models a file's provenance names (GenerationFacts.models): each engine's name@version
    and licence; None stands for an engine that did not run."""
    from facekit.engines.licences import model_entry

    return [model_entry(engine) for engine in engines if engine is not None]


def swap_models(swapper) -> list[dict]:
    """The models every swap runs: the swapper, the analyser, the identity judges, the screener."""
    screened = screening()
    return models_used(swapper, analyser(), *judges(), screened.screener if screened else None)


@functools.cache
def signing_identity():
    """The C2PA signer for labelling files: a real one from settings, else a
    development identity kept in the data folder."""
    from facekit.provenance import load_identity, load_or_create_dev_identity

    if settings.SAFEFACE_C2PA_CERT_CHAIN:
        return load_identity(
            settings.SAFEFACE_C2PA_CERT_CHAIN,
            settings.SAFEFACE_C2PA_PRIVATE_KEY,
            settings.SAFEFACE_C2PA_TRUST_ANCHORS or None,
            tsa_url=settings.SAFEFACE_C2PA_TSA_URL,
        )
    return load_or_create_dev_identity(settings.SAFEFACE_C2PA_DEV_DIR)


@functools.cache
def swapper(strong: bool = False):
    """The face swapper (SAFEFACE_SWAPPER), or its stronger setting, once per worker process."""
    from facekit.engines.swapping import load_swapper

    _share_cores()
    engine = load_swapper(
        settings.SAFEFACE_SWAPPER,
        models_dir=settings.SAFEFACE_MODELS_DIR,
        providers=settings.SAFEFACE_ONNX_PROVIDERS or None,
        strong=strong,
        policy=settings.SAFEFACE_MODEL_LICENCES,
    )
    logger.info("Swapper loaded: %s", engine.name)
    return engine


@functools.cache
def screening():
    """The sexual-content screening of uploads (SAFEFACE_SCREENER), or None when it is off."""
    from facekit.engines.screening import Screening, load_screener

    _share_cores()
    screener = load_screener(settings.SAFEFACE_SCREENER, model=settings.SAFEFACE_SCREENER_MODEL or None,
                             providers=settings.SAFEFACE_ONNX_PROVIDERS or None)
    if screener is None:
        logger.warning("Uploads are not screened for sexual content (SAFEFACE_SCREENER=off)")
        return None
    logger.info("Screener loaded: %s", screener.name)
    return Screening(screener, settings.SAFEFACE_SCREEN_THRESHOLD, settings.SAFEFACE_SCREEN_VIDEO_SHARE)


@functools.cache
def judges():
    """The identity judges of swap results (SAFEFACE_RECOGNISER), none the swapper is driven
    by (recognition.load_judges), once per worker process."""
    from facekit.engines.recognition import load_judges

    _share_cores()
    found = load_judges(settings.SAFEFACE_RECOGNISER, settings.SAFEFACE_MODELS_DIR, swapper=swapper(),
                        providers=settings.SAFEFACE_ONNX_PROVIDERS or None)
    logger.info("Identity judges loaded: %s", ", ".join(judge.name for judge in found))
    return found
