"""The insightface backend, run on a tiny buffalo_l built here with onnx.helper: same file names,
input/output names and shapes as the real pack, so the real loading and inference code runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from facekit.engines.analysis import InsightFaceAnalyser, OfflineAnalyser, choose_providers, load_analyser
from facekit.engines.analysis.insightface_backend import pack_dir
from facekit.engines.types import Analyser, Face

STRIDES = (8, 16, 32)
ANCHORS_PER_CELL = 2
# Where the tiny detector places a face's keypoints, in strides from the anchor (eyes, nose, mouth corners).
KEYPOINT_OFFSETS = np.array([[-0.6, -0.5], [0.6, -0.5], [0.0, 0.1], [-0.5, 0.7], [0.5, 0.7]], np.float32)
BOX_HALF_SIDE = 2.0  # strides


def _initializer(name: str, array: np.ndarray) -> TensorProto:
    return numpy_helper.from_array(np.asarray(array, np.float32), name)


def _head(stride: int, kind: str, channels: int, weight: np.ndarray, bias: np.ndarray, width: int):
    """Conv with kernel = stride = `stride`, then NCHW -> rows of `width`, as SCRFD's heads lay out anchors."""
    name = f"{kind}_{stride}"
    nodes = [
        helper.make_node("Conv", ["input.1", f"{name}_w", f"{name}_b"], [f"{name}_conv"],
                         kernel_shape=[stride, stride], strides=[stride, stride], name=f"conv_{name}"),
        helper.make_node("Transpose", [f"{name}_conv"], [f"{name}_nhwc"], perm=[0, 2, 3, 1], name=f"nhwc_{name}"),
        helper.make_node("Reshape", [f"{name}_nhwc", f"{name}_shape"], [f"{name}_rows" if kind == "score" else name],
                         name=f"rows_{name}"),
    ]
    initializers = [
        _initializer(f"{name}_w", weight.reshape(channels, 3, stride, stride)),
        _initializer(f"{name}_b", bias),
        numpy_helper.from_array(np.array([-1, width], np.int64), f"{name}_shape"),
    ]
    if kind == "score":
        nodes.append(helper.make_node("Sigmoid", [f"{name}_rows"], [name], name=f"sigmoid_{name}"))
    output = helper.make_tensor_value_info(name, TensorProto.FLOAT, [f"anchors_{stride}", width])
    return nodes, initializers, output


def tiny_scrfd() -> onnx.ModelProto:
    """An SCRFD-shaped detector (9 outputs: scores, boxes, keypoints at strides 8/16/32, two anchors
    per cell) that 'sees a face' on each fully white 32x32 cell of a dark image."""
    nodes, initializers, outputs = [], [], {}
    for stride in STRIDES:
        pixels = 3 * stride * stride
        if stride == 32:
            # logit = 50 * (mean of the normalised cell - 0.9): white cell -> ~0.99, dark -> ~0.
            score_weight, score_bias = np.full((2, pixels), 50.0 / pixels), np.full(2, -45.0)
        else:
            score_weight, score_bias = np.zeros((2, pixels)), np.full(2, -30.0)
        box_bias = np.full(4 * ANCHORS_PER_CELL, BOX_HALF_SIDE)
        keypoint_bias = np.tile(KEYPOINT_OFFSETS.ravel(), ANCHORS_PER_CELL)
        for kind, channels, weight, bias, width in (
            ("score", 2, score_weight, score_bias, 1),
            ("bbox", 8, np.zeros((8, pixels)), box_bias, 4),
            ("kps", 20, np.zeros((20, pixels)), keypoint_bias, 10),
        ):
            head_nodes, head_initializers, output = _head(stride, kind, channels, weight, bias, width)
            nodes += head_nodes
            initializers += head_initializers
            outputs[(kind, stride)] = output
    ordered = [outputs[(kind, stride)] for kind in ("score", "bbox", "kps") for stride in STRIDES]
    image = helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [1, 3, "height", "width"])
    graph = helper.make_graph(nodes, "tiny_scrfd", [image], ordered, initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def _pooled_linear(name: str, side: int, pool: int, outputs: int, seed: int) -> onnx.ModelProto:
    """Average-pool then one dense layer: the smallest model with a real input/output contract."""
    features = 3 * (side // pool) ** 2
    weight = np.random.default_rng(seed).standard_normal((features, outputs)).astype(np.float32) * 0.1
    nodes = [
        helper.make_node("AveragePool", ["input.1"], ["pooled"], kernel_shape=[pool, pool], strides=[pool, pool],
                         name="pool"),
        helper.make_node("Flatten", ["pooled"], ["flat"], name="flatten"),
        helper.make_node("Gemm", ["flat", "dense_w", "dense_b"], ["output"], name="dense"),
    ]
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, ["batch", 3, side, side])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", outputs])],
        [_initializer("dense_w", weight), _initializer("dense_b", np.zeros(outputs))],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory) -> Path:
    """A models folder holding a tiny buffalo_l where fetch_models would unpack the real one."""
    root = tmp_path_factory.mktemp("models")
    folder = pack_dir(root)
    folder.mkdir(parents=True)
    onnx.save(tiny_scrfd(), folder / "det_10g.onnx")
    onnx.save(_pooled_linear("tiny_arcface", 112, 16, 512, seed=1), folder / "w600k_r50.onnx")
    onnx.save(_pooled_linear("tiny_landmarks", 192, 24, 212, seed=2), folder / "2d106det.onnx")
    return root


@pytest.fixture(scope="module")
def analyser(models_dir) -> InsightFaceAnalyser:
    return load_analyser("insightface", models_dir=models_dir)


def _image_with_white_cells(*cells: tuple[int, int]) -> np.ndarray:
    image = np.full((640, 640, 3), 10, np.uint8)
    for row, column in cells:
        image[row * 32:(row + 1) * 32, column * 32:(column + 1) * 32] = 255
    return image


def test_it_loads_the_pack_through_the_factory(analyser):
    assert isinstance(analyser, InsightFaceAnalyser)
    assert isinstance(analyser, Analyser)
    assert analyser.name.startswith("insightface-buffalo_l@")


def test_it_picks_insightface_automatically_when_the_pack_is_there(models_dir, tmp_path):
    assert isinstance(load_analyser("auto", models_dir=models_dir), InsightFaceAnalyser)
    assert isinstance(load_analyser("auto", models_dir=tmp_path), OfflineAnalyser)


def test_it_returns_faces_with_box_keypoints_landmarks_and_embedding(analyser):
    faces = analyser.detect(_image_with_white_cells((10, 10)))

    assert len(faces) == 1
    face = faces[0]
    assert isinstance(face, Face)
    # The anchor sits at the cell's top-left corner (320, 320); the box spans 2 strides each way.
    assert face.box == pytest.approx((256, 256, 384, 384), abs=1e-3)
    assert face.score > 0.9
    assert face.keypoints.shape == (5, 2) and face.keypoints.dtype == np.float32
    np.testing.assert_allclose(face.keypoints, 320 + KEYPOINT_OFFSETS * 32, atol=1e-3)
    assert face.landmarks.shape == (106, 2)
    assert face.embedding.shape == (512,) and face.embedding.dtype == np.float32
    assert np.linalg.norm(face.embedding) == pytest.approx(1.0, abs=1e-5)


def test_it_orders_several_faces_left_to_right(analyser):
    faces = analyser.detect(_image_with_white_cells((5, 15), (12, 3), (2, 9)))

    centres = [(face.box[0] + face.box[2]) / 2 for face in faces]
    assert centres == pytest.approx([3 * 32, 9 * 32, 15 * 32], abs=1e-3)


def test_it_finds_nothing_in_a_dark_image(analyser):
    assert analyser.detect(np.zeros((480, 640, 3), np.uint8)) == []


def test_its_face_likeness_is_the_detectors_best_score(analyser):
    image = _image_with_white_cells((10, 10))
    assert analyser.face_likeness(image) == pytest.approx(max(face.score for face in analyser.detect(image)), abs=1e-6)
    assert analyser.face_likeness(np.zeros((480, 640, 3), np.uint8)) == 0.0


def test_it_gives_the_same_embedding_for_the_same_image(analyser):
    image = _image_with_white_cells((10, 10))
    first, second = analyser.detect(image)[0], analyser.detect(image.copy())[0]
    np.testing.assert_array_equal(first.embedding, second.embedding)


def test_it_rejects_images_that_are_not_rgb_uint8(analyser):
    with pytest.raises(ValueError, match="uint8"):
        analyser.detect(np.zeros((64, 64, 3), np.float32))
    with pytest.raises(ValueError, match="empty"):
        analyser.detect(np.zeros((0, 64, 3), np.uint8))


def test_it_prefers_cuda_when_onnxruntime_has_it():
    assert choose_providers(["CUDAExecutionProvider", "CPUExecutionProvider"]) == [
        "CUDAExecutionProvider", "CPUExecutionProvider"]
    assert choose_providers(["CPUExecutionProvider"]) == ["CPUExecutionProvider"]


def test_it_runs_on_the_providers_it_chose(analyser):
    import onnxruntime

    expected = choose_providers(onnxruntime.get_available_providers())
    assert analyser.providers == expected
    assert analyser.session_providers()[0] == expected[0]


def test_it_passes_explicit_providers_to_onnxruntime(models_dir):
    analyser = load_analyser("insightface", models_dir=models_dir, providers=["CPUExecutionProvider"])
    assert analyser.session_providers() == ["CPUExecutionProvider"]


def test_it_names_the_missing_file_and_the_fetch_command(tmp_path):
    with pytest.raises(FileNotFoundError) as raised:
        load_analyser("insightface", models_dir=tmp_path)
    message = str(raised.value)
    assert str(pack_dir(tmp_path) / "det_10g.onnx") in message
    assert "python manage.py fetch_models" in message


def test_it_refuses_a_models_folder_that_does_not_exist(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError, match="fetch_models"):
        load_analyser("insightface", models_dir=missing)


def test_it_refuses_a_pack_file_that_is_not_the_expected_model(models_dir, tmp_path):
    folder = pack_dir(tmp_path)
    folder.mkdir(parents=True)
    # A recogniser where the detector should be.
    (folder / "det_10g.onnx").write_bytes((pack_dir(models_dir) / "w600k_r50.onnx").read_bytes())
    (folder / "w600k_r50.onnx").write_bytes((pack_dir(models_dir) / "w600k_r50.onnx").read_bytes())
    with pytest.raises(ValueError, match="not an insightface detection model"):
        InsightFaceAnalyser(tmp_path)


def test_it_rejects_an_unknown_analyser_name():
    with pytest.raises(ValueError, match="unknown analyser 'magic'"):
        load_analyser("magic")
