"""`python -m facekit.engines doctor`: what this machine's engines run on, as JSON.

Run it after `make install GPU=1` on a GPU machine: torch must see the GPUs, onnxruntime must
have (and actually give a session) its CUDA provider, and "auto" must mean the backends
whose weights `fetch_models` put in the models folder — on every worker machine alike.
It also lists the models "auto" runs with their licences, under the licence policy.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import metadata
from pathlib import Path

from ..active import analyser_kind, generator_kind, recogniser_kinds, swapper_kind
from ..licences import model_row
from . import add_licence_policy
from ..production_weights import DEFAULT_DIFFUSION_MODEL

ONNXRUNTIME_PACKAGES = ("onnxruntime", "onnxruntime-gpu")


def add_doctor_command(subcommands: argparse._SubParsersAction) -> None:
    """Register `doctor` on the engines' command-line parser."""
    parser = subcommands.add_parser("doctor", help="print torch, CUDA, onnxruntime and what each engine's auto means here, as JSON")
    parser.add_argument("--models-dir", type=Path, default=None, help="folder that fetch_models filled")
    parser.add_argument("--diffusion-model", default=DEFAULT_DIFFUSION_MODEL,
                        help="the diffusers model id or folder the generator's auto looks for")
    add_licence_policy(parser)
    parser.add_argument("--require-gpu", action="store_true",
                        help="exit 1 unless torch sees a GPU and onnxruntime runs a session on CUDA")
    parser.set_defaults(run=run_doctor)


def torch_facts() -> dict:
    import torch

    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    return {
        "version": torch.__version__,
        "built_for_cuda": torch.version.cuda,
        "cuda_available": torch.cuda.is_available(),
        "device_count": count,
        "devices": [torch.cuda.get_device_name(index) for index in range(count)],
    }


def onnxruntime_facts() -> dict:
    import onnxruntime

    from ..analysis import choose_providers

    available = onnxruntime.get_available_providers()
    chosen = choose_providers(available)
    return {
        "version": onnxruntime.__version__,
        # Both at once share one folder, and whichever went in last decides what runs.
        "packages": {name: _version(name) for name in ONNXRUNTIME_PACKAGES if _version(name)},
        "available_providers": available,
        "analyser_providers": chosen,
        # A provider the build lists can still fail to load (no CUDA or cuDNN libraries):
        # onnxruntime then falls back to the CPU, which only a real session shows.
        "session_providers": _session_providers(onnxruntime, chosen),
    }


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _session_providers(onnxruntime, providers: list[str]) -> list[str]:
    from onnx import TensorProto, helper

    value = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
    result = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "doctor", [value], [result])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8  # old enough for every onnxruntime this project pins
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # the fallback is reported in the JSON, not as a warning
    session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=providers)
    return session.get_providers()


def engine_kinds(models_dir: Path | None, diffusion_model: str, policy: str = "any") -> dict:
    """What each role's "auto" means with this models folder under the licence policy
    (engines.active decides)."""
    return {
        "generator": generator_kind("auto", diffusion_model, models_dir, policy),
        "analyser": analyser_kind("auto", models_dir, policy),
        "swapper": swapper_kind("auto", models_dir, policy),
        "recogniser": ",".join(recogniser_kinds("auto")),
    }


def model_licences(kinds: dict, diffusion_model: str, policy: str) -> dict:
    """The models `kinds` run (every judge, and the screener), each with its licence."""
    models = [model_row("generator", kinds["generator"], diffusion_model), model_row("analyser", kinds["analyser"]),
              model_row("swapper", kinds["swapper"]),
              *(model_row("recogniser", kind) for kind in recogniser_kinds("auto")), model_row("screener", "nudenet")]
    return {"policy": policy, "models": models}


def gpu_problems(report: dict) -> list[str]:
    """Why this machine cannot serve the GPU cluster; empty when it can."""
    problems = []
    if not report["torch"]["cuda_available"]:
        built = report["torch"]["built_for_cuda"]
        problems.append("torch sees no CUDA GPU" + ("" if built else " (this torch is a CPU build: `make install GPU=1`)"))
    if "CUDAExecutionProvider" not in report["onnxruntime"]["session_providers"]:
        problems.append("onnxruntime does not run on CUDA (install onnxruntime-gpu alone: `make install GPU=1`)")
    if len(report["onnxruntime"]["packages"]) > 1:
        problems.append("both onnxruntime and onnxruntime-gpu are installed; uninstall both, then install onnxruntime-gpu")
    return problems


def run_doctor(arguments: argparse.Namespace) -> int:
    report = {
        "torch": torch_facts(),
        "onnxruntime": onnxruntime_facts(),
        "models_dir": str(arguments.models_dir) if arguments.models_dir is not None else None,
        "auto": engine_kinds(arguments.models_dir, arguments.diffusion_model, arguments.model_licences),
    }
    report["licences"] = model_licences(report["auto"], arguments.diffusion_model, arguments.model_licences)
    report["gpu_problems"] = gpu_problems(report)
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 1 if arguments.require_gpu and report["gpu_problems"] else 0
