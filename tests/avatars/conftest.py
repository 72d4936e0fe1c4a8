import pytest

from avatars.models import Avatar
from facekit.core.jobs import JobStatus
from tests.images import png_bytes


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def make_avatar(media):
    """An avatar row, finished with small real files unless told otherwise."""
    from django.core.files.base import ContentFile
    import numpy as np

    from facekit.core.files import encode_thumbnail
    from facekit.engines.vocabulary import validate_spec

    def make(owner, status=JobStatus.DONE, **fields):
        spec = validate_spec(fields.pop("spec", {"expression": "smile"}))
        avatar = Avatar.objects.create(owner=owner, spec=spec, seed=fields.pop("seed", 7), status=status, **fields)
        if status == JobStatus.DONE:
            rgb = np.full((64, 64, 3), 120, dtype=np.uint8)
            avatar.image.save(f"{avatar.pk}.png", ContentFile(png_bytes(rgb)), save=False)
            avatar.thumbnail.save(f"{avatar.pk}.webp", ContentFile(encode_thumbnail(rgb)), save=False)
            avatar.save()
        return avatar

    return make
