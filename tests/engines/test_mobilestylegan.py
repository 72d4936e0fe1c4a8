"""The offline photoreal generator, MobileStyleGAN from the random-face wheel, on its real weights:
determinism, one sure face per seed, attributes moved along the learned directions, morphs
and blends in style space, and the ONNX graph it runs on CUDA agreeing with OpenVINO."""

from __future__ import annotations

import numpy as np
import pytest

from facekit.engines.analysis import load_analyser
from facekit.engines.errors import Cancelled
from facekit.engines.generation import styles
from facekit.engines.generation.runtime import load_network
from facekit.engines.generation.stylegan import MobileStyleGanGenerator, weight_files
from facekit.engines.measure import measure
from facekit.engines.registry import load_generator
from facekit.engines.types import Generator

SIZE = 256  # drawn at 1024 px, measured smaller: the analyser works at any size


@pytest.fixture(scope="module")
def stylegan():
    return MobileStyleGanGenerator(threads=2)


@pytest.fixture(scope="module")
def analyser():
    return load_analyser("offline")


def readings(stylegan, analyser, spec, seeds, field):
    values = []
    for image in stylegan.generate(spec, seeds, SIZE):
        faces = analyser.detect(image)
        assert len(faces) == 1
        values.append(getattr(measure(image, faces[0]), field))
    return np.array(values)


def test_it_reports_a_stable_name_and_follows_the_generator_interface(stylegan):
    assert stylegan.name == "mobilestylegan-ffhq@2021.7.21.1+styles1"
    assert isinstance(stylegan, Generator)
    assert stylegan.native_size == 1024 and not stylegan.draws_anything


def test_auto_means_it_when_no_diffusion_model_is_here(tmp_path):
    assert load_generator("auto", tmp_path, threads=1).name.startswith("mobilestylegan-ffhq@")


def test_it_draws_the_same_pixels_for_the_same_seed_and_other_faces_for_other_seeds(stylegan):
    first = stylegan.generate({}, [2**64 - 1, 7], 128)
    again = MobileStyleGanGenerator(threads=1).generate({}, [2**64 - 1, 7], 128)

    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert np.abs(first[0].astype(int) - first[1]).mean() > 10


def test_it_draws_1024_px_by_default_and_any_size_asked(stylegan):
    (native,) = stylegan.generate({}, [3])
    (small,) = stylegan.generate({}, [3], 100)

    assert native.shape == (1024, 1024, 3) and native.dtype == np.uint8
    assert small.shape == (100, 100, 3)


def test_each_seed_shows_one_sure_face(stylegan, analyser):
    for image in stylegan.generate({}, [1, 2, 3, 4, 5, 6], SIZE):
        faces = analyser.detect(image)
        assert len(faces) == 1 and faces[0].score > 0.8


def test_the_directions_move_the_smile_the_head_and_the_light_the_way_asked(stylegan, analyser):
    seeds = [21, 22, 23]
    bright = readings(stylegan, analyser, {"lighting": "bright"}, seeds, "brightness")
    dark = readings(stylegan, analyser, {"lighting": "dark"}, seeds, "brightness")
    assert (bright > dark + 5).all()

    smiling = readings(stylegan, analyser, {"expression": "broad_smile"}, seeds, "smile")
    serious = readings(stylegan, analyser, {"expression": "serious"}, seeds, "smile")
    assert (smiling > serious).all()

    left = readings(stylegan, analyser, {"head_pose": "left"}, seeds, "yaw")
    right = readings(stylegan, analyser, {"head_pose": "right"}, seeds, "yaw")
    assert (right > left + 0.2).all()


def test_it_says_which_attributes_it_follows():
    followed = styles.followed_values()

    assert {"expression", "head_pose", "lighting"} <= set(followed)
    assert "age" not in followed and "gender" not in followed and "glasses" not in followed
    assert "skin_tone" not in followed  # the offline measure does not read these photos as a person sees them
    # Values its own faces never read as (on the offline measures) are not claimed.
    assert "brown" in followed["hair_colour"] and "blue" not in followed["hair_colour"]


def test_unfollowed_attributes_leave_the_face_as_the_seed_draws_it(stylegan):
    assert np.array_equal(stylegan.generate({"glasses": "round", "age": "senior"}, [9], 64)[0],
                          stylegan.generate({}, [9], 64)[0])


def test_a_morphs_frames_are_all_faces_from_one_end_to_the_other(stylegan, analyser):
    frames = stylegan.interpolate(31, 32, 4, size=SIZE)

    assert np.array_equal(frames[0], stylegan.generate({}, [31], SIZE)[0])
    assert np.array_equal(frames[-1], stylegan.generate({}, [32], SIZE)[0])
    for frame in frames:
        assert len(analyser.detect(frame)) == 1


def test_a_blend_of_one_face_is_that_face_and_a_mix_lies_between(stylegan):
    alone = stylegan.blend([41], [1.0], size=64)
    assert np.array_equal(alone, stylegan.generate({}, [41], 64)[0])

    a, b = stylegan.styles({}, [41, 42])
    mixed = stylegan.space.blend(np.stack([a, b]), [1.0, 1.0])
    assert np.linalg.norm(mixed - a) < np.linalg.norm(b - a) and np.linalg.norm(mixed - b) < np.linalg.norm(b - a)
    with pytest.raises(ValueError):
        stylegan.blend([41, 42], [1.0])


def test_it_stops_when_cancelled(stylegan):
    with pytest.raises(Cancelled):
        stylegan.generate({}, [1, 2], 64, cancel=lambda: True)


def test_the_onnx_graph_it_runs_on_cuda_draws_the_face_openvino_draws():
    mapping_file, synthesis_file = weight_files()
    style = load_network(mapping_file, runtime="openvino")(np.ones((1, 512), np.float32))
    openvino = load_network(synthesis_file, runtime="openvino", threads=2)(style)
    onnx = load_network(synthesis_file, runtime="onnxruntime", threads=2)

    assert np.abs(onnx(style) - openvino).max() < 2e-3
    assert np.abs(onnx(np.concatenate([style, style]))[1] - openvino[0]).max() < 2e-3  # any batch size
