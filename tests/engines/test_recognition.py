"""The identity judges: dlib's ResNet and SFace, each calibrated on the photos that ship in
packages, the rule that a swapper is never judged by the recogniser it is driven by, and the
ArcFace backend on a tiny buffalo_l built here."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import onnx
import pytest

from facekit.engines.analysis import OfflineAnalyser, read_image
from facekit.engines.analysis.insightface_backend import pack_dir
from facekit.engines import active
from facekit.engines.recognition import load_judges, load_recogniser
from facekit.engines.recognition.arcface import ArcFaceRecogniser
from facekit.engines.recognition.dlib_resnet import DlibRecogniser
from facekit.engines.recognition.sface import SFaceRecogniser
from facekit.engines.swapping import inswapper_path, load_swapper

from .swapping_helpers import PHOTOS
from .test_analysis_insightface import _pooled_linear, tiny_scrfd
from .test_swapping_inswapper import tiny_inswapper


@pytest.fixture(scope="module")
def both():
    return load_judges("auto")


@pytest.fixture(scope="module")
def judge(both) -> DlibRecogniser:
    return both[0]


@pytest.fixture(params=["dlib", "sface"])
def each(request, both):
    """Each offline judge in turn."""
    return both[["dlib", "sface"].index(request.param)]


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


def test_the_offline_judges_are_dlib_and_sface_with_their_published_thresholds(both):
    dlib, sface = both
    assert isinstance(dlib, DlibRecogniser) and isinstance(sface, SFaceRecogniser)
    assert dlib.name == "dlib-resnet@1.0" and dlib.threshold == 0.6 and dlib.family == "dlib-resnet"
    # OpenCV's published cosine similarity 0.363 for SFace, as a distance.
    assert sface.name == "sface-2021dec-int8@1.0" and sface.threshold == pytest.approx(1 - 0.363)
    assert active.recogniser_kinds("auto") == ("dlib", "sface")


def test_the_six_people_of_the_group_photo_are_six_people_to_each_judge(each, group):
    image, faces = group
    assert len(faces) == 6
    vectors = each.embed_many(image, faces)
    assert all(vector is not None and vector.shape == (128,) for vector in vectors)
    distances = [each.distance(a, b) for a, b in itertools.combinations(vectors, 2)]
    assert min(distances) > each.threshold, sorted(distances)[:3]


def test_a_face_rescaled_and_jpeg_encoded_is_still_the_same_person_to_each_judge(each, analyser, group):
    image, faces = group
    copy = reencoded(image, 0.6, 70)
    again = analyser.detect(copy)
    assert len(again) == 6
    for before, after in zip(each.embed_many(image, faces), each.embed_many(copy, again)):
        assert each.distance(before, after) < each.threshold / 2


def test_sface_knows_a_face_mirrored_and_brightened(both, analyser, group):
    sface = both[1]
    image, faces = group
    changed = np.ascontiguousarray(cv2.convertScaleAbs(image[:, ::-1], alpha=1.15, beta=12))
    again = analyser.detect(changed)
    for face, vector in zip(faces, sface.embed_many(image, faces)):
        centre = image.shape[1] - (face.box[0] + face.box[2]) / 2
        mirrored = min(again, key=lambda other: abs((other.box[0] + other.box[2]) / 2 - centre))
        assert sface.distance(vector, sface.embed(changed, mirrored)) < sface.threshold / 2


def test_a_face_under_the_smallest_size_is_too_small_to_judge(each, analyser):
    judge = each
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
    with pytest.raises(ValueError, match="unknown recogniser 'dlib,face'"):
        load_judges("dlib,face")
    with pytest.raises(ValueError, match="unknown recogniser 'dlib,'"):
        active.recogniser_kinds("dlib,")


def test_a_setting_names_its_judges_in_order_each_once():
    assert active.recogniser_kinds("sface") == ("sface",)
    assert active.recogniser_kinds("sface, dlib") == ("sface", "dlib")
    assert active.recogniser_kinds("auto,dlib,arcface") == ("dlib", "sface", "arcface")


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


def test_a_swapper_driven_by_arcface_is_judged_by_dlib_instead(models_dir):
    inswapper = load_swapper("inswapper", models_dir)
    assert inswapper.driven_by == "arcface"
    assert [j.family for j in load_judges("arcface", models_dir, swapper=inswapper)] == ["dlib-resnet"]
    assert [j.family for j in load_judges("arcface,sface", models_dir, swapper=inswapper)] == ["dlib-resnet", "sface"]
    # dlib already judges: it is not counted twice.
    assert [j.family for j in load_judges("dlib,arcface", models_dir, swapper=inswapper)] == ["dlib-resnet"]
    # The mesh swappers are driven by no recogniser: any judge may judge them.
    assert [j.family for j in load_judges("arcface,dlib", models_dir, swapper=load_swapper("mesh"))] == [
        "arcface", "dlib-resnet"]
    assert [j.family for j in load_judges("auto", models_dir, swapper=inswapper)] == ["dlib-resnet", "sface"]


def test_the_network_on_onnxruntime_gives_dlib_s_own_descriptors(judge, group):
    """The same weights, read from the packaged file and run by onnxruntime: dlib's answer."""
    import dlib

    from facekit.engines.recognition.dlib_resnet import CHIP_PADDING, CHIP_SIZE, production_weights

    image, faces = group
    predictor, network = (str(path) for path in production_weights())
    predictor, network = dlib.shape_predictor(predictor), dlib.face_recognition_model_v1(network)
    for face, ours in zip(faces, judge.embed_many(image, faces)):
        x1, y1, x2, y2 = (int(round(value)) for value in face.box)
        chip = dlib.get_face_chip(image, predictor(image, dlib.rectangle(x1, y1, x2, y2)), size=CHIP_SIZE, padding=CHIP_PADDING)
        theirs = np.array(network.compute_face_descriptor(chip), np.float32)
        assert np.abs(ours - theirs).max() < 1e-4
