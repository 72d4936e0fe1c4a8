"""The worker side of the API: render masters (faces, morph frames) and encode morphs.

A task for one face also takes the other faces queued for the same engine then (up to
SAFEFACE_API_BATCH in all) and draws them in one generator call: one network batch for the
DCGAN's candidates, one UNet pass per batch for diffusers. Each row is claimed and ended as
its own task would, so a killed worker loses none (the reaper sends them again).
"""

from __future__ import annotations

import logging

from django.conf import settings

from safeface import inference
from facekit.core.jobs import STORAGE_FULL, JobError, batch_failures, claim_queued, job_task

from . import cache, rendering
from .models import FaceRender, RenderKind

logger = logging.getLogger(__name__)


@job_task(FaceRender)
def render(job: FaceRender) -> None:
    generator = inference.api_generator()
    if generator.name != job.engine:
        raise JobError(
            f"The worker renders with {generator.name}, but the site asked for {job.engine}: the web and worker "
            "processes see different generator settings or models. Give both the same SAFEFACE_GENERATOR settings."
        )
    if job.kind == RenderKind.FACE:
        more = FaceRender.objects.filter(kind=RenderKind.FACE, engine=job.engine)
        batch = [job, *claim_queued(more, settings.SAFEFACE_API_BATCH - 1)]
        with batch_failures(batch[1:]):
            _render_faces(batch, generator)
        return
    try:
        frames = _frames(job, generator, job.reporter(0, 90))
        if job.kind == RenderKind.ANIMATION:
            _encode_animation(job, frames, generator)
    except OSError as exc:
        raise _not_stored(job) from exc
    job.succeed()


def _render_faces(batch: list[FaceRender], generator) -> None:
    """Faces of values (one generator call for them all) and blends, each stored and its row
    ended before the next, so the web serves each as soon as it can."""
    values = [job for job in batch if "seed" in job.params]
    size = generator.native_size
    images = generator.generate(None, [int(job.params["seed"]) for job in values], size) if values else []
    for job, image in zip(values, images):
        _store_face(job, image)
    for job in batch:
        if "seed" not in job.params:
            params = job.params
            _store_face(job, generator.blend([int(s) for s in params["seeds"]], params["amounts"], None, size))


def _store_face(job: FaceRender, image) -> None:
    try:
        cache.write_once(job.folder / rendering.MASTER, rendering.encode_master(image))
    except OSError as exc:
        raise _not_stored(job) from exc
    job.succeed()


def _not_stored(job: FaceRender) -> JobError:
    logger.exception("Could not store API render %s", job.key)
    return JobError(STORAGE_FULL)


def _frames(job: FaceRender, generator, reporter):
    """A morph's frames at the generator's size: from the cache, else rendered and kept
    (so `&frame=K` requests and other sizes and formats reuse them)."""
    params = job.params
    frames_key = params.get("frames_key", job.key)
    folder = cache.folder(job.engine, frames_key) / rendering.FRAMES
    count = int(params["frames"])
    if cache.fetch_folder(folder):
        return [rendering.decode_master(folder / rendering.frame_name(i)) for i in range(count)]
    frames = generator.interpolate(
        int(params["from"]), int(params["to"]), count, None, generator.native_size, progress=reporter.steps, cancel=reporter.cancelled
    )
    cache.write_folder_once(folder, {rendering.frame_name(i): rendering.encode_master(f) for i, f in enumerate(frames)})
    return frames


def _encode_animation(job: FaceRender, frames, generator) -> None:
    params = job.params
    facts = rendering.facts_for(generator, job.key, spec={"morph": {k: params[k] for k in ("from", "to", "frames", "fps")}})
    data = rendering.labelled_animation(frames, int(params["dim"]), int(params["fps"]), params["format"], facts, inference.signing_identity())
    cache.write_once(job.folder / f"animation.{params['format']}", data)
