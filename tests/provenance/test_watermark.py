import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from safeface.provenance import Kind, WatermarkError, WatermarkPayload, detect_watermark, embed_watermark
from safeface.provenance.watermark import pack_payload, unpack_payload

from .conftest import face_like

PAYLOAD = WatermarkPayload(Kind.AVATAR, 123456)


def round_trip(rgb, fmt, **options):
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, fmt, **options)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))


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


def test_it_survives_jpeg_quality_90(face_256):
    marked = embed_watermark(face_256, PAYLOAD)
    assert detect_watermark(round_trip(marked, "JPEG", quality=90)) == PAYLOAD


def test_it_reads_non_square_photos_through_the_top_band():
    photo = np.concatenate([face_like(512, seed=5)] * 3, axis=1)  # 1536 x 512
    marked = embed_watermark(photo, WatermarkPayload(Kind.SWAP, 7))
    assert detect_watermark(round_trip(marked, "JPEG", quality=90)) == WatermarkPayload(Kind.SWAP, 7)


def test_it_changes_the_picture_only_invisibly(face_256):
    marked = embed_watermark(face_256, PAYLOAD)
    mse = np.mean((marked.astype(float) - face_256) ** 2)
    assert 10 * np.log10(255**2 / mse) > 35  # PSNR in dB


@pytest.mark.parametrize("seed", range(4))
def test_it_finds_nothing_in_unmarked_images(seed):
    assert detect_watermark(face_like(256, seed=100 + seed)) is None


def test_it_finds_nothing_in_flat_or_noisy_images():
    rng = np.random.default_rng(0)
    for image in (
        np.zeros((256, 256, 3), np.uint8),
        np.full((256, 256, 3), 255, np.uint8),
        np.full((300, 400, 3), 128, np.uint8),
        rng.integers(0, 256, (256, 256, 3), dtype=np.uint8),
    ):
        assert detect_watermark(image) is None


def test_it_refuses_to_mark_images_below_256_by_256():
    with pytest.raises(WatermarkError, match="too small"):
        embed_watermark(face_like(200), PAYLOAD)
    assert detect_watermark(face_like(200)) is None


def test_invisible_watermarks_own_decoder_reads_our_mark(face_256):
    from imwatermark import WatermarkDecoder  # imports torch; fine in tests, never in the web

    marked = embed_watermark(face_256, PAYLOAD)
    bits = WatermarkDecoder("bits", 64).decode(np.ascontiguousarray(marked[:, :, ::-1]), "dwtDctSvd")
    value = int("".join(str(int(b)) for b in bits), 2)
    assert unpack_payload(value) == PAYLOAD


def test_reading_provenance_never_imports_torch(tmp_path, face_256):
    marked = tmp_path / "marked.png"
    Image.fromarray(embed_watermark(face_256, PAYLOAD)).save(marked)
    code = (
        "import sys; from pathlib import Path;"
        "from safeface.provenance import read_provenance;"
        f"report = read_provenance(Path({str(marked)!r}).read_bytes());"
        "print(report.watermark.object_id, 'torch' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, cwd=root, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["123456", "False"]
