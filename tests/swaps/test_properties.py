"""Property tests: random and mutated bytes (from valid JPEG, PNG and MP4 seeds) thrown at
the upload validators and the upload view never cause a 500 and never leave a file or row."""

import tempfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from swaps.models import Target
from swaps.uploads import UploadRefused, check_upload
from tests.swaps import samples

pytestmark = pytest.mark.django_db

SEEDS = {"jpeg": samples.jpeg(96, 64), "png": samples.png(48, 32)}
CLIP = samples.clip(Path(tempfile.mkdtemp()) / "seed.mp4", seconds=0.3, fps=10, width=64, height=48).read_bytes()
SEEDS["mp4"] = CLIP


@st.composite
def mutated(draw):
    """A seed file with a few bytes flipped, a slice cut out, or cut short; or pure noise."""
    kind = draw(st.sampled_from([*SEEDS, "noise"]))
    if kind == "noise":
        return draw(st.binary(min_size=0, max_size=2048))
    data = bytearray(SEEDS[kind])
    for _ in range(draw(st.integers(0, 8))):
        at = draw(st.integers(0, len(data) - 1))
        data[at] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        start = draw(st.integers(0, len(data) - 1))
        del data[start:start + draw(st.integers(1, 256))]
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


def as_upload(data: bytes) -> TemporaryUploadedFile:
    upload = TemporaryUploadedFile("x.bin", "application/octet-stream", len(data), None)
    upload.write(data)
    upload.seek(0)
    return upload


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=mutated())
def test_the_validators_accept_or_refuse_cleanly(data, media):
    upload = as_upload(data)
    try:
        checked = check_upload(upload)
    except UploadRefused as exc:
        assert str(exc)  # a message a person can read
    else:
        assert checked.kind in ("image", "video")
    finally:
        upload.close()


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=mutated())
def test_the_upload_view_never_fails_and_keeps_nothing_it_refused(data, alice_client, alices_avatar, no_queue, stored_files):
    before = set(stored_files())
    response = alice_client.post("/swaps/new/", {"avatar": alices_avatar.pk, "target": SimpleUploadedFile("x.jpg", data)})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert set(stored_files()) == before
        assert not Target.objects.exists()
    else:
        target = Target.objects.get()
        target.delete()  # the next example starts clean
    assert not any(f.startswith(django_settings.FILE_UPLOAD_TEMP_DIR) for f in stored_files())


def test_the_seeds_themselves_are_accepted(media):
    for name, data in SEEDS.items():
        upload = as_upload(data)
        assert check_upload(upload).kind == ("video" if name == "mp4" else "image")
        upload.close()
