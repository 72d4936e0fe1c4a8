"""The worker side of the studio: one task per avatar."""

import hashlib

import numpy as np

from avatars.models import Avatar
from safeface import inference
from facekit.core.files import encode_thumbnail
from facekit.engines.vocabulary import build_prompt
from facekit.core.jobs import JobError, job_task
from facekit.provenance import GenerationFacts, Kind, label_image

AVATAR_REFUSED = (
    "The generator made a picture that the screening took for sexual content, so it was neither kept nor shown. "
    "Press Generate again for another face."
)


@job_task(Avatar)
def generate_avatar(avatar: Avatar) -> None:
    reporter = avatar.reporter(5, 90)
    gated = inference.quality_gate().generate(avatar.spec, avatar.seed, avatar.size, progress=reporter.steps,
                                              cancel=reporter.cancelled)
    screening = inference.screening() if inference.generator().draws_anything else None
    if screening is not None and screening.photo(gated.image).refused:
        raise JobError(AVATAR_REFUSED)  # a generator can make what nobody asked for; it is never shown
    engine = inference.generator().name
    models = inference.models_used(inference.generator(), inference.analyser(), screening.screener if screening else None)
    png = _labelled_png(gated.image, avatar, engine, gated.seed, models)
    embedding = gated.face.embedding
    avatar.store_and_succeed(
        avatar.image.storage,
        {"image": (f"avatars/{avatar.pk}.png", png), "thumbnail": (f"avatars/thumbs/{avatar.pk}.webp", encode_thumbnail(gated.image))},
        sha256=hashlib.sha256(png).hexdigest(),
        used_seed=gated.seed,
        engine=engine,
        prompt=build_prompt(avatar.spec, gated.seed)[0],
        face=_face_data(gated.face),
        embedding=None if embedding is None else np.asarray(embedding, dtype=np.float32).tobytes(),
    )


def _labelled_png(rgb, avatar: Avatar, engine: str, seed: int, models: list[dict]) -> bytes:
    """The avatar's PNG, labelled as synthetic: watermark with its id, XMP
    DigitalSourceType trainedAlgorithmicMedia, and a signed C2PA manifest naming `models`."""
    facts = GenerationFacts(Kind.AVATAR, avatar.pk, engine=engine, seed=seed, spec=avatar.spec, models=models)
    return label_image(rgb, mime="image/png", facts=facts, identity=inference.signing_identity())


def _face_data(face) -> dict:
    """The face found on the avatar, as stored on its row (the swap's source face)."""
    def rounded(points):
        return [[round(float(x), 2), round(float(y), 2)] for x, y in points[:, :2]]

    return {
        "box": [round(float(v), 2) for v in face.box],
        "score": round(float(face.score), 4),
        "keypoints": rounded(face.keypoints),
        "landmarks": None if face.landmarks is None else rounded(face.landmarks),
    }
