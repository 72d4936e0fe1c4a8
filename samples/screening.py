"""A tiny stand-in for NudeNet's detector, with its input and output names and shapes, so the
real loading code and the refusal path run without any explicit picture: it "finds" an exposed
breast (class 3) as sure as the picture is red rather than green (an all-red picture: 1)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

CLASSES, BREAST_EXPOSED = 18, 3


def red_detector(path: Path, *, everything: bool = False) -> Path:
    """The stand-in detector, saved at `path`; `everything`: it is sure of every picture."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    # NudeNet hands its model blue, green, red planes (as OpenCV reads a file): red minus green.
    weights = np.array([0.0, -1.0, 1.0], np.float32).reshape(1, 3, 1, 1)
    # Two boxes (NudeNet's reader squeezes a single one away): one in the middle (centre x, y,
    # width, height) that carries the score, one in a corner that finds nothing.
    base = np.zeros((1, 4 + CLASSES, 2), np.float32)
    base[0, :4, 0], base[0, :4, 1] = [160, 160, 100, 100], [20, 20, 10, 10]
    onehot = np.zeros((1, 4 + CLASSES, 2), np.float32)
    onehot[0, 4 + BREAST_EXPOSED, 0] = 1.0
    constants = [numpy_helper.from_array(value, name) for name, value in (
        ("w", weights), ("base", base), ("onehot", onehot), ("scale", np.array(0.0 if everything else 3.0, np.float32)),
        ("shift", np.array(1.0 if everything else -0.9, np.float32)), ("low", np.array(0.0, np.float32)), ("high", np.array(1.0, np.float32)),
        ("shape", np.array([1, 1, 1], np.int64)))]
    nodes = [
        helper.make_node("Conv", ["images", "w"], ["difference"]),
        helper.make_node("GlobalAveragePool", ["difference"], ["mean"]),
        helper.make_node("Mul", ["mean", "scale"], ["scaled"]),
        helper.make_node("Add", ["scaled", "shift"], ["shifted"]),
        helper.make_node("Clip", ["shifted", "low", "high"], ["score"]),
        helper.make_node("Reshape", ["score", "shape"], ["score3"]),
        helper.make_node("Mul", ["score3", "onehot"], ["scores"]),
        helper.make_node("Add", ["scores", "base"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes, "red-detector",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["batch", 3, "height", "width"])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 4 + CLASSES, 2])],
        constants,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, path)
    return path


def red(width: int = 320, height: int = 240) -> np.ndarray:
    picture = np.zeros((height, width, 3), np.uint8)
    picture[..., 0] = 230
    return picture
