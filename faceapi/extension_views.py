"""The browser extension, served by the site: an install page, and a package per browser stamped
with this site's address (faceapi/extension.py), so the extension asks this server for faces
unless the person names another."""

from __future__ import annotations

import functools
import hashlib

from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.urls import get_script_prefix
from django.utils.http import parse_etags
from django.views.decorators.http import require_GET

from . import extension


@functools.lru_cache(maxsize=16)
def _package(browser: str, server: str) -> tuple[bytes, str]:
    data = extension.package(browser, server)
    return data, f'"{hashlib.sha256(data).hexdigest()}"'


def _server(request) -> str:
    return request.build_absolute_uri(get_script_prefix()).rstrip("/")


@require_GET
def page(request):
    return render(request, "faceapi/extension.html", {
        "server": _server(request), "version": extension.version(),
        "packages": {browser: extension.package_name(browser) for browser in extension.BROWSERS},
    })


@require_GET
def package(request, browser: str):
    if browser not in extension.BROWSERS:
        raise Http404(f"No extension package for {browser}.")
    data, tag = _package(browser, _server(request))
    if tag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{extension.package_name(browser)}"'
    response["ETag"] = tag
    response["Cache-Control"] = "no-cache"  # a new release of the site brings a new package
    return response
