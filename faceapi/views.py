"""The face API's endpoints and pages.

A request for an image is served from the disk cache when its file is there. Else the
web process resizes and labels it from the master the worker rendered (Pillow and
C2PA only: no torch here), or, with no master yet, queues the render (one row per
render key, however many requests ask), waits up to SAFEFACE_API_WAIT seconds for
it, and answers 202 with a status URL when it is not ready by then.

Same bytes, every time: c2pa-rs gives each manifest a random id and each assertion a
random 16-byte salt, and ES256 signatures are randomised, none of which c2pa-python
lets us fix. So a labelled file is made once per key and kept (cache.write_once: the
first process to link it wins and every other serves that file); its strong ETag is
the hash of those bytes. The pixels and the XMP are deterministic in any case.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import parse_etags
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from django_ratelimit.core import get_usage

from safeface import inference
from facekit.core.jobs import QUEUE_DOWN_MESSAGE, JobStatus, queue_available

from . import cache, openapi, rendering
from .waiting import Waiting
from .api_engine import Engine, active_engine
from .models import FaceRender, RenderKind
from .params import ANIMATION_FORMATS, IMAGE_FORMATS, ParameterError, parse_face, parse_hashdata, parse_morph, parse_seed, seed_for

IMMUTABLE = "public, max-age=31536000, immutable"
RETRY_AFTER_SECONDS = 2
_waiting = Waiting(FaceRender)


def _json(payload: dict, status: int = 200, **headers) -> JsonResponse:
    response = JsonResponse(payload, status=status)
    response["Cache-Control"] = "no-store"
    response["Access-Control-Allow-Origin"] = "*"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _limited(request, setting: str) -> JsonResponse | None:
    """A 429 when this client is over the rate named by `setting` (counted in the shared cache)."""
    rate = getattr(settings, setting)
    # A server on a Unix socket may pass no client address: such requests share one count.
    key = "ip" if settings.RATELIMIT_IP_META_KEY or request.META.get("REMOTE_ADDR") else (lambda group, request: "no-address")
    usage = get_usage(request, group=f"faceapi:{setting}", key=key, rate=rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    wait = max(1, int(usage["time_left"]))
    return _json({"error": f"Too many requests: at most {rate} from one address. Try again in {wait} s."}, 429, Retry_After=str(wait))


def api_endpoint(view: Callable) -> Callable:
    """GET only, the per-client rate limit, and bad parameters as 400 JSON naming them.

    CSRF-exempt because nothing here changes state or reads a session: any other
    method gets a plain 405 rather than the CSRF failure page."""

    @csrf_exempt
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return _json({"error": "Only GET is allowed here."}, 405, Allow="GET, HEAD")
        if response := _limited(request, "SAFEFACE_API_RATE"):
            return response
        try:
            return view(request, *args, **kwargs)
        except ParameterError as exc:
            return _json({"error": str(exc), "parameter": exc.parameter}, 400)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


# --- files ------------------------------------------------------------------------------


def _client_tags(request) -> set[str]:
    """The ETags the client already holds (If-None-Match), weak or strong: a GET compares weakly."""
    header = request.META.get("HTTP_IF_NONE_MATCH")
    return {m.removeprefix("W/") for m in parse_etags(header)} if header else set()


def _file_response(request, path: Path, content_type: str, filename: str) -> HttpResponse | None:
    """The cached file at `path` (or 304 when the client has it); None when it is not there."""
    found = cache.read(path, unless_tagged=_client_tags(request))
    return None if found is None else _tagged_response(found[0], found[1], content_type, filename)


def _tagged_response(tag: str, data: bytes | None, content_type: str, filename: str) -> HttpResponse:
    if data is None:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(data, content_type=content_type)
        response["Content-Length"] = str(len(data))  # CommonMiddleware's job, which CachedFaceMiddleware skips
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["ETag"] = tag
    response["Cache-Control"] = IMMUTABLE
    response["X-Content-Type-Options"] = "nosniff"
    response["Access-Control-Allow-Origin"] = "*"
    # No Content-Security-Policy: it governs documents, not images sent with nosniff
    # (facekit/core/content_security.py then skips building it).
    response._csp_exempt = response._csp_exempt_ro = True
    return response


def _rendered(request, *, kind: str, key: str, engine, params: dict, ready: Callable[[], bool]) -> JsonResponse | None:
    """None once the render `key` is on disk; else queue it (once), wait a little, and
    answer 202 (or 429, 503) when it is still not there."""
    if ready():
        return None
    if response := _limited(request, "SAFEFACE_API_RENDER_RATE"):
        return response
    job = FaceRender.objects.filter(key=key).first()
    if job is None:
        if not queue_available():
            return _json({"error": QUEUE_DOWN_MESSAGE, "status": "unavailable"}, 503, Retry_After="60")
        # The unique key makes a concurrent request that created the row first win: one row
        # and one task per key. (Not get_or_create: it would look for the row again first.)
        try:
            with transaction.atomic():
                job = FaceRender.objects.create(key=key, kind=kind, engine=engine.name, params=params, url=request.get_full_path()[:2000])
            job.enqueue()
        except IntegrityError:
            job = FaceRender.objects.get(key=key)
    elif job.status == JobStatus.DONE or job.may_retry:
        job.requeue()  # done but its files are gone (cache cleared), or failed a while ago
    if job.is_active:
        _waiting.wait(job, time.monotonic() + settings.SAFEFACE_API_WAIT)
    # The row turns done once the files are stored: look for them only then (with media on
    # S3, looking is a request to the bucket).
    if job.status == JobStatus.DONE and ready():
        return None
    if job.status == JobStatus.FAILED:
        return _json({"status": "failed", "error": job.error, "status_url": job.get_absolute_url()}, 503, Retry_After="60")
    body = {"status": job.status, "progress": job.progress, "status_url": job.get_absolute_url(), "url": request.get_full_path()}
    return _json(body, 202, Retry_After=str(RETRY_AFTER_SECONDS))


def _still(request, still: "_Still"):
    """A still image: from the cache, else labelled from its master (rendering it first if
    need be)."""
    content_type = IMAGE_FORMATS[still.format]
    if response := _file_response(request, still.variant, content_type, still.filename):
        return response
    if response := _rendered(request, kind=still.kind, key=still.key, engine=still.engine, params=still.params,
                             ready=lambda: cache.fetch(still.master)):
        return response
    image = rendering.decode_master(still.master)
    data = cache.write_once(still.variant, rendering.labelled_still(image, still.dim, still.format, still.facts(),
                                                                    inference.signing_identity()))
    tag = cache.etag(data)
    return _tagged_response(tag, None if tag in _client_tags(request) else data, content_type, still.filename)


# --- endpoints --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Still:
    """A still image the API serves (a face, a blend, one frame of a morph): its render, where
    its master and its file are, and what its label states."""

    kind: str  # RenderKind of the master's render
    key: str
    engine: Engine
    params: dict  # the render's parameters
    master: Path
    variant: Path  # the labelled file at the size and format asked for
    format: str
    dim: int
    filename: str
    seed: int | None = None
    spec: dict | None = None

    @classmethod
    def face(cls, params) -> "_Still":
        """The face (or blend) `params` asks for; ParameterError for bad parameters."""
        query, engine = parse_face(params), active_engine()
        key = cache.render_key(engine, RenderKind.FACE, query.render_params)
        folder = cache.folder(engine.name, key)
        single = query.amounts is None
        return cls(
            RenderKind.FACE, key, engine, query.render_params, master=folder / rendering.MASTER,
            variant=folder / f"{query.dim}.{query.format}", format=query.format, dim=query.dim,
            filename=f"face-{query.seeds[0]}.{query.format}" if single else f"blend-{key[:12]}.{query.format}",
            seed=query.seeds[0] if single else None,
            spec=None if single else {"blend": [[str(s), a] for s, a in zip(query.seeds, query.amounts)]},
        )

    def facts(self):
        """Only asked when a file has to be made."""
        return rendering.facts_for(self.engine, self.key, seed=self.seed, spec=self.spec)


def cached_face(request, params) -> HttpResponse | None:
    """The face asked for by `params` when its file is on this machine's disk, rate limit
    counted; None for anything else (the view then answers it). For CachedFaceMiddleware."""
    if request.method not in ("GET", "HEAD"):
        return None
    try:
        still = _Still.face(params)
    except ParameterError:
        return None
    if not still.variant.is_file():
        return None
    return _limited(request, "SAFEFACE_API_RATE") or _file_response(
        request, still.variant, IMAGE_FORMATS[still.format], still.filename)


@api_endpoint
def face(request):
    """The face for a value, or a blend of several values' faces."""
    return _still(request, _Still.face(request.GET))


@api_endpoint
def morph(request):
    """An animation from one value's face to another's, or one frame of it."""
    query = parse_morph(request.GET)
    engine = active_engine()
    frames_key = cache.render_key(engine, RenderKind.FRAMES, query.frames_params)
    frames_folder = cache.folder(engine.name, frames_key)
    if query.frame is not None:
        return _still(request, _Still(
            RenderKind.FRAMES, frames_key, engine, query.frames_params,
            master=frames_folder / rendering.FRAMES / rendering.frame_name(query.frame),
            variant=frames_folder / f"frame{query.frame}-{query.dim}.{query.format}", format=query.format,
            dim=query.dim, filename=f"morph-{frames_key[:12]}-{query.frame}.{query.format}",
            spec={"morph": {**query.frames_params, "frame": query.frame}},
        ))
    key = cache.render_key(engine, RenderKind.ANIMATION, query.animation_params)
    animation = cache.folder(engine.name, key) / f"animation.{query.format}"
    params = {**query.animation_params, "frames_key": frames_key}
    filename = f"morph-{key[:12]}.{query.format}"
    if response := _file_response(request, animation, ANIMATION_FORMATS[query.format], filename):
        return response
    if response := _rendered(request, kind=RenderKind.ANIMATION, key=key, engine=engine, params=params, ready=lambda: cache.fetch(animation)):
        return response
    return _file_response(request, animation, ANIMATION_FORMATS[query.format], filename) or _json(
        {"error": "The animation was removed from the cache while it was being served; ask again."}, 503, Retry_After="1"
    )


@api_endpoint
def seed(request):
    """The seed a value maps to, and the engine that draws its face."""
    value, number = parse_seed(request.GET)
    return _json({"value": value, "seed": str(number), "engine": active_engine().name})


@api_endpoint
def hashdata(request):
    """CheckFace's /api/hashdata/: the seed as a number, the value's SHA-256 and the engine.

    CheckFace also gave its GAN's latent vector. SafeFace publishes none: latents are what
    turning a real photo into a face works with, which is deliberately not offered, and each
    generator the worker may run has latents of its own."""
    value, number = parse_hashdata(request.GET)
    # The seed as a number, as CheckFace gave it; above 2**53 JavaScript rounds it: use seed_text.
    data = {"seed": number, "seed_text": str(number), "engine": active_engine().name}
    if value is not None:
        data.update(value=value, hash=hashlib.sha256(value.encode("utf-8")).hexdigest())
    return _json(data)


@api_endpoint
def status(request, key: str):
    """Where a queued render stands."""
    job = FaceRender.objects.filter(key=key).first()
    if job is None:
        return _json({"error": "No render has this key. Request the face or morph again to start one.", "parameter": "key"}, 404)
    body = {
        "key": job.key,
        "kind": job.kind,
        "status": job.status,
        "progress": job.progress,
        "engine": job.engine,
        "url": job.url,
    }
    if job.status == JobStatus.FAILED:
        body["error"] = job.error
    return _json(body)


@api_endpoint
def openapi_document(request):
    response = JsonResponse(openapi.document())
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- pages ------------------------------------------------------------------------------


@require_GET
def index(request):
    morph = "/api/morph?from=alice&to=bob&frames=12&fps=8&dim="
    context = {
        "engine": active_engine().name,
        "hello_seed": seed_for("hello"),
        "examples": ["hello", "alice", "bob", "d41d8cd98f00b204e9800998ecf8427e"],
        "blend_url": "/api/face?value0=alice&amount0=0.5&value1=bob&amount1=0.5&dim=160",
        "morph_url": morph + "160&format=webp",
        "frame_urls": [(k, f"{morph}96&frame={k}") for k in (0, 4, 8, 11)],
        "rate": settings.SAFEFACE_API_RATE,
        "render_rate": settings.SAFEFACE_API_RENDER_RATE,
    }
    return render(request, "faceapi/index.html", context)


@require_GET
def file_page(request):
    return render(request, "faceapi/file.html", {"slots": ["First file", "Second file"]})

