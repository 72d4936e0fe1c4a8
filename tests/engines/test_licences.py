"""The licence table, and the policy every "auto" keeps to (engines.active)."""

from __future__ import annotations

import pytest

from facekit.engines import active
from facekit.engines.licences import LICENCES, LicenceRefused, allowed, licence_for, require

PRODUCTION_FILES = ("insightface/buffalo_l/det_10g.onnx", "insightface/buffalo_l/w600k_r50.onnx",
                    "insightface/inswapper_128.onnx")


def fill(models_dir, *names):
    for name in names:
        (models_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (models_dir / name).write_bytes(b"{}")
    return models_dir


@pytest.fixture
def production(tmp_path):
    """A models folder as fetch_models leaves it (buffalo_l, inswapper, Mobius); empty files will do,
    as "auto" decides from their presence alone."""
    return fill(tmp_path, *PRODUCTION_FILES, "diffusion/Corcelio--mobius/model_index.json")


def test_every_name_a_setting_takes_has_a_licence():
    names = {"generator": active.GENERATOR_NAMES, "analyser": active.ANALYSER_NAMES,
             "swapper": active.SWAPPER_NAMES, "recogniser": active.RECOGNISER_NAMES, "screener": active.SCREENER_NAMES}
    for role, kinds in names.items():
        for kind in set(kinds) - {"auto", "off"}:
            licence = licence_for(role, kind)
            assert licence.spdx and licence.source and licence.model, (role, kind)


def test_the_table_says_what_each_model_may_be_used_for():
    commercial = {key for key, licence in LICENCES.items() if licence.commercial}
    assert commercial == {("generator", "dcgan"), ("analyser", "offline"), ("swapper", "mesh"), ("swapper", "mesh-1.2"),
                          ("recogniser", "dlib"), ("recogniser", "sface"), ("screener", "nudenet")}
    assert licence_for("generator", "dcgan").spdx == "MIT"
    assert licence_for("recogniser", "dlib").spdx == "CC0-1.0 AND BSL-1.0"
    assert licence_for("recogniser", "sface").spdx == "Apache-2.0"
    assert licence_for("screener", "nudenet").spdx == "AGPL-3.0-only" and "AGPL" in licence_for("screener", "nudenet").note
    assert "CC-BY-NC-SA-4.0" in licence_for("generator", "mobilestylegan").spdx


def test_only_the_default_diffusers_model_is_vouched_for():
    assert (licence_for("generator", "diffusers", "Corcelio/mobius").spdx, licence_for("generator", "diffusers").commercial) == ("Apache-2.0", True)
    for model in ("someone/model", "/srv/models/mobius"):
        unknown = licence_for("generator", "diffusers", model)
        assert (unknown.spdx, unknown.commercial) == ("NOASSERTION", False) and model in unknown.model


def test_a_screener_model_of_ones_own_is_not_vouched_for():
    assert licence_for("screener", "nudenet", "/srv/detector.onnx").spdx == "NOASSERTION"


def test_the_any_policy_allows_every_model_and_commercial_only_those_that_say_so():
    assert all(allowed(licence, "any") for licence in LICENCES.values())
    assert not allowed(licence_for("analyser", "insightface"), "commercial")
    assert allowed(licence_for("analyser", "offline"), "commercial")
    with pytest.raises(ValueError, match="unknown licence policy"):
        allowed(licence_for("analyser", "offline"), "free")


def test_auto_means_the_production_backends_under_any(production):
    assert active.generator_kind("auto", "Corcelio/mobius", production, "any") == "diffusers"
    assert active.analyser_kind("auto", production, "any") == "insightface"
    assert active.swapper_kind("auto", production, "any") == "inswapper"


def test_auto_passes_over_non_commercial_models_under_commercial(production, tmp_path_factory):
    assert active.generator_kind("auto", "Corcelio/mobius", production, "commercial") == "diffusers"  # Apache-2.0
    assert active.analyser_kind("auto", production, "commercial") == "offline"
    assert active.swapper_kind("auto", production, "commercial") == "mesh"
    empty = tmp_path_factory.mktemp("empty")
    assert active.generator_kind("auto", "Corcelio/mobius", empty, "any") == "mobilestylegan"
    assert active.generator_kind("auto", "Corcelio/mobius", empty, "commercial") == "dcgan"


def test_a_diffusers_model_nobody_vouches_for_is_not_what_auto_picks_under_commercial(tmp_path):
    fill(tmp_path, "diffusion/someone--model/model_index.json")
    assert active.generator_kind("auto", "someone/model", tmp_path, "any") == "diffusers"
    assert active.generator_kind("auto", "someone/model", tmp_path, "commercial") == "dcgan"


@pytest.mark.parametrize("resolve, named", [
    (lambda: active.generator_kind("mobilestylegan", "Corcelio/mobius", None, "commercial"), "MobileStyleGAN"),
    (lambda: active.generator_kind("diffusers", "someone/model", None, "commercial"), "someone/model"),
    (lambda: active.analyser_kind("insightface", None, "commercial"), "buffalo_l"),
    (lambda: active.swapper_kind("inswapper", None, "commercial"), "inswapper_128"),
])
def test_a_non_commercial_model_asked_for_by_name_is_refused_under_commercial(resolve, named):
    with pytest.raises(LicenceRefused) as refused:
        resolve()
    assert named in str(refused.value) and "'commercial'" in str(refused.value)


def test_a_refusal_names_the_licence():
    with pytest.raises(LicenceRefused, match="LicenseRef-insightface-non-commercial-research"):
        require("recogniser", "arcface", "commercial")
    assert require("recogniser", "arcface", "any").commercial is False


def test_the_loaders_keep_to_the_policy(tmp_path):
    from facekit.engines.analysis import load_analyser
    from facekit.engines.registry import load_generator
    from facekit.engines.swapping import load_swapper

    fill(tmp_path, *PRODUCTION_FILES)
    assert load_swapper("auto", tmp_path, policy="commercial").name.startswith("mesh@")
    assert load_analyser("auto", tmp_path, policy="commercial").name.startswith("blazeface-facemesh@")
    with pytest.raises(LicenceRefused, match="MobileStyleGAN"):
        load_generator("mobilestylegan", tmp_path, policy="commercial")


def test_each_backend_class_exposes_its_licence():
    from facekit.engines.analysis.insightface_backend import InsightFaceAnalyser
    from facekit.engines.analysis.offline import OfflineAnalyser
    from facekit.engines.generation.dcgan import DcganGenerator
    from facekit.engines.generation.stylegan import MobileStyleGanGenerator
    from facekit.engines.recognition.arcface import ArcFaceRecogniser
    from facekit.engines.recognition.dlib_resnet import DlibRecogniser
    from facekit.engines.recognition.sface import SFaceRecogniser
    from facekit.engines.swapping.inswapper import InSwapper
    from facekit.engines.swapping.mesh import IdentityMeshSwapper, MeshSwapper

    assert {cls: cls.licence for cls in (DcganGenerator, MobileStyleGanGenerator, OfflineAnalyser, InsightFaceAnalyser,
                                        MeshSwapper, IdentityMeshSwapper, InSwapper, DlibRecogniser, SFaceRecogniser,
                                        ArcFaceRecogniser)} == {
        DcganGenerator: LICENCES["generator", "dcgan"], MobileStyleGanGenerator: LICENCES["generator", "mobilestylegan"],
        OfflineAnalyser: LICENCES["analyser", "offline"], InsightFaceAnalyser: LICENCES["analyser", "insightface"],
        MeshSwapper: LICENCES["swapper", "mesh-1.2"], IdentityMeshSwapper: LICENCES["swapper", "mesh"],
        InSwapper: LICENCES["swapper", "inswapper"], DlibRecogniser: LICENCES["recogniser", "dlib"],
        SFaceRecogniser: LICENCES["recogniser", "sface"], ArcFaceRecogniser: LICENCES["recogniser", "arcface"],
    }


def test_a_screener_and_a_diffusers_generator_know_their_licence_once_built(tmp_path):
    from facekit.engines.screening import load_screener
    from tests.engines.tiny_diffusion import build_tiny_sd

    from facekit.engines.generation.diffusion import DiffusersGenerator

    assert load_screener("auto").licence == LICENCES["screener", "nudenet"]
    tiny = DiffusersGenerator(model=str(build_tiny_sd(tmp_path / "tiny")), steps=1, size=64)
    assert tiny.licence.spdx == "NOASSERTION"  # a folder of its own: nobody vouches for it


def test_an_engine_that_declares_no_licence_is_named_as_one_nobody_vouches_for():
    from facekit.engines.generation.dcgan import DcganGenerator
    from facekit.engines.licences import model_entry

    class Undeclared:
        name = "stand-in@0"

    assert model_entry(Undeclared()) == {"name": "stand-in@0", "licence": "NOASSERTION", "commercial": False}
    assert model_entry(DcganGenerator(None)) == {"name": DcganGenerator(None).name, "licence": "MIT", "commercial": True}
