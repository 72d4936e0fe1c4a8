"""Turning a generated picture into the avatar's stored files."""

import hashlib
import io

from PIL import Image

from safeface.core.files import save_both


def encode_png(rgb) -> bytes:
    """A plain PNG (for tests and previews; stored avatars go through `labelled_png`)."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()


def labelled_png(rgb, avatar, engine: str, seed: int, models: list[dict]) -> bytes:
    """The avatar's PNG, labelled as synthetic: watermark with its id, XMP
    DigitalSourceType trainedAlgorithmicMedia, and a signed C2PA manifest naming `models`."""
    from safeface import inference
    from safeface.provenance import GenerationFacts, Kind, label_image

    facts = GenerationFacts(Kind.AVATAR, avatar.pk, engine=engine, seed=seed, spec=avatar.spec, models=models)
    return label_image(rgb, mime="image/png", facts=facts, identity=inference.signing_identity())


def save_files(avatar, png: bytes, thumbnail: bytes) -> dict:
    """Store both files, or neither; returns the fields for `Avatar.succeed()`."""
    image, thumb = save_both(avatar.image.storage, (f"avatars/{avatar.pk}.png", png), (f"avatars/thumbs/{avatar.pk}.webp", thumbnail))
    return {"image": image, "thumbnail": thumb, "sha256": hashlib.sha256(png).hexdigest()}


def face_data(face) -> dict:
    return {
        "box": [round(float(v), 2) for v in face.box],
        "score": round(float(face.score), 4),
        "keypoints": [[round(float(x), 2), round(float(y), 2)] for x, y in face.keypoints[:, :2]],
        "landmarks": None if face.landmarks is None else [[round(float(x), 2), round(float(y), 2)] for x, y in face.landmarks[:, :2]],
    }
