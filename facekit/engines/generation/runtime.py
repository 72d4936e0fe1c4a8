"""How MobileStyleGAN's two IR graphs run: OpenVINO on the CPU, onnxruntime on CUDA.

OpenVINO reads the wheel's IR as it is and is the faster of the two on the CPU
(bench/bench_generation.py prints both). It has no CUDA device, so where onnxruntime offers
CUDA (the GPU install's onnxruntime-gpu), the IR is laid into an ONNX graph in memory
(openvino_ir.py) and run there. Both give the same face: their images differ by at most a
few ten-thousandths on the [-1, 1] scale, under one level of 255. Each runtime is imported
only where it is the one used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

RUNTIMES = ("auto", "openvino", "onnxruntime")
# Faces per synthesis call on CUDA (not measured on a GPU yet: bench/bench_generation.py --gpu).
CUDA_BATCH = 8


class OpenVinoNetwork:
    """One compiled IR graph with one input and one output, on the CPU; `threads` 0: OpenVINO's choice.

    Precision is pinned to f32: on CPUs with bf16 units (AMX, AVX512-BF16) OpenVINO would
    switch by itself, and a seed's face must be the same pixels on every worker. The IR's
    batch is 1; on a CPU a bigger one draws no faster per face."""

    batch = 1

    def __init__(self, xml: Path, threads: int = 0):
        import openvino

        core = openvino.Core()
        config = {"INFERENCE_PRECISION_HINT": "f32"}
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        self._compiled = core.compile_model(core.read_model(str(xml)), "CPU", config)
        self._threads = threads

    def __call__(self, array: np.ndarray) -> np.ndarray:
        return self._compiled(np.ascontiguousarray(array, np.float32))[0]

    def describe(self) -> str:
        return f"OpenVINO on the CPU, {self._threads or 'all'} thread(s)"


class OnnxNetwork:
    """The same graph converted to ONNX, on onnxruntime with `providers`; it takes any batch
    size, and `batch` faces go through at once (one on the CPU, where more gain nothing)."""

    def __init__(self, xml: Path, threads: int = 0, providers: Sequence[str] = ("CPUExecutionProvider",),
                 batch: int = 1):
        import onnxruntime

        from .openvino_ir import onnx_from_ir

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(onnx_from_ir(xml).SerializeToString(), options,
                                                     providers=list(providers))
        self._input = self._session.get_inputs()[0].name
        self.batch = batch

    def __call__(self, array: np.ndarray) -> np.ndarray:
        return self._session.run(None, {self._input: np.ascontiguousarray(array, np.float32)})[0]

    def describe(self) -> str:
        return f"onnxruntime on {', '.join(self._session.get_providers())}"


def cuda_available() -> bool:
    import onnxruntime

    return "CUDAExecutionProvider" in onnxruntime.get_available_providers()


def load_network(xml: Path, *, runtime: str = "auto", threads: int = 0, providers: Sequence[str] | None = None,
                 batch: int | None = None) -> OpenVinoNetwork | OnnxNetwork:
    """A network ready to run. "auto": onnxruntime on CUDA where this install has it and
    `providers` (the deployment's SAFEFACE_ONNX_PROVIDERS, empty: any) allow it, else OpenVINO.
    `batch`: faces per onnxruntime call (default CUDA_BATCH on CUDA, else 1)."""
    if runtime not in RUNTIMES:
        raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, not {runtime!r}.")
    if runtime == "auto":
        allowed = not providers or "CUDAExecutionProvider" in providers
        runtime = "onnxruntime" if allowed and cuda_available() else "openvino"
        providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if runtime == "onnxruntime" else None
    if runtime == "onnxruntime":
        providers = providers or ["CPUExecutionProvider"]
        default = CUDA_BATCH if "CUDAExecutionProvider" in providers else 1
        return OnnxNetwork(xml, threads, providers, batch or default)
    return OpenVinoNetwork(xml, threads)
