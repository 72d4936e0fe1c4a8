"""Cached faces answered early: most of the face API's traffic is faces already drawn
(badges, avatars in pages), each one a file read, and Django's whole middleware stack
cost more than the read.

CachedFaceMiddleware sits right after SecurityMiddleware and WhiteNoise (settings.py), so
those headers are set as on every response. For a GET or HEAD of a face (/api/face, and
CheckFace's /api/face/) whose file is on this machine's disk, it gives the view's own
answer: the same rate limit, ETag, 304 and headers (views.cached_face). Everything else (a
face still to be drawn or fetched from the bucket, a bad parameter, any other URL) goes on
down the stack unchanged, and the view answers it.

The middleware skipped add nothing an image needs: sessions, CSRF (the API is exempt),
auth, messages, X-Frame-Options and the CSP (they govern documents), htmx's Vary. Metrics:
PrometheusBeforeMiddleware counts these requests and their latency; the per-view counts of
PrometheusAfterMiddleware leave them out. What it gains: bench/load_api.py's cached pass
(the README's load table).
"""

from __future__ import annotations

from . import checkface, views

ANSWERS = {"/api/face": lambda request: views.cached_face(request, request.GET), "/api/face/": checkface.cached_face}


class CachedFaceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        answer = ANSWERS.get(request.path_info)
        return (answer and answer(request)) or self.get_response(request)
