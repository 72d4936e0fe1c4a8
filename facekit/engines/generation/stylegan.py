"""The offline photoreal generator: MobileStyleGAN, a StyleGAN2-FFHQ distillation drawing
1024 px faces, whose weights ship as OpenVINO IR in the `random-face` wheel.

Two networks: the mapping network turns a seed's normal vector `z` into a `style` vector
(StyleGAN's w), the synthesis network draws a face from one style. Everything this
engine does with a face happens to its style: truncation towards the average style,
attributes (styles.py moves it along learned directions), blends and morphs.
"""

from __future__ import annotations

import logging
import importlib.util
from importlib import metadata
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from ..active import MOBILESTYLEGAN_PACKAGE, mobilestylegan_name
from ..errors import Cancelled, WeightsMissing
from ..licences import LICENCES
from ..types import CancelSignal, Progress, cancel_checker
from ..vocabulary import validate_spec
from . import styles as style_space
from .latents import check_seed, derived_seed, interpolation_times, seed_latent
from .resample import check_size, resize_square
from .runtime import load_network

logger = logging.getLogger(__name__)

STYLE_DIM = 512
NATIVE_SIZE = 1024
DEFAULT_SIZE = 1024


def weight_files() -> tuple[Path, Path]:
    """The wheel's two IR graphs (mapping, synthesis), or WeightsMissing saying how to get them."""
    # Found, not imported: the package's own __init__ imports gdown and an OpenVINO API that is gone.
    spec = importlib.util.find_spec("random_face")
    if spec is None or not spec.submodule_search_locations:
        raise WeightsMissing(
            f"The photoreal offline generator needs the {MOBILESTYLEGAN_PACKAGE} package: pip install --no-deps "
            f"{MOBILESTYLEGAN_PACKAGE}==2021.7.21.1 (make install does this)."
        )
    folder = Path(spec.submodule_search_locations[0]) / "data"
    files = folder / "MappingNetwork.xml", folder / "SynthesisNetwork.xml"
    for xml in files:
        if not xml.is_file() or not (folder / xml.name.replace(".xml", ".bin")).is_file():
            raise WeightsMissing(f"{MOBILESTYLEGAN_PACKAGE} is installed but {xml.name} or its .bin is missing; reinstall it.")
    return files


class MobileStyleGanGenerator:
    """Photoreal 1024 px faces from MobileStyleGAN: OpenVINO on the CPU, or onnxruntime on CUDA
    (runtime.py; `runtime`, `threads` and `providers` are passed there).

    Deterministic: a seed's z is a pure function of the seed (latents.py), its style is
    truncated towards the stored average style by `style_space.TRUNCATION`, and the same
    style gives the same pixels. Attributes the analyser can measure are followed by
    moving the style along directions learned offline (styles.py).
    """

    native_size = NATIVE_SIZE
    # Trained on FFHQ's aligned face crops: it draws faces and nothing else.
    draws_anything = False
    licence = LICENCES["generator", "mobilestylegan"]

    def __init__(self, *, runtime: str = "auto", threads: int = 0, providers: Sequence[str] | None = None):
        mapping, synthesis = weight_files()
        self.mapping = load_network(mapping, runtime=runtime, threads=threads, providers=providers)
        self.synthesis = load_network(synthesis, runtime=runtime, threads=threads, providers=providers)
        self.space = style_space.load()
        self.version = metadata.version(MOBILESTYLEGAN_PACKAGE)
        self.name = mobilestylegan_name()
        self.guided_values = style_space.followed_values()
        self.honours = frozenset(self.guided_values)
        logger.info("Loaded %s (%s)", self.name, self.synthesis.describe())

    # -- styles ------------------------------------------------------------------------------

    def raw_styles(self, seeds: Sequence[int]) -> np.ndarray:
        """(N, 512) untruncated styles of seeds: the mapping network on each seed's z."""
        latents = np.stack([seed_latent(check_seed(s), STYLE_DIM) for s in seeds]).astype(np.float32)
        return np.concatenate([self.mapping(latents[i : i + 1]) for i in range(len(latents))])

    def styles(self, spec: Mapping[str, object] | None, seeds: Sequence[int]) -> np.ndarray:
        """The style drawn for each seed under `spec`: the seed's own, truncated; with
        attributes asked for, the person among its candidates (StyleSpace.person) moved to fit them."""
        wishes = self.space.wishes(validate_spec(spec))
        if not wishes:
            return self.space.truncate(self.raw_styles(seeds))
        # Candidate 0 is the seed itself: with nothing asked of the person, it is the only one.
        count = style_space.CANDIDATES if self.space.about_person(wishes) else 1
        chosen = []
        for seed in seeds:
            candidates = self.space.truncate(self.raw_styles(
                [derived_seed(seed, "stylegan-candidate", k) for k in range(count)]))
            chosen.append(self.space.fit(candidates[self.space.person(candidates, wishes)], wishes))
        return np.stack(chosen)

    # -- drawing -----------------------------------------------------------------------------

    def render(self, styles: np.ndarray, size: int, *, progress: Progress | None = None,
               cancel: CancelSignal = None) -> list[np.ndarray]:
        """One RGB uint8 face per style, `size` x `size`."""
        size = check_size(size)
        should_stop = cancel_checker(cancel)
        styles = np.asarray(styles, np.float32)
        faces = []
        for start in range(0, len(styles), self.synthesis.batch):
            if should_stop():
                raise Cancelled(f"Generation cancelled after {start} of {len(styles)} faces.")
            drawn = self.synthesis(styles[start : start + self.synthesis.batch])  # (N, 3, 1024, 1024), RGB in about [-1, 1]
            for pixels in drawn:
                face = np.clip(pixels.transpose(1, 2, 0) * 127.5 + 127.5, 0, 255).round().astype(np.uint8)
                faces.append(resize_square(face, size, sharpen=False))
            if progress is not None:
                progress(len(faces), len(styles))
        return faces

    # -- the Generator interface -------------------------------------------------------------

    def generate(self, spec: Mapping[str, object] | None, seeds: Sequence[int], size: int | None = None, *,
                 progress: Progress | None = None, cancel: CancelSignal = None) -> list[np.ndarray]:
        """One face per seed, `size` x `size` (default 1024). Same spec + seed, same pixels."""
        size = check_size(DEFAULT_SIZE if size is None else size)
        return self.render(self.styles(spec, list(seeds)), size, progress=progress, cancel=cancel)

    def interpolate(self, a: int, b: int, steps: int, spec: Mapping[str, object] | None = None,
                    size: int | None = None, *, progress: Progress | None = None,
                    cancel: CancelSignal = None) -> list[np.ndarray]:
        """`steps` frames from seed a's face to seed b's, both ends included, along the straight
        line between their styles (style space is where StyleGAN's faces mix smoothly)."""
        times = interpolation_times(steps)
        size = check_size(DEFAULT_SIZE if size is None else size)
        start, end = self.styles(spec, [a, b])
        frames = np.stack([(1 - t) * start + t * end for t in times])
        return self.render(frames, size, progress=progress, cancel=cancel)

    def blend(self, seeds: Sequence[int], amounts: Sequence[float], spec: Mapping[str, object] | None = None,
              size: int | None = None, *, progress: Progress | None = None,
              cancel: CancelSignal = None) -> np.ndarray:
        """One face mixing several seeds' faces by `amounts` (style_space.blend)."""
        if len(seeds) != len(amounts) or not seeds:
            raise ValueError(f"A blend needs one amount per seed: {len(seeds)} seeds, {len(amounts)} amounts.")
        size = check_size(DEFAULT_SIZE if size is None else size)
        mixed = self.space.blend(self.styles(spec, list(seeds)), amounts)
        return self.render(mixed[None], size, progress=progress, cancel=cancel)[0]
