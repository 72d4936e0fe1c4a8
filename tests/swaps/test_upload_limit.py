"""An upload over the size limit is cut off while it streams in: 413, nothing kept,
and the rest of the body is never read."""

import io

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from swaps.models import Target
from tests.swaps import samples

pytestmark = pytest.mark.django_db

LIMIT = 100_000


class CountingStream(io.BytesIO):
    """A request body that remembers how much of it the server read."""

    def read(self, size=-1):
        data = super().read(size)
        self.consumed = self.tell()
        return data

    def readline(self, size=-1):
        data = super().readline(size)
        self.consumed = self.tell()
        return data


def post_body(client, body: bytes, declared_length: int | None = None):
    stream = CountingStream(body)
    stream.consumed = 0
    response = client.generic(
        "POST", "/swaps/new/", b"", content_type=MULTIPART_CONTENT,
        **{"wsgi.input": stream, "CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body) if declared_length is None else declared_length)},
    )
    return response, stream


@pytest.fixture
def small_limit(settings):
    settings.SAFEFACE_UPLOAD_MAX_BYTES = LIMIT


def body_with_file(size: int, avatar_pk: int) -> bytes:
    data = samples.jpeg() + b"\0" * (size - len(samples.jpeg()))
    from django.core.files.uploadedfile import SimpleUploadedFile

    return encode_multipart(BOUNDARY, {"avatar": str(avatar_pk), "target": SimpleUploadedFile("big.jpg", data, "image/jpeg")})


def test_a_body_declared_too_large_is_refused_before_it_is_read(alice_client, alices_avatar, small_limit, stored_files, no_queue):
    body = body_with_file(3 * LIMIT, alices_avatar.pk)
    response, stream = post_body(alice_client, body)
    assert response.status_code == 413
    assert b"That file is too large" in response.content and b"100 KB" not in response.content
    assert stream.consumed == 0
    assert [f for f in stored_files() if "/avatars/" not in f] == [] and Target.objects.count() == 0


def test_a_file_over_the_limit_is_cut_off_while_streaming(alice_client, alices_avatar, small_limit, stored_files, no_queue, monkeypatch):
    # Declared within the allowance for form fields, so the handler must count the bytes themselves.
    body = body_with_file(LIMIT + 60_000, alices_avatar.pk)
    seen_temp_files = []
    from django.core.files import uploadedfile

    original = uploadedfile.TemporaryUploadedFile.__init__

    def spy(self, *args, **kwargs):
        original(self, *args, **kwargs)
        seen_temp_files.append(self.temporary_file_path())

    monkeypatch.setattr(uploadedfile.TemporaryUploadedFile, "__init__", spy)
    response, stream = post_body(alice_client, body)

    assert response.status_code == 413
    assert seen_temp_files, "the upload should have started streaming to a temporary file"
    assert stream.consumed < len(body)  # stopped before the end
    assert [f for f in stored_files() if "/avatars/" not in f] == [] and Target.objects.count() == 0


def test_a_body_that_lies_about_its_length_is_still_cut_off(alice_client, alices_avatar, small_limit, stored_files, no_queue):
    body = body_with_file(3 * LIMIT, alices_avatar.pk)
    response, _ = post_body(alice_client, body, declared_length=LIMIT)  # claims less than it sends
    assert response.status_code in (200, 400, 413)  # Django reads no more than declared: a cut multipart
    assert [f for f in stored_files() if "/avatars/" not in f] == [] and Target.objects.count() == 0


def test_an_upload_within_the_limit_streams_to_the_configured_folder_and_is_removed(
    alice_client, alices_avatar, small_limit, stored_files, no_queue, settings, monkeypatch
):
    from django.core.files import uploadedfile

    seen = []
    original = uploadedfile.TemporaryUploadedFile.__init__

    def spy(self, *args, **kwargs):
        original(self, *args, **kwargs)
        seen.append(self.temporary_file_path())

    monkeypatch.setattr(uploadedfile.TemporaryUploadedFile, "__init__", spy)
    response, _ = post_body(alice_client, body_with_file(LIMIT // 2, alices_avatar.pk))
    assert response.status_code == 302
    assert seen and all(path.startswith(settings.FILE_UPLOAD_TEMP_DIR) for path in seen)
    assert not any(f.startswith(settings.FILE_UPLOAD_TEMP_DIR) for f in stored_files())


def test_csrf_is_still_checked_on_uploads(client, alice, alices_avatar, no_queue):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(alice)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = csrf_client.post("/swaps/new/", {"avatar": alices_avatar.pk, "target": SimpleUploadedFile("a.jpg", samples.jpeg(), "image/jpeg")})
    assert response.status_code == 403 and Target.objects.count() == 0
