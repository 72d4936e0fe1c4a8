"""`python -m facekit.engines doctor`: torch, CUDA, onnxruntime and what "auto" means, as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from facekit.engines.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
cpu_build = pytest.mark.skipif(torch.version.cuda is not None, reason="a CUDA build of torch: the GPU test covers it")


def doctor(capsys, *args) -> tuple[int, dict]:
    code = main(["doctor", *args])
    return code, json.loads(capsys.readouterr().out)


@cpu_build
def test_on_a_cpu_machine_it_reports_no_cuda_and_the_cpu_provider(tmp_path):
    result = subprocess.run([sys.executable, "-m", "facekit.engines", "doctor", "--models-dir", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["torch"]["version"] == torch.__version__
    assert (report["torch"]["cuda_available"], report["torch"]["device_count"], report["torch"]["devices"]) == (False, 0, [])
    runtime = report["onnxruntime"]
    assert runtime["packages"] == {"onnxruntime": runtime["version"]}
    assert "CPUExecutionProvider" in runtime["available_providers"]
    assert runtime["analyser_providers"] == runtime["session_providers"] == ["CPUExecutionProvider"]
    assert report["auto"] == {"generator": "mobilestylegan", "analyser": "offline", "swapper": "mesh", "recogniser": "dlib,sface"}
    assert report["models_dir"] == str(tmp_path)


@cpu_build
def test_it_fails_a_gpu_requirement_here_and_says_why(capsys):
    code, report = doctor(capsys, "--require-gpu")

    assert code == 1
    assert any("CPU build" in problem for problem in report["gpu_problems"])
    assert any("onnxruntime does not run on CUDA" in problem for problem in report["gpu_problems"])


def test_auto_means_the_production_backends_once_their_weights_are_in_the_models_folder(tmp_path, capsys):
    for name in ("insightface/buffalo_l/det_10g.onnx", "insightface/buffalo_l/w600k_r50.onnx",
                 "insightface/inswapper_128.onnx", "diffusion/Corcelio--mobius/model_index.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"{}")

    code, report = doctor(capsys, "--models-dir", str(tmp_path))

    assert code == 0
    assert report["auto"] == {"generator": "diffusers", "analyser": "insightface", "swapper": "inswapper", "recogniser": "dlib,sface"}


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (after `make install GPU=1`)")
def test_on_a_gpu_machine_torch_and_onnxruntime_both_run_on_cuda(capsys):
    code, report = doctor(capsys, "--require-gpu")

    assert code == 0, report["gpu_problems"]
    assert report["torch"]["device_count"] == len(report["torch"]["devices"]) >= 1
    assert report["onnxruntime"]["session_providers"][0] == "CUDAExecutionProvider"


def test_it_lists_each_model_auto_runs_with_its_licence(tmp_path, capsys):
    code, report = doctor(capsys, "--models-dir", str(tmp_path), "--model-licences", "any")

    assert code == 0
    licences = report["licences"]
    assert licences["policy"] == "any"
    rows = {(row["role"], row["kind"]): row for row in licences["models"]}
    assert set(rows) == {("generator", "mobilestylegan"), ("analyser", "offline"), ("swapper", "mesh"),
                         ("recogniser", "dlib"), ("recogniser", "sface"), ("screener", "nudenet")}
    assert rows["generator", "mobilestylegan"]["commercial"] is False
    assert rows["screener", "nudenet"]["licence"] == "AGPL-3.0-only" and rows["screener", "nudenet"]["commercial"] is True
    assert all(row["source"] for row in licences["models"])


def test_under_the_commercial_policy_auto_keeps_to_commercial_models(tmp_path, capsys):
    for name in ("insightface/buffalo_l/det_10g.onnx", "insightface/buffalo_l/w600k_r50.onnx",
                 "insightface/inswapper_128.onnx", "diffusion/someone--model/model_index.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"{}")

    code, report = doctor(capsys, "--models-dir", str(tmp_path), "--diffusion-model", "someone/model",
                          "--model-licences", "commercial")

    assert code == 0
    assert (report["auto"]["generator"], report["auto"]["analyser"], report["auto"]["swapper"]) == ("dcgan", "offline", "mesh")
    assert report["licences"]["policy"] == "commercial"
    assert all(row["commercial"] for row in report["licences"]["models"])


def test_the_policy_defaults_to_the_site_s_setting(tmp_path):
    environment = {**os.environ, "SAFEFACE_MODEL_LICENCES": "commercial"}
    result = subprocess.run([sys.executable, "-m", "facekit.engines", "doctor", "--models-dir", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120, env=environment)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["licences"]["policy"] == "commercial" and report["auto"]["generator"] == "dcgan"
