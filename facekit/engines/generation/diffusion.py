"""The production generator: a diffusers text-to-image pipeline (SD or SDXL class).

Weights are looked up locally only: a folder path, `<models_dir>/diffusion/<owner>--<name>/`
(where `manage.py fetch_models` puts them), or the Hugging Face cache under
`<models_dir>/huggingface/` or the default cache. Nothing is downloaded here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import torch

from ..active import PIPELINE_MARKER, diffusers_name, find_diffusion_model, looks_like_path
from ..production_weights import DEFAULT_DIFFUSION_MODEL, diffusion_model_dir
from ..vocabulary import ATTRIBUTES, build_prompt
from ..errors import Cancelled, WeightsMissing
from ..licences import Licence, licence_for, unknown
from ..types import CancelSignal, Progress, cancel_checker
from . import latents
from .latents import check_seed, interpolation_times, slerp

logger = logging.getLogger(__name__)

DEFAULT_MODEL = DEFAULT_DIFFUSION_MODEL
FETCH_HINT = "Run `python manage.py fetch_models` on a machine with network access to fetch it once."
DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}
SCHEDULERS = ("dpmpp_3m_sde_karras", "pipeline_default")


@dataclass(frozen=True)
class DiffusionSettings:
    """How to run the pipeline. Defaults follow the Mobius model card."""

    model: str = DEFAULT_MODEL
    steps: int = 50
    guidance: float = 3.5
    size: int = 1024
    clip_skip: int | None = 3
    scheduler: str = "dpmpp_3m_sde_karras"
    device: str = "auto"  # "auto": CUDA when present, else CPU
    dtype: str = "auto"  # "auto": fp16 on CUDA, fp32 on CPU (half precision on CPU is slow or unsupported)
    variant: str | None = None  # e.g. "fp16" to load *.fp16.safetensors files
    vae: str | None = None  # a local folder or cached id of a replacement VAE (an fp16-safe SDXL VAE)
    max_batch: int = 4

    def __post_init__(self):
        if self.steps < 1:
            raise ValueError(f"steps must be at least 1, not {self.steps}.")
        if self.guidance < 0:
            raise ValueError(f"guidance must be >= 0, not {self.guidance}.")
        if self.scheduler not in SCHEDULERS:
            raise ValueError(f"scheduler must be one of {SCHEDULERS}, not {self.scheduler!r}.")
        if self.dtype != "auto" and self.dtype not in DTYPES:
            raise ValueError(f"dtype must be 'auto' or one of {sorted(DTYPES)}, not {self.dtype!r}.")
        if self.max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, not {self.max_batch}.")
        if self.clip_skip is not None and self.clip_skip < 0:
            raise ValueError(f"clip_skip must be None or >= 0, not {self.clip_skip}.")
        _check_diffusion_size(self.size)


def _check_diffusion_size(size: int) -> int:
    if isinstance(size, bool) or not isinstance(size, int) or size < 64 or size > 4096 or size % 8:
        raise ValueError(f"Diffusion image size must be a multiple of 8 from 64 to 4096, not {size!r}.")
    return size


def locate_model(model: str, models_dir: Path | str | None = None, marker: str = PIPELINE_MARKER) -> Path:
    """The local folder holding `model` (a pipeline; with marker="config.json", a single
    component such as a VAE), or WeightsMissing."""
    folder = find_diffusion_model(model, models_dir, marker)
    if folder is not None:
        return folder
    if looks_like_path(model):
        raise WeightsMissing(f"No diffusers model in {Path(model).expanduser()} ({marker} not found).")
    looked = f"{diffusion_model_dir(Path(models_dir), model)} and the Hugging Face cache" if models_dir else "the Hugging Face cache"
    raise WeightsMissing(f"The diffusion model {model!r} is not on this machine (looked in {looked}). {FETCH_HINT}")


def _pick_device(requested: str) -> torch.device:
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)


def _pick_dtype(requested: str, device: torch.device) -> torch.dtype:
    if requested == "auto":
        return torch.float16 if device.type == "cuda" else torch.float32
    return DTYPES[requested]


def _dpmpp_3m_sde_karras(scheduler_config):
    from diffusers import DPMSolverMultistepScheduler

    return DPMSolverMultistepScheduler.from_config(
        scheduler_config, algorithm_type="sde-dpmsolver++", solver_order=3, use_karras_sigmas=True
    )


def load_pipeline(
    folder: Path, settings: DiffusionSettings, device: torch.device, dtype: torch.dtype,
    models_dir: Path | str | None = None,
):
    """Load a text-to-image pipeline from a local folder, never touching the network."""
    from diffusers import AutoencoderKL, AutoPipelineForText2Image

    extra = {}
    if settings.vae:
        vae_folder = locate_model(settings.vae, models_dir, marker="config.json")
        extra["vae"] = AutoencoderKL.from_pretrained(vae_folder, dtype=dtype, local_files_only=True)
    try:
        pipeline = AutoPipelineForText2Image.from_pretrained(
            folder, dtype=dtype, variant=settings.variant, local_files_only=True, **extra
        )
    except (OSError, EnvironmentError) as error:
        raise WeightsMissing(f"The diffusion model in {folder} is incomplete: {error}. {FETCH_HINT}") from error
    if settings.scheduler == "dpmpp_3m_sde_karras":
        pipeline.scheduler = _dpmpp_3m_sde_karras(pipeline.scheduler.config)
    pipeline.set_progress_bar_config(disable=True)
    return pipeline.to(device)


def prompt_weights(amounts: Sequence[float]) -> np.ndarray:
    """How much of each seed's prompt goes into a blend: the positive amounts, normalised.
    Text embeddings have no "away from" direction that a model understands, so negative
    amounts act on the starting noise only; with no positive amount, the absolute values."""
    amounts = np.asarray(amounts, np.float64)
    positive = np.clip(amounts, 0, None)
    weights = positive if positive.sum() > 0 else np.abs(amounts)
    return weights / weights.sum()


class DiffusersGenerator:
    """Faces from a diffusers text-to-image pipeline, prompted from the attribute spec.

    One instance holds one loaded pipeline. Every image has its own seed: its
    initial latent comes from a CPU `torch.Generator` seeded with it (so a seed
    gives the same start on CPU and GPU), and the SDE sampler's per-step noise
    from another. Prompts are encoded once per call and passed as embeddings,
    which is what lets `interpolate` and `blend` mix prompts as well as latents.
    """

    def __init__(self, settings: DiffusionSettings | None = None, models_dir: Path | str | None = None, **overrides):
        settings = replace(settings or DiffusionSettings(), **overrides)
        folder = locate_model(settings.model, models_dir)
        device = _pick_device(settings.device)
        dtype = _pick_dtype(settings.dtype, device)
        pipeline = load_pipeline(folder, settings, device, dtype, models_dir)
        self._adopt(pipeline, settings, diffusers_name(settings.model, folder), licence_for("generator", "diffusers", settings.model))
        self.folder = folder
        logger.info("Loaded %s from %s on %s (%s)", self.name, folder, self.device, self.dtype)

    @classmethod
    def from_pipeline(cls, pipeline, settings: DiffusionSettings | None = None, name: str = "diffusers-custom@0"):
        """Wrap a pipeline already in memory (benchmarks with random weights); the
        scheduler is swapped as when loading, the device and dtype are the pipeline's."""
        settings = settings or DiffusionSettings()
        if settings.scheduler == "dpmpp_3m_sde_karras":
            pipeline.scheduler = _dpmpp_3m_sde_karras(pipeline.scheduler.config)
        pipeline.set_progress_bar_config(disable=True)
        generator = cls.__new__(cls)
        generator._adopt(pipeline, settings, name, unknown(name, "a pipeline handed over in memory"))
        generator.folder = None
        return generator

    def _adopt(self, pipeline, settings: DiffusionSettings, name: str, licence: Licence) -> None:
        self.settings = settings
        self.licence = licence
        self.pipeline = pipeline
        self.device = pipeline.device
        self.dtype = pipeline.unet.dtype
        self.is_xl = hasattr(pipeline, "text_encoder_2")
        self.name = name
        self.native_size = settings.size
        self.draws_anything = True  # a prompt-following model can draw what nobody asked for
        # Everything the vocabulary says goes into the prompt; how faithfully a
        # given model follows each phrase is the model's business.
        self.honours = frozenset(ATTRIBUTES)

    # -- building blocks ---------------------------------------------------------------------

    @property
    def latent_channels(self) -> int:
        return self.pipeline.unet.config.in_channels

    @property
    def vae_scale(self) -> int:
        return self.pipeline.vae_scale_factor

    def initial_latent(self, seed: int, size: int) -> torch.Tensor:
        """The seed's starting noise, (channels, size/scale, size/scale), float32 on the CPU."""
        generator = torch.Generator("cpu").manual_seed(check_seed(seed))
        side = size // self.vae_scale
        return torch.randn((1, self.latent_channels, side, side), generator=generator, dtype=torch.float32)[0]

    def encode(self, positives: Sequence[str], negatives: Sequence[str]) -> dict[str, torch.Tensor]:
        """Prompt embeddings for the pipeline call, one row per prompt."""
        with torch.inference_mode():
            if self.is_xl:
                embeds, negative, pooled, negative_pooled = self.pipeline.encode_prompt(
                    prompt=list(positives), device=self.device, num_images_per_prompt=1,
                    do_classifier_free_guidance=True, negative_prompt=list(negatives),
                    clip_skip=self.settings.clip_skip,
                )
                return {"prompt_embeds": embeds, "negative_prompt_embeds": negative,
                        "pooled_prompt_embeds": pooled, "negative_pooled_prompt_embeds": negative_pooled}
            return {"prompt_embeds": self._sd_embeddings(positives),
                    "negative_prompt_embeds": self._sd_embeddings(negatives)}

    def _sd_embeddings(self, texts: Sequence[str]) -> torch.Tensor:
        """SD 1.x/2.x text embeddings, with CLIP skip.

        Done here rather than by the pipeline's `encode_prompt`: with clip_skip,
        diffusers 0.42 reaches for `text_encoder.text_model`, a wrapper that
        transformers 5 no longer has.
        """
        tokenizer, encoder = self.pipeline.tokenizer, self.pipeline.text_encoder
        ids = tokenizer(
            list(texts), padding="max_length", max_length=tokenizer.model_max_length, truncation=True, return_tensors="pt"
        ).input_ids.to(self.device)
        if self.settings.clip_skip is None:
            hidden = encoder(ids)[0]
        else:
            states = encoder(ids, output_hidden_states=True).hidden_states
            # hidden_states[0] is the embedding layer; skipping k layers keeps the (k+1)-th from the end.
            final_norm = getattr(encoder, "text_model", encoder).final_layer_norm
            hidden = final_norm(states[-(self.settings.clip_skip + 1)])
        return hidden.to(self.dtype)

    def _prompts(self, spec, seeds: Sequence[int]) -> dict[str, torch.Tensor]:
        pairs = [build_prompt(spec, seed) for seed in seeds]
        return self.encode([p for p, _ in pairs], [n for _, n in pairs])

    def run(
        self,
        embeds: Mapping[str, torch.Tensor],
        latents: torch.Tensor,
        noise_seeds: Sequence[int],
        size: int,
        progress: Progress | None = None,
        cancel: CancelSignal = None,
    ) -> list[np.ndarray]:
        """Denoise a batch of initial latents under prompt embeddings; RGB uint8 images out."""
        should_stop = cancel_checker(cancel)
        count = len(noise_seeds)
        total_steps = self.settings.steps * -(-count // self.settings.max_batch)
        images: list[np.ndarray] = []
        done_steps = 0
        for start in range(0, count, self.settings.max_batch):
            stop = min(start + self.settings.max_batch, count)
            if should_stop():
                raise Cancelled("Generation cancelled before it started." if start == 0 else "Generation cancelled.")

            def on_step_end(pipeline, step, timestep, callback_kwargs, _base=done_steps):
                # Raising here stops at once; diffusers' own `interrupt` flag would
                # still decode the half-denoised latents.
                if progress is not None:
                    progress(_base + step + 1, total_steps)
                if should_stop():
                    raise Cancelled(f"Generation cancelled at step {_base + step + 1} of {total_steps}.")
                return {}

            batch_kwargs = {key: value[start:stop] for key, value in embeds.items()}
            generators = [torch.Generator("cpu").manual_seed(check_seed(s)) for s in noise_seeds[start:stop]]
            with torch.inference_mode():
                output = self.pipeline(
                    **batch_kwargs,
                    latents=latents[start:stop].to(self.device, self.dtype),
                    generator=generators,
                    num_inference_steps=self.settings.steps,
                    guidance_scale=self.settings.guidance,
                    height=size,
                    width=size,
                    output_type="np",
                    callback_on_step_end=on_step_end,
                )
            pixels = np.clip(np.round(np.asarray(output.images, dtype=np.float32) * 255.0), 0, 255).astype(np.uint8)
            images.extend(list(pixels))
            done_steps += self.settings.steps
        return images

    # -- the Generator interface -------------------------------------------------------------

    def generate(
        self,
        spec: Mapping[str, object] | None,
        seeds: Sequence[int],
        size: int | None = None,
        *,
        progress: Progress | None = None,
        cancel: CancelSignal = None,
    ) -> list[np.ndarray]:
        """One face per seed. The seed fixes the starting noise and the "any" attributes of the prompt."""
        size = _check_diffusion_size(self.settings.size if size is None else size)
        seeds = [check_seed(s) for s in seeds]
        if not seeds:
            return []
        latents = torch.stack([self.initial_latent(s, size) for s in seeds])
        return self.run(self._prompts(spec, seeds), latents, seeds, size, progress, cancel)

    def interpolate(
        self,
        a: int,
        b: int,
        steps: int,
        spec: Mapping[str, object] | None = None,
        size: int | None = None,
        *,
        progress: Progress | None = None,
        cancel: CancelSignal = None,
    ) -> list[np.ndarray]:
        """Frames from seed a's face to seed b's: slerp of the starting noise, lerp of the prompts.

        Every frame uses seed a's sampler noise, so frames differ only by the
        interpolation: the first frame equals `generate(spec, [a])`; the last is
        seed b's face under seed a's sampler noise (close to, not equal to, b's).
        """
        times = interpolation_times(steps)
        size = _check_diffusion_size(self.settings.size if size is None else size)
        start, end = self.initial_latent(a, size).double(), self.initial_latent(b, size).double()
        latents = torch.stack([torch.from_numpy(slerp(start.numpy(), end.numpy(), t)).float() for t in times])
        ends = self._prompts(spec, [a, b])
        embeds = {key: torch.stack([(1 - t) * value[0] + t * value[1] for t in times]) for key, value in ends.items()}
        return self.run(embeds, latents, [check_seed(a)] * len(times), size, progress, cancel)

    def blend(
        self,
        seeds: Sequence[int],
        amounts: Sequence[float],
        spec: Mapping[str, object] | None = None,
        size: int | None = None,
        *,
        progress: Progress | None = None,
        cancel: CancelSignal = None,
    ) -> np.ndarray:
        """One face mixing several seeds by `amounts`: blended noise, weighted prompts."""
        if len(seeds) != len(amounts) or not seeds:
            raise ValueError(f"A blend needs one amount per seed: {len(seeds)} seeds, {len(amounts)} amounts.")
        size = _check_diffusion_size(self.settings.size if size is None else size)
        mixed = latents.blend([self.initial_latent(s, size).double().numpy() for s in seeds], amounts)
        weights = torch.tensor(prompt_weights(amounts))
        parts = self._prompts(spec, seeds)
        embeds = {
            key: torch.einsum("s,s...->...", weights.to(value.device, value.dtype), value)[None]
            for key, value in parts.items()
        }
        noise = torch.from_numpy(mixed).float()[None]
        return self.run(embeds, noise, [check_seed(seeds[0])], size, progress, cancel)[0]
