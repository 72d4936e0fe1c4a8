"""The identity judge: dlib's ResNet calibrated on the photos that ship in packages, the rule
that a swapper is never judged by the recogniser it is driven by, and the ArcFace backend on a
tiny buffalo_l built here."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import onnx
import pytest

from safeface.engines.analysis import OfflineAnalyser, read_image
from safeface.engines.analysis.insightface_backend import pack_dir
from safeface.engines.recognition import judge_for, load_recogniser
from safeface.engines.recognition.arcface import ArcFaceRecogniser
from safeface.engines.recognition.dlib_resnet import DlibRecogniser
from safeface.engines.swapping import inswapper_path, load_swapper

from .swapping_helpers import PHOTOS
from .test_analysis_insightface import _pooled_linear, tiny_scrfd
from .test_swapping_inswapper import tiny_inswapper


@pytest.fixture(scope="module")
def judge() -> DlibRecogniser:
    return load_recogniser("auto")


@pytest.fixture(scope="module")
def analyser() -> OfflineAnalyser:
    return OfflineAnalyser()


@pytest.fixture(scope="module")
def group(analyser):
    image = read_image(PHOTOS / "t1.jpg")
    return image, analyser.detect(image)


def reencoded(image: np.ndarray, scale: float, quality: int) -> np.ndarray:
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    _, data = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def test_the_offline_judge_is_dlib_with_its_published_threshold(judge):
    assert isinstance(judge, DlibRecogniser)
    assert judge.name == "dlib-resnet@1.0" and judge.threshold == 0.6 and judge.family == "dlib-resnet"


def test_the_six_people_of_the_group_photo_are_six_people_to_the_judge(judge, group):
    image, faces = group
    assert len(faces) == 6
    vectors = judge.embed_many(image, faces)
    assert all(vector is not None and vector.shape == (128,) for vector in vectors)
    distances = [judge.distance(a, b) for a, b in itertools.combinations(vectors, 2)]
    assert min(distances) > judge.threshold, sorted(distances)[:3]


def test_a_face_rescaled_and_jpeg_encoded_is_still_the_same_person(judge, analyser, group):
    image, faces = group
    copy = reencoded(image, 0.6, 70)
    again = analyser.detect(copy)
    assert len(again) == 6
    for before, after in zip(judge.embed_many(image, faces), judge.embed_many(copy, again)):
        assert judge.distance(before, after) < judge.threshold / 2


def test_a_face_under_the_smallest_size_is_too_small_to_judge(judge, analyser):
    portrait = read_image(PHOTOS / "Tom_Hanks_54745.png")
    (face,) = analyser.detect(portrait)
    scale = (judge.min_face - 8) / face.height
    small = cv2.copyMakeBorder(cv2.resize(portrait, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA),
                               60, 60, 60, 60, cv2.BORDER_CONSTANT, value=(128, 128, 128))
    (tiny,) = analyser.detect(small)
    assert tiny.height < judge.min_face
    assert judge.embed(small, tiny) is None
    assert judge.embed(portrait, face) is not None


def test_an_unknown_recogniser_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown recogniser 'face'"):
        load_recogniser("face")


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    """A tiny buffalo_l (its ArcFace graph takes 112 px crops) and a tiny inswapper."""
    root = tmp_path_factory.mktemp("models")
    pack = pack_dir(root)
    pack.mkdir(parents=True)
    onnx.save(tiny_scrfd(), pack / "det_10g.onnx")
    onnx.save(_pooled_linear("tiny_arcface", 112, 16, 512, seed=1), pack / "w600k_r50.onnx")
    inswapper_path(root).parent.mkdir(parents=True, exist_ok=True)
    onnx.save(tiny_inswapper(), inswapper_path(root))
    return root


def test_arcface_embeds_faces_through_insightface_s_own_alignment(models_dir, group):
    arcface = load_recogniser("arcface", models_dir)
    assert isinstance(arcface, ArcFaceRecogniser) and arcface.family == "arcface"
    image, faces = group
    first, second = arcface.embed_many(image, faces[:2])
    assert first.shape == (512,) and abs(np.linalg.norm(first) - 1) < 1e-5
    assert arcface.distance(first, first) < 1e-5
    assert arcface.distance(first, arcface.embed(image, faces[0])) < 1e-5


def test_arcface_needs_its_pack(tmp_path):
    with pytest.raises(FileNotFoundError, match="fetch_models --only buffalo_l"):
        load_recogniser("arcface", tmp_path)


def test_a_swapper_driven_by_arcface_is_judged_by_dlib_instead(models_dir, judge):
    arcface = load_recogniser("arcface", models_dir)
    inswapper = load_swapper("inswapper", models_dir)
    assert inswapper.driven_by == "arcface"
    assert isinstance(judge_for(arcface, inswapper), DlibRecogniser)
    # The mesh swappers are driven by no recogniser: either judge may judge them.
    assert judge_for(arcface, load_swapper("mesh")) is arcface
    assert judge_for(judge, inswapper) is judge


def test_the_network_on_onnxruntime_gives_dlib_s_own_descriptors(judge, group):
    """The same weights, read from the packaged file and run by onnxruntime: dlib's answer."""
    import dlib

    from safeface.engines.recognition.dlib_resnet import CHIP_PADDING, CHIP_SIZE, model_files

    image, faces = group
    predictor, network = (str(path) for path in model_files())
    predictor, network = dlib.shape_predictor(predictor), dlib.face_recognition_model_v1(network)
    for face, ours in zip(faces, judge.embed_many(image, faces)):
        x1, y1, x2, y2 = (int(round(value)) for value in face.box)
        chip = dlib.get_face_chip(image, predictor(image, dlib.rectangle(x1, y1, x2, y2)), size=CHIP_SIZE, padding=CHIP_PADDING)
        theirs = np.array(network.compute_face_descriptor(chip), np.float32)
        assert np.abs(ours - theirs).max() < 1e-4
