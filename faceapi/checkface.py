"""CheckFace's URL shapes, served by SafeFace's own endpoints, so a client of the retired
facemorph.me API moves over by changing the host name.

Each alias turns CheckFace's parameters into SafeFace's and calls the same view: the same
cache, rate limits, labels and answers (202 while a face is drawn). As CheckFace did, a
missing or out-of-range number takes its default instead of being refused. The faces differ
from CheckFace's (another generator), and nothing turns a photo into a face here (CheckFace's
`encodeimage` / `recoverlatent`): that would let a real person's face in.
"""

from __future__ import annotations

from csp.decorators import csp_replace
from django.http import QueryDict
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from . import params as p
from . import views

# CheckFace's own defaults and ranges (its server's code), where they differ from ours.
FACE_FORMAT = "jpg"
FRAMES_DEFAULT, FPS_DEFAULT = 50, 16
BLEND_MAX = 16


def _number(query, name: str, default: int, low: int, high: int) -> int:
    """CheckFace's rule: a whole number in range, else the default."""
    try:
        value = int(query.get(name, ""))
    except ValueError:
        return default
    return value if low <= value <= high else default


def _copy(query, out: QueryDict, pairs) -> None:
    for theirs, ours in pairs:
        if theirs in query:
            out[ours] = query[theirs]


def face_query(query) -> QueryDict:
    out = QueryDict(mutable=True)
    blend = _number(query, "num_multi", 0, 0, BLEND_MAX)
    if blend:
        _copy(query, out, [(f"{kind}{i}", f"{kind}{i}") for i in range(blend) for kind in ("value", "seed", "amount")])
    else:
        _copy(query, out, [("value", "value"), ("seed", "seed")])
    out["dim"] = str(_number(query, "dim", p.DIM_DEFAULT, p.DIM_MIN, p.DIM_MAX))
    out["format"] = "webp" if query.get("format", "").strip().lower() == "webp" else FACE_FORMAT
    return out


def morph_query(query, fmt: str) -> QueryDict:
    out = QueryDict(mutable=True)
    _copy(query, out, [("from_value", "from"), ("to_value", "to"), ("from_seed", "from_seed"), ("to_seed", "to_seed")])
    dim = _number(query, "dim", p.DIM_DEFAULT, p.DIM_MIN, p.DIM_MAX)
    out["dim"] = str(dim - dim % 2 if fmt == "mp4" else dim)  # H.264 wants even sides
    out["frames"] = str(_number(query, "num_frames", FRAMES_DEFAULT, p.FRAMES_MIN, p.FRAMES_MAX))
    out["fps"] = str(_number(query, "fps", FPS_DEFAULT, p.FPS_MIN, p.FPS_MAX))
    out["format"] = fmt
    return out


def _with(request, query: QueryDict):
    request.GET = query
    return request


# csrf_exempt as SafeFace's own endpoints are: they answer another method with a 405 JSON.
@csrf_exempt
def face(request):
    """`/api/face/?value=...&dim=...` (also `seed=`, `format=webp`, `num_multi` blends)."""
    return views.face(_with(request, face_query(request.GET)))


def cached_face(request):
    """`/api/face/` when the face's file is cached (middleware.CachedFaceMiddleware), else None."""
    return views.cached_face(request, face_query(request.GET))


@csrf_exempt
def gif(request):
    """`/api/gif/?from_value=...&to_value=...&dim=...&fps=...&num_frames=...` (also `from_seed`, `to_seed`)."""
    return views.morph(_with(request, morph_query(request.GET, "gif")))


@csrf_exempt
def webp(request):
    """`/api/webp/?...`: as /api/gif/, as an animated WebP."""
    return views.morph(_with(request, morph_query(request.GET, "webp")))


@csrf_exempt
@xframe_options_exempt  # the embed page is for other sites' iframes
@csp_replace({"frame-ancestors": ["*"]})
def mp4(request):
    """`/api/mp4/?...`: as /api/gif/, as H.264; `embed_html=true` gives a page that plays it looping."""
    if request.method in ("GET", "HEAD") and request.GET.get("embed_html", "").lower() == "true":
        query = request.GET.copy()
        del query["embed_html"]
        dim = _number(query, "dim", p.DIM_DEFAULT, p.DIM_MIN, p.DIM_MAX)
        return render(request, "faceapi/embed_mp4.html", {"src": f"{request.path}?{query.urlencode()}", "dim": dim})
    return views.morph(_with(request, morph_query(request.GET, "mp4")))
