"""The worker side of the API: render masters (faces, morph frames) and encode morphs."""

from __future__ import annotations

import logging

from safeface import inference
from safeface.jobs import JobError, job_task

from . import cache, rendering
from .models import FaceRender, RenderKind

logger = logging.getLogger(__name__)


def _native_size(generator) -> int | None:
    """The generator's own resolution, so a master is never an upscale: the DCGAN's
    64 px; None (the backend's default) for a diffusion model's configured size."""
    from safeface.engines.generation import dcgan

    return dcgan.NATIVE_SIZE if isinstance(generator, dcgan.DcganGenerator) else None


@job_task(FaceRender)
def render(job: FaceRender) -> None:
    from safeface.engines.generation import GenerationCancelled

    generator = inference.generator()
    if generator.name != job.engine:
        raise JobError(
            f"The worker renders with {generator.name}, but the site asked for {job.engine}: the web and worker "
            "processes see different generator settings or models. Give both the same SAFEFACE_GENERATOR settings."
        )
    lost = False

    def progress(done: int, total: int) -> None:
        nonlocal lost
        lost = lost or not job.set_progress(int(90 * done / max(total, 1)))

    try:
        if job.kind == RenderKind.FACE:
            _render_face(job, generator)
        else:
            frames = _frames(job, generator, progress, lambda: lost)
            if job.kind == RenderKind.ANIMATION:
                _encode_animation(job, frames)
    except GenerationCancelled:
        return
    except OSError as exc:
        logger.exception("Could not store API render %s", job.key)
        raise JobError("The face was made but could not be stored: the server's storage is full or not writable.") from exc
    job.succeed()


def _render_face(job: FaceRender, generator) -> None:
    params = job.params
    if "seed" in params:
        image = generator.generate(None, [int(params["seed"])], _native_size(generator))[0]
    else:
        image = generator.blend([int(s) for s in params["seeds"]], params["amounts"], None, _native_size(generator))
    cache.write_once(job.folder / rendering.MASTER, rendering.encode_master(image))


def _frames(job: FaceRender, generator, progress, cancel):
    """A morph's frames at the generator's size: from the cache, else rendered and kept
    (so `&frame=K` requests and other sizes and formats reuse them)."""
    params = job.params
    frames_key = params.get("frames_key", job.key)
    folder = cache.folder(job.engine, frames_key) / rendering.FRAMES
    count = int(params["frames"])
    if folder.is_dir():
        return [rendering.decode_master(folder / rendering.frame_name(i)) for i in range(count)]
    frames = generator.interpolate(
        int(params["from"]), int(params["to"]), count, None, _native_size(generator), progress=progress, cancel=cancel
    )
    cache.write_folder_once(folder, {rendering.frame_name(i): rendering.encode_master(f) for i, f in enumerate(frames)})
    return frames


def _encode_animation(job: FaceRender, frames) -> None:
    params = job.params
    facts = rendering.facts_for(job.engine, job.key, spec={"morph": {k: params[k] for k in ("from", "to", "frames", "fps")}})
    data = rendering.labelled_animation(frames, int(params["dim"]), int(params["fps"]), params["format"], facts, inference.signing_identity())
    cache.write_once(job.folder / f"animation.{params['format']}", data)
