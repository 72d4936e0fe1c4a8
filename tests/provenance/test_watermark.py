import io
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from facekit.provenance import Kind, WatermarkError, WatermarkPayload, detect_watermark, embed_watermark, watermark
from facekit.provenance.watermark import pack_payload, unpack_payload

from .conftest import face_like

PAYLOAD = WatermarkPayload(Kind.AVATAR, 123456)
T1 = Path(__import__("insightface").__file__).parent / "data" / "images" / "t1.jpg"  # six people, 1280x886


def round_trip(rgb, fmt, **options):
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, fmt, **options)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))


def resized(rgb, factor, interpolation=None):
    height, width = rgb.shape[:2]
    interpolation = interpolation or (cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC)
    return cv2.resize(rgb, (round(width * factor), round(height * factor)), interpolation=interpolation)


def cropped(rgb, left=0.0, top=0.0, right=0.0, bottom=0.0):
    height, width = rgb.shape[:2]
    return rgb[round(height * top):height - round(height * bottom), round(width * left):width - round(width * right)]


def toned(rgb, brightness=1.0, contrast=1.0, gamma=1.0):
    x = np.clip(((np.arange(256) / 255 - 0.5) * contrast + 0.5) * brightness, 0, 1) ** gamma
    return cv2.LUT(np.ascontiguousarray(rgb), np.rint(x * 255).astype(np.uint8))


def screenshot(rgb):
    """Part of it (3-6 % off each edge) shown at 137 % (bilinear), a display's colour, JPEG 85."""
    part = resized(cropped(rgb, 0.04, 0.06, 0.03, 0.05), 1.37, cv2.INTER_LINEAR)
    return round_trip(toned(part, brightness=0.96, gamma=0.95), "JPEG", quality=85)


SHARING = {
    "resize to 50 %": lambda x: resized(x, 0.5),
    "resize to 150 %": lambda x: resized(x, 1.5),
    "crop 10 % off each side": lambda x: cropped(x, 0.1, 0.1, 0.1, 0.1),
    "crop 10 % off the left": lambda x: cropped(x, left=0.1),
    "crop 5 % off the top, 10 % off the right": lambda x: cropped(x, top=0.05, right=0.1),
    "JPEG quality 50": lambda x: round_trip(x, "JPEG", quality=50),
    "brightness +10 %": lambda x: toned(x, brightness=1.1),
    "contrast 0.9 and gamma 1.2": lambda x: toned(x, contrast=0.9, gamma=1.2),
    "screenshot": screenshot,
}


@pytest.fixture(scope="module")
def face_512():
    return face_like(512, seed=3)


@pytest.fixture(scope="module")
def marked_face(face_512):
    return embed_watermark(face_512, PAYLOAD)


@pytest.fixture(scope="module")
def group_photo():
    return np.asarray(Image.open(T1).convert("RGB"))


@pytest.fixture(scope="module")
def marked_photo(group_photo):
    return embed_watermark(group_photo, WatermarkPayload(Kind.SWAP, 7))


def psnr(a, b):
    return 10 * np.log10(255**2 / np.mean((a.astype(float) - b) ** 2))


def test_it_packs_and_unpacks_every_kind_and_the_largest_id():
    for kind in Kind:
        payload = WatermarkPayload(kind, 2**36 - 1)
        assert unpack_payload(pack_payload(payload)) == payload


def test_it_rejects_a_payload_with_any_single_bit_wrong():
    packed = pack_payload(PAYLOAD)
    assert all(unpack_payload(packed ^ (1 << bit)) is None for bit in range(64))


def test_it_refuses_ids_that_do_not_fit():
    with pytest.raises(WatermarkError, match="36 bits"):
        pack_payload(WatermarkPayload(Kind.SWAP, 2**36))


def test_it_reads_back_the_payload_after_a_png_round_trip(face_256):
    marked = embed_watermark(face_256, PAYLOAD)
    assert detect_watermark(round_trip(marked, "PNG")) == PAYLOAD


@pytest.mark.parametrize("sharing", SHARING)
def test_a_face_keeps_its_mark_through_what_sharing_does(marked_face, sharing):
    assert detect_watermark(SHARING[sharing](marked_face)) == PAYLOAD


@pytest.mark.parametrize("sharing", ["crop 10 % off each side", "crop 5 % off the top, 10 % off the right", "screenshot"])
def test_a_busy_photo_keeps_its_mark_through_crops_and_screenshots(marked_photo, sharing):
    assert detect_watermark(SHARING[sharing](marked_photo)) == WatermarkPayload(Kind.SWAP, 7)


def test_it_survives_a_crop_then_half_size_then_jpeg(marked_face):
    copy = round_trip(resized(cropped(marked_face, 0.08, 0.05, 0.02, 0.1), 0.5), "JPEG", quality=70)
    assert detect_watermark(copy) == PAYLOAD


def test_it_reads_non_square_photos():
    photo = np.concatenate([face_like(512, seed=5)] * 3, axis=1)  # 1536 x 512
    marked = embed_watermark(photo, WatermarkPayload(Kind.SWAP, 7))
    assert detect_watermark(round_trip(resized(marked, 0.6), "JPEG", quality=80)) == WatermarkPayload(Kind.SWAP, 7)


def test_a_picture_marked_for_another_object_reads_as_that_object(face_512):
    other = WatermarkPayload(Kind.SWAP, 987654)
    found = detect_watermark(round_trip(embed_watermark(face_512, other), "JPEG", quality=70))
    assert found == other and found != PAYLOAD


def test_it_changes_the_picture_only_invisibly(face_256, face_512, marked_face, group_photo, marked_photo):
    assert psnr(embed_watermark(face_256, PAYLOAD), face_256) > 40
    assert psnr(marked_face, face_512) > 40
    assert psnr(marked_photo, group_photo) > 38  # busy pictures hide more; the RMS cap holds it at 38 dB


def test_it_changes_luma_only(face_512, marked_face):
    change = marked_face.astype(int) - face_512
    unclipped = (marked_face > 0).all(axis=2) & (marked_face < 255).all(axis=2)
    assert (change[unclipped, 0] == change[unclipped, 1]).all() and (change[unclipped, 1] == change[unclipped, 2]).all()


def test_large_photos_are_marked_in_bands_with_the_same_result(monkeypatch, group_photo, marked_photo):
    monkeypatch.setattr(watermark, "BAND_PIXELS", 100_000)
    difference = np.abs(embed_watermark(group_photo, WatermarkPayload(Kind.SWAP, 7)).astype(int) - marked_photo)
    assert difference.max() <= 1 and difference.mean() < 1e-3  # ties may round the other way


@pytest.mark.parametrize("seed", range(4))
def test_it_finds_nothing_in_unmarked_images(seed):
    assert detect_watermark(face_like(256 + 128 * seed, seed=100 + seed)) is None


def test_it_finds_nothing_in_an_unmarked_photo_nor_its_shared_copies(group_photo):
    for copy in (group_photo, resized(group_photo, 0.5), cropped(group_photo, 0.1, 0.1, 0.1, 0.1), screenshot(group_photo)):
        assert detect_watermark(copy) is None


def test_it_finds_nothing_in_flat_or_noisy_images():
    rng = np.random.default_rng(0)
    for image in (
        np.zeros((256, 256, 3), np.uint8),
        np.full((256, 256, 3), 255, np.uint8),
        np.full((300, 400, 3), 128, np.uint8),
        rng.integers(0, 256, (256, 256, 3), dtype=np.uint8),
        rng.integers(0, 256, (640, 480, 3), dtype=np.uint8),
    ):
        assert detect_watermark(image) is None


def test_it_refuses_to_mark_images_below_256_by_256():
    with pytest.raises(WatermarkError, match="too small"):
        embed_watermark(face_like(200), PAYLOAD)
    assert detect_watermark(face_like(200)) is None


def test_reading_provenance_never_imports_torch(tmp_path, face_256):
    marked = tmp_path / "marked.png"
    Image.fromarray(embed_watermark(face_256, PAYLOAD)).save(marked)
    code = (
        "import sys; from pathlib import Path;"
        "from facekit.provenance import read_provenance;"
        f"report = read_provenance(Path({str(marked)!r}).read_bytes());"
        "print(report.watermark.object_id, 'torch' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, cwd=root, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["123456", "False"]
