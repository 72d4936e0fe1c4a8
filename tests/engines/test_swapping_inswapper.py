"""The inswapper backend on a tiny ONNX graph built here with inswapper_128's input/output names and
shapes and an `emap` initializer, saved where fetch_models puts the real file and loaded through
the same factory and insightface code. Sources come from the tiny buffalo_l analyser (embeddings)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from facekit.engines.analysis import OfflineAnalyser, load_analyser, read_image
from facekit.engines.analysis.insightface_backend import pack_dir
from facekit.engines.swapping import InSwapper, MeshSwapper, SwapError, inswapper_path, load_swapper, prepare_source
from facekit.engines.types import Face, SourceFace, Swapper

from .swapping_helpers import PHOTOS
from .test_analysis_insightface import _pooled_linear, tiny_scrfd

TINT = np.random.default_rng(3).standard_normal((512, 3)).astype(np.float32) * 0.05
EMAP = np.linalg.qr(np.random.default_rng(4).standard_normal((512, 512)))[0].astype(np.float32)


def tiny_inswapper() -> onnx.ModelProto:
    """inswapper_128's contract: "target" 1x3x128x128 (RGB in [0, 1]) and "source" 1x512 (the
    embedding through `emap`) in, 1x3x128x128 out. This one adds a colour that depends on the
    source to the target crop; `emap` is the last initializer, where INSwapper reads it."""
    nodes = [
        helper.make_node("MatMul", ["source", "tint"], ["colour"], name="colour"),
        helper.make_node("Reshape", ["colour", "colour_shape"], ["colour_map"], name="as_map"),
        helper.make_node("Add", ["target", "colour_map"], ["tinted"], name="tint"),
        helper.make_node("Clip", ["tinted", "low", "high"], ["output"], name="clip"),
    ]
    initializers = [
        numpy_helper.from_array(TINT, "tint"),
        numpy_helper.from_array(np.array([1, 3, 1, 1], np.int64), "colour_shape"),
        numpy_helper.from_array(np.array(0.0, np.float32), "low"),
        numpy_helper.from_array(np.array(1.0, np.float32), "high"),
        numpy_helper.from_array(EMAP, "emap"),
    ]
    graph = helper.make_graph(
        nodes, "tiny_inswapper",
        [helper.make_tensor_value_info("target", TensorProto.FLOAT, [1, 3, 128, 128]),
         helper.make_tensor_value_info("source", TensorProto.FLOAT, [1, 512])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 3, 128, 128])],
        initializers,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory) -> Path:
    """A models folder with the tiny inswapper and a tiny buffalo_l where fetch_models puts the real ones."""
    root = tmp_path_factory.mktemp("models")
    inswapper_path(root).parent.mkdir(parents=True)
    onnx.save(tiny_inswapper(), inswapper_path(root))
    pack = pack_dir(root)
    pack.mkdir(parents=True)
    onnx.save(tiny_scrfd(), pack / "det_10g.onnx")
    onnx.save(_pooled_linear("tiny_arcface", 112, 16, 512, seed=1), pack / "w600k_r50.onnx")
    return root


@pytest.fixture(scope="module")
def swapper(models_dir) -> InSwapper:
    return load_swapper("inswapper", models_dir)


def _source(models_dir, cell: tuple[int, int], colour: tuple[int, int, int]) -> SourceFace:
    """A source from the tiny buffalo_l: it 'sees a face' on a white 32 px cell; the colour
    around it changes the embedding."""
    image = np.full((640, 640, 3), colour, np.uint8)
    image[cell[0] * 32:(cell[0] + 1) * 32, cell[1] * 32:(cell[1] + 1) * 32] = 255
    return prepare_source(load_analyser("insightface", models_dir=models_dir), image)


@pytest.fixture(scope="module")
def sources(models_dir) -> list[SourceFace]:
    return [_source(models_dir, (10, 10), (10, 10, 10)), _source(models_dir, (4, 12), (200, 40, 120))]


@pytest.fixture(scope="module")
def group() -> np.ndarray:
    return read_image(PHOTOS / "t1.jpg")


@pytest.fixture(scope="module")
def group_faces(group) -> list[Face]:
    # Targets need only the 5 keypoints, which the offline analyser gives too.
    return OfflineAnalyser().detect(group)


def _expected_colour(source: SourceFace) -> np.ndarray:
    latent = source.face.embedding @ EMAP
    return 255 * (latent / np.linalg.norm(latent)) @ TINT


def _centre_patch(image: np.ndarray, face: Face) -> np.ndarray:
    x, y = face.keypoints[2]  # nose tip: the middle of the aligned crop, where the mask is full
    return image[int(y) - 3:int(y) + 4, int(x) - 3:int(x) + 4].reshape(-1, 3).astype(float)


def test_it_loads_the_model_through_the_factory(swapper):
    assert isinstance(swapper, InSwapper) and isinstance(swapper, Swapper)
    assert swapper.name.startswith("inswapper_128@insightface")
    assert swapper.size == 128


def test_it_is_chosen_automatically_when_the_model_is_there(models_dir, tmp_path):
    assert isinstance(load_swapper("auto", models_dir), InSwapper)
    assert isinstance(load_swapper("auto", tmp_path), MeshSwapper)
    assert isinstance(load_swapper("auto"), MeshSwapper)
    assert isinstance(load_swapper("mesh", models_dir), MeshSwapper)


def test_it_names_the_missing_file_and_the_fetch_command(tmp_path):
    with pytest.raises(FileNotFoundError) as raised:
        load_swapper("inswapper", tmp_path)
    assert str(inswapper_path(tmp_path)) in str(raised.value)
    assert "fetch_models --only inswapper" in str(raised.value)


def test_it_refuses_a_model_that_is_not_an_inswapper(tmp_path):
    inswapper_path(tmp_path).parent.mkdir(parents=True)
    onnx.save(_pooled_linear("tiny_arcface", 112, 16, 512, seed=1), inswapper_path(tmp_path))
    with pytest.raises(SwapError, match="is not an inswapper model"):
        load_swapper("inswapper", tmp_path)


def test_it_refuses_an_unknown_swapper_name():
    with pytest.raises(ValueError, match="auto, mesh, inswapper"):
        load_swapper("magic")


def test_it_runs_on_the_providers_it_is_given(models_dir):
    swapper = load_swapper("inswapper", models_dir, providers=["CPUExecutionProvider"])
    assert swapper.session_providers() == ["CPUExecutionProvider"]


def test_sources_carry_an_identity_embedding(sources):
    first, second = (source.face.embedding for source in sources)
    assert first.shape == (512,) and abs(np.linalg.norm(first) - 1) < 1e-4
    assert not np.allclose(first, second)


def test_it_puts_the_models_face_where_the_target_face_is(swapper, sources, group, group_faces):
    face = group_faces[2]
    result = swapper.swap(sources[0], group, [face])

    shift = (_centre_patch(result, face) - _centre_patch(group, face)).mean(axis=0)
    expected = _expected_colour(sources[0])
    # The tiny model adds this colour to the crop; away from clipping it comes back where the face is, in RGB order.
    unclipped = (_centre_patch(group, face).mean(axis=0) + expected > 5) & (
        _centre_patch(group, face).mean(axis=0) + expected < 250)
    np.testing.assert_allclose(shift[unclipped], expected[unclipped], atol=3)


def test_it_leaves_pixels_away_from_the_faces_untouched(swapper, sources, group, group_faces):
    result = swapper.swap(sources[0], group, group_faces[:2])
    changed = np.any(result != group, axis=2)
    for face in group_faces[:2]:
        x1, y1, x2, y2 = face.box
        margin = 0.8 * (x2 - x1)  # the aligned crop reaches past the box, never this far
        changed[max(0, int(y1 - margin)):int(y2 + margin), max(0, int(x1 - margin)):int(x2 + margin)] = False
    assert not changed.any()
    for face in group_faces[2:]:
        np.testing.assert_array_equal(_centre_patch(result, face), _centre_patch(group, face))


def test_it_gives_each_face_its_own_source(swapper, sources, group, group_faces):
    faces = [group_faces[0], group_faces[3]]
    result = swapper.swap(sources, group, faces)
    first, second = (_expected_colour(source) for source in sources)
    assert np.abs(first - second).max() > 20  # the two identities give clearly different colours
    for source, face in zip(sources, faces):
        shift = (_centre_patch(result, face) - _centre_patch(group, face)).mean(axis=0)
        np.testing.assert_allclose(shift, _expected_colour(source), atol=3)


def test_it_explains_a_source_without_an_embedding(swapper, group, group_faces):
    offline = prepare_source(OfflineAnalyser(), group)
    with pytest.raises(SwapError, match="no identity embedding"):
        swapper.swap(offline, group, group_faces[:1])
