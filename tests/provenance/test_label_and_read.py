import io

import numpy as np
import pytest
from PIL import Image

from facekit.provenance import (
    COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
    TRAINED_ALGORITHMIC_MEDIA,
    GenerationFacts,
    Kind,
    LabellingError,
    Verdict,
    WatermarkPayload,
    label_image,
    read_provenance,
)

from .conftest import face_like
from .tampering import flip_jpeg_scan_byte, repaint_png_pixel


@pytest.fixture(scope="module")
def labelled_png(identity, face_256):
    facts = GenerationFacts(Kind.AVATAR, 42, "dcgan@1.1.1", seed=2**64 - 1, spec={"age": "adult", "smile": 0.7},
                            models=[{"name": "dcgan@1.1.1", "licence": "MIT", "commercial": True},
                                    {"name": "blazeface-facemesh@1", "licence": "Apache-2.0", "commercial": True}])
    return label_image(face_256, mime="image/png", facts=facts, identity=identity)


def encoded(rgb, fmt, **options):
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, fmt, **options)
    return buffer.getvalue()


def test_it_labels_a_png_that_validates_as_trusted_with_our_anchor(labelled_png, identity):
    report = read_provenance(labelled_png, trust_anchors_pem=identity.trust_anchors_pem)
    assert report.mime == "image/png"
    assert report.c2pa.verdict is Verdict.TRUSTED
    assert report.c2pa.actions == ("c2pa.created",)
    assert report.c2pa.digital_source_type == TRAINED_ALGORITHMIC_MEDIA
    assert report.c2pa.signer_common_name == "SafeFace development signer"
    assert report.trusted_safeface_id == "avatar:42"


def test_it_round_trips_the_generation_facts_through_the_manifest(labelled_png, identity):
    generation = read_provenance(labelled_png, trust_anchors_pem=identity.trust_anchors_pem).c2pa.generation
    assert generation == {
        "safeface_id": "avatar:42",
        "kind": "avatar",
        "object_id": 42,
        "engine": "dcgan@1.1.1",
        "seed": str(2**64 - 1),
        "spec": {"age": "adult", "smile": 0.7},
        "models": [{"name": "dcgan@1.1.1", "licence": "MIT", "commercial": True},
                   {"name": "blazeface-facemesh@1", "licence": "Apache-2.0", "commercial": True}],
    }


@pytest.mark.parametrize("model", [{"name": "dcgan@1"}, {"name": "dcgan@1", "licence": "MIT", "commercial": "yes"}])
def test_a_model_without_its_licence_is_refused(model):
    with pytest.raises(LabellingError, match="licence"):
        GenerationFacts(Kind.AVATAR, 1, "dcgan@1", models=[model])


def test_it_embeds_xmp_that_survives_signing(labelled_png):
    xmp = read_provenance(labelled_png).xmp
    assert xmp.digital_source_type == TRAINED_ALGORITHMIC_MEDIA
    assert (xmp.safeface_id, xmp.engine, xmp.seed) == ("avatar:42", "dcgan@1.1.1", 2**64 - 1)
    assert xmp.spec == {"age": "adult", "smile": 0.7}


def test_it_embeds_a_watermark_carrying_the_avatar_id(labelled_png):
    assert read_provenance(labelled_png).watermark == WatermarkPayload(Kind.AVATAR, 42)


def test_it_calls_our_own_files_untrusted_without_our_anchor(labelled_png):
    report = read_provenance(labelled_png)
    assert report.c2pa.verdict is Verdict.VALID_UNTRUSTED
    assert report.c2pa.failure_codes == ("signingCredential.untrusted",)
    assert report.trusted_safeface_id is None


def test_it_calls_a_file_whose_pixels_changed_after_signing_invalid(labelled_png, identity):
    tampered = repaint_png_pixel(labelled_png)
    Image.open(io.BytesIO(tampered)).load()  # still a well-formed PNG
    report = read_provenance(tampered, trust_anchors_pem=identity.trust_anchors_pem)
    assert report.c2pa.verdict is Verdict.INVALID
    assert "assertion.dataHash.mismatch" in report.c2pa.failure_codes
    assert report.trusted_safeface_id is None


def test_it_reports_nothing_for_a_plain_image():
    for fmt in ("PNG", "JPEG", "WEBP"):
        report = read_provenance(encoded(face_like(256, seed=9), fmt))
        assert report.mime is not None and report.is_empty


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"garbage" * 100,
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        b"\xff\xd8\xff" + b"c2pa" * 50,
        b"RIFF\x00\x00\x00\x00WEBPVP8 ",
    ],
)
def test_it_reports_nothing_for_garbage(data):
    report = read_provenance(data)
    assert report.xmp is None and report.watermark is None
    assert report.c2pa is None or report.c2pa.verdict is Verdict.INVALID  # never "valid"


def test_it_survives_a_truncated_labelled_file(labelled_png, identity):
    report = read_provenance(labelled_png[: len(labelled_png) // 2], trust_anchors_pem=identity.trust_anchors_pem)
    assert report.c2pa is None or report.c2pa.verdict is Verdict.INVALID


def test_it_ignores_xmp_that_declares_entities(face_256):
    from PIL import PngImagePlugin

    evil = '<!DOCTYPE x [<!ENTITY a "aaaaaaaa">]><x:xmpmeta xmlns:x="adobe:ns:meta/">&a;</x:xmpmeta>'
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", evil)
    buffer = io.BytesIO()
    Image.fromarray(face_256).save(buffer, "PNG", pnginfo=info)
    assert read_provenance(buffer.getvalue()).xmp is None


def test_it_labels_and_reads_back_a_jpeg(identity, face_256, avatar_facts):
    labelled = label_image(face_256, mime="image/jpeg", facts=avatar_facts, identity=identity)
    report = read_provenance(labelled, trust_anchors_pem=identity.trust_anchors_pem)
    assert report.mime == "image/jpeg"
    assert report.c2pa.verdict is Verdict.TRUSTED
    assert report.xmp.digital_source_type == TRAINED_ALGORITHMIC_MEDIA
    assert report.watermark == WatermarkPayload(Kind.AVATAR, 42)
    tampered = read_provenance(flip_jpeg_scan_byte(labelled), trust_anchors_pem=identity.trust_anchors_pem)
    assert tampered.c2pa.verdict is Verdict.INVALID


def test_it_labels_and_reads_back_a_webp(identity, face_256, avatar_facts):
    labelled = label_image(face_256, mime="image/webp", facts=avatar_facts, identity=identity)
    report = read_provenance(labelled, trust_anchors_pem=identity.trust_anchors_pem)
    assert (report.mime, report.c2pa.verdict) == ("image/webp", Verdict.TRUSTED)
    assert report.xmp.safeface_id == "avatar:42"
    assert report.watermark == WatermarkPayload(Kind.AVATAR, 42)


def test_it_labels_a_swap_as_an_edit_of_its_target(identity):
    target = encoded(face_like(320, seed=3), "JPEG", quality=90)
    result = face_like(320, seed=4)
    facts = GenerationFacts(Kind.SWAP, 7, "meshwarp@1.0", spec={"faces": [0, 2], "avatars": {"0": 42, "2": 43}})
    labelled = label_image(result, mime="image/jpeg", facts=facts, identity=identity, parent=target)
    report = read_provenance(labelled, trust_anchors_pem=identity.trust_anchors_pem)
    assert report.c2pa.verdict is Verdict.TRUSTED
    assert report.c2pa.actions == ("c2pa.opened", "c2pa.edited")
    assert report.c2pa.digital_source_type == COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
    assert report.c2pa.ingredients == ("source.jpg",)
    assert report.xmp.digital_source_type == COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
    assert report.watermark == WatermarkPayload(Kind.SWAP, 7)


def test_it_labels_a_swap_without_its_target_as_created(identity, face_256):
    facts = GenerationFacts(Kind.SWAP, 8, "meshwarp@1.0")
    report = read_provenance(
        label_image(face_256, mime="image/png", facts=facts, identity=identity),
        trust_anchors_pem=identity.trust_anchors_pem,
    )
    assert report.c2pa.actions == ("c2pa.created",)
    assert report.c2pa.digital_source_type == COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA


def test_it_labels_encoded_bytes_and_paths_too(identity, avatar_facts, tmp_path, face_256):
    path = tmp_path / "avatar.png"
    path.write_bytes(encoded(face_256, "PNG"))
    for source in (path, str(path), path.read_bytes()):
        report = read_provenance(
            label_image(source, mime="image/png", facts=avatar_facts, identity=identity),
            trust_anchors_pem=identity.trust_anchors_pem,
        )
        assert report.c2pa.verdict is Verdict.TRUSTED and report.watermark is not None


def test_it_labels_small_images_without_a_watermark_unless_asked(identity, avatar_facts):
    small = face_like(64)
    report = read_provenance(
        label_image(small, mime="image/png", facts=avatar_facts, identity=identity),
        trust_anchors_pem=identity.trust_anchors_pem,
    )
    assert report.c2pa.verdict is Verdict.TRUSTED and report.watermark is None
    from facekit.provenance import WatermarkError

    with pytest.raises(WatermarkError):
        label_image(small, mime="image/png", facts=avatar_facts, identity=identity, add_watermark=True)


@pytest.mark.parametrize(
    "source, mime, message",
    [
        (np.zeros((64, 64), np.uint8), "image/png", "HxWx3 uint8"),
        (np.zeros((64, 64, 3), np.float32), "image/png", "HxWx3 uint8"),
        (b"not an image", "image/png", "cannot decode"),
        (np.zeros((64, 64, 3), np.uint8), "image/gif", "cannot label 'image/gif'"),
    ],
)
def test_it_explains_what_it_cannot_label(identity, avatar_facts, source, mime, message):
    with pytest.raises(LabellingError, match=message):
        label_image(source, mime=mime, facts=avatar_facts, identity=identity)


def test_it_refuses_facts_it_could_not_write():
    with pytest.raises(LabellingError, match="JSON"):
        GenerationFacts(Kind.AVATAR, 1, "dcgan@1", spec={"bad": object()})
    with pytest.raises(LabellingError, match="64-bit"):
        GenerationFacts(Kind.AVATAR, 1, "dcgan@1", seed=2**64)
