"""The production weights `manage.py fetch_models` downloads, and where they go in the models folder.

Pure data: no Django, no network. Sizes and SHA-256 digests are the published ones of
insightface's release assets (the same digests are pinned by many projects that ship them).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

INSIGHTFACE_RELEASES = "https://github.com/deepinsight/insightface/releases/download/model-zoo"
DEFAULT_DIFFUSION_MODEL = "Corcelio/mobius"
# Only the diffusers layout (model_index.json and one folder per component), in safetensors:
# single-file checkpoints and pickled .bin duplicates at the repository root would double the download.
DIFFUSION_ALLOW_PATTERNS = ("model_index.json", "*/*.json", "*/*.txt", "*/*.model", "*/*.safetensors")


@dataclass(frozen=True)
class ModelFile:
    """One file to fetch over plain HTTP: its name on the server, its size and digest,
    and where it lands: `target` (a file) or, for a zip, `unpack_to` (a folder of its .onnx members)."""

    model: str
    filename: str
    size: int
    sha256: str
    target: str | None = None
    unpack_to: str | None = None
    required: tuple[str, ...] = ()  # files inside `unpack_to` whose presence means "already fetched"

    def url(self, base_url: str = INSIGHTFACE_RELEASES) -> str:
        return f"{base_url.rstrip('/')}/{self.filename}"

    def is_present(self, models_dir: Path) -> bool:
        if self.unpack_to is not None:
            folder = Path(models_dir) / self.unpack_to
            return all((folder / name).is_file() for name in self.required)
        target = Path(models_dir) / self.target
        return target.is_file() and target.stat().st_size == self.size


BUFFALO_L = ModelFile(
    model="buffalo_l",
    filename="buffalo_l.zip",
    size=288_621_354,
    sha256="80ffe37d8a5940d59a7384c201a2a38d4741f2f3c51eef46ebb28218a7b0ca2f",
    unpack_to="insightface/buffalo_l",
    required=("det_10g.onnx", "w600k_r50.onnx"),
)
INSWAPPER = ModelFile(
    model="inswapper",
    filename="inswapper_128.onnx",
    size=554_253_681,
    sha256="e4a3f08c753cb72d04e10aa0f7dbe3deebbf39567d4ead6dce08e98aa49e16af",
    target="insightface/inswapper_128.onnx",
)
HTTP_FILES = (BUFFALO_L, INSWAPPER)
DIFFUSION = "diffusion"
MODEL_NAMES = tuple(file.model for file in HTTP_FILES) + (DIFFUSION,)


def diffusion_model_dir(models_dir: Path, model_id: str = DEFAULT_DIFFUSION_MODEL) -> Path:
    """Local folder of a Hugging Face diffusers model, e.g. `diffusion/Corcelio--mobius`
    (where the diffusers generator looks for it)."""
    return Path(models_dir) / "diffusion" / model_id.replace("/", "--")
