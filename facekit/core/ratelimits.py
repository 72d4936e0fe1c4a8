"""Rate limits on state-changing requests, counted in the shared cache (Redis when
configured), so every web process sees the same counts."""

from django.conf import settings
from django.shortcuts import render
from django_ratelimit import UNSAFE
from django_ratelimit.decorators import ratelimit


def limited(setting: str, key: str):
    """Limit POSTs (and other unsafe methods) to the rate named by `setting`, read
    per request so a deployment or a test can change it."""
    return ratelimit(group=f"{setting}:{key}", key=key, rate=lambda group, request: getattr(settings, setting), method=UNSAFE)


def rate_limited(request, exception):
    """RATELIMIT_VIEW: a friendly 429 with Retry-After, instead of a bare 403."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"
    return response
