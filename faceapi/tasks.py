"""The worker side of the API: render masters (faces, morph frames) and encode morphs."""

from __future__ import annotations

import logging

from safeface import inference
from safeface.core.jobs import JobError, job_task

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
    try:
        if job.kind == RenderKind.FACE:
            _render_face(job, generator)
        else:
            frames = _frames(job, generator, job.reporter(0, 90))
            if job.kind == RenderKind.ANIMATION:
                _encode_animation(job, frames)
    except OSError as exc:
        logger.exception("Could not store API render %s", job.key)
        raise JobError("The face was made but could not be stored: the server's storage is full or not writable.") from exc
    job.succeed()


def _render_face(job: FaceRender, generator) -> None:
    params = job.params
    if "seed" in params:
        image = generator.generate(None, [int(params["seed"])], generator.native_size)[0]
    else:
        image = generator.blend([int(s) for s in params["seeds"]], params["amounts"], None, generator.native_size)
    cache.write_once(job.folder / rendering.MASTER, rendering.encode_master(image))


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


def _encode_animation(job: FaceRender, frames) -> None:
    params = job.params
    facts = rendering.facts_for(job.engine, job.key, spec={"morph": {k: params[k] for k in ("from", "to", "frames", "fps")}})
    data = rendering.labelled_animation(frames, int(params["dim"]), int(params["fps"]), params["format"], facts, inference.signing_identity())
    cache.write_once(job.folder / f"animation.{params['format']}", data)
