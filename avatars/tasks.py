"""The worker side of the studio: one task per avatar."""

import logging

import numpy as np

from avatars import files
from avatars.models import Avatar
from safeface import inference
from safeface.engines.vocabulary import build_prompt
from safeface.jobs import JobError, job_task

logger = logging.getLogger(__name__)


@job_task(Avatar)
def generate_avatar(avatar: Avatar) -> None:
    from safeface.engines.generation import GenerationCancelled, GenerationFailed

    lost = False

    def progress(done: int, total: int) -> None:
        nonlocal lost
        # The row was deleted or taken back: stop at the next step.
        lost = lost or not avatar.set_progress(5 + int(85 * done / max(total, 1)))

    try:
        gated = inference.quality_gate().generate(
            avatar.spec, avatar.seed, avatar.size, progress=progress, cancel=lambda: lost
        )
    except GenerationCancelled:
        return
    except GenerationFailed as exc:
        raise JobError(str(exc)) from exc

    engine = inference.generator().name
    png = files.labelled_png(gated.image, avatar, engine, gated.seed)
    try:
        fields = files.save_files(avatar, png, files.encode_thumbnail(gated.image))
    except OSError as exc:
        logger.exception("Could not store avatar %s", avatar.pk)
        raise JobError(
            "The picture was made but could not be stored: the server's storage is full or not writable. "
            "Nothing was kept; please try again later."
        ) from exc
    embedding = gated.face.embedding
    done = avatar.succeed(
        **fields,
        used_seed=gated.seed,
        engine=engine,
        prompt=build_prompt(avatar.spec, gated.seed)[0],
        face=files.face_data(gated.face),
        embedding=None if embedding is None else np.asarray(embedding, dtype=np.float32).tobytes(),
    )
    if not done:  # deleted or reaped while we worked: our files belong to nobody
        for name in (fields["image"], fields["thumbnail"]):
            avatar.image.storage.delete(name)
