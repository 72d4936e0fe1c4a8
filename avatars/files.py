"""Turning a generated picture into the avatar's stored files."""

import hashlib
import io

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image


def encode_png(rgb) -> bytes:
    """A plain PNG (for tests and previews; stored avatars go through `labelled_png`)."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()


def labelled_png(rgb, avatar, engine: str, seed: int) -> bytes:
    """The avatar's PNG, labelled as synthetic: watermark with its id, XMP
    DigitalSourceType trainedAlgorithmicMedia, and a signed C2PA manifest."""
    from safeface import inference
    from safeface.provenance import GenerationFacts, Kind, label_image

    facts = GenerationFacts(Kind.AVATAR, avatar.pk, engine=engine, seed=seed, spec=avatar.spec)
    return label_image(rgb, mime="image/png", facts=facts, identity=inference.signing_identity())


def encode_thumbnail(rgb) -> bytes:
    size = settings.SAFEFACE_THUMBNAIL_SIZE
    image = Image.fromarray(rgb)
    if image.width > size:
        image = image.resize((size, size), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=85, method=4)
    return buffer.getvalue()


def save_files(avatar, png: bytes, thumbnail: bytes) -> dict:
    """Store both files; returns the fields for `Avatar.succeed()`. Both or neither:
    when the second cannot be written, the first is removed."""
    storage = avatar.image.storage
    image_name = storage.save(f"avatars/{avatar.pk}.png", ContentFile(png))
    try:
        thumb_name = storage.save(f"avatars/thumbs/{avatar.pk}.webp", ContentFile(thumbnail))
    except OSError:
        storage.delete(image_name)
        raise
    return {"image": image_name, "thumbnail": thumb_name, "sha256": hashlib.sha256(png).hexdigest()}


def face_data(face) -> dict:
    return {
        "box": [round(float(v), 2) for v in face.box],
        "score": round(float(face.score), 4),
        "keypoints": [[round(float(x), 2), round(float(y), 2)] for x, y in face.keypoints[:, :2]],
        "landmarks": None if face.landmarks is None else [[round(float(x), 2), round(float(y), 2)] for x, y in face.landmarks[:, :2]],
    }
