"""Every API file is labelled as synthetic: C2PA, IPTC XMP, and the watermark when large enough."""

import pytest

from faceapi.params import seed_for
from safeface import inference
from facekit.provenance import TRAINED_ALGORITHMIC_MEDIA, Kind, Verdict, read_provenance, watermark

pytestmark = pytest.mark.django_db


def report_of(data: bytes):
    return read_provenance(data, trust_anchors_pem=inference.signing_identity().trust_anchors_pem)


@pytest.mark.parametrize("fmt", ["webp", "png", "jpg"])
def test_a_face_carries_c2pa_xmp_and_a_watermark(fetch, fmt):
    seed = seed_for("hello")
    report = report_of(fetch(f"/api/face?value=hello&dim=300&format={fmt}").content)

    assert report.c2pa.verdict is Verdict.TRUSTED
    assert report.c2pa.digital_source_type == TRAINED_ALGORITHMIC_MEDIA
    assert report.c2pa.generation["kind"] == "face" and report.c2pa.generation["seed"] == str(seed)
    assert report.xmp.digital_source_type == TRAINED_ALGORITHMIC_MEDIA and report.xmp.seed == seed
    assert report.watermark.kind is Kind.FACE and report.watermark.object_id == seed & watermark.MAX_OBJECT_ID


def test_a_face_names_its_generator_and_the_generator_s_licence(fetch):
    from faceapi.api_engine import active_engine

    report = report_of(fetch("/api/face?value=hello&dim=64").content)

    assert report.c2pa.generation["models"] == [
        {"name": active_engine().name, "licence": "LicenseRef-NVIDIA-Source-Code-License-NC AND CC-BY-NC-SA-4.0",
         "commercial": False}]


def test_a_small_face_is_labelled_without_the_watermark_it_cannot_hold(fetch):
    report = report_of(fetch("/api/face?value=hello&dim=64").content)

    assert report.c2pa.verdict is Verdict.TRUSTED and report.xmp.digital_source_type == TRAINED_ALGORITHMIC_MEDIA
    assert report.watermark is None


def test_a_blend_says_what_it_mixed(fetch):
    report = report_of(fetch("/api/face?value0=a&amount0=1&value1=b&amount1=-1&dim=64").content)

    assert report.c2pa.generation["spec"] == {"blend": [[str(seed_for("a")), 1.0], [str(seed_for("b")), -1.0]]}


def test_check_an_image_names_the_face_api(fetch, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = fetch("/api/face?value=hello&dim=300&format=png").content
    response = client.post("/verify/", {"image": SimpleUploadedFile("face.png", data)})

    assert "Made by SafeFace" in response.content.decode()
    assert "the Face API: a face made from a value" in response.content.decode()
    assert "(private, or deleted)" not in response.content.decode()
