"""An upload size limit enforced while the body streams in, not after it was stored.

Django has no upload size limit of its own: without this, a 10 GB body would be
written to a temporary file before any view could look at its size. The view
installs `LimitedUploadHandler` as the request's only upload handler (so the CSRF
check, which parses the body, must run after it: see `limited_upload`).
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import QueryDict
from django.shortcuts import render
from django.utils.datastructures import MultiValueDict
from django.views.decorators.csrf import csrf_exempt, csrf_protect

# Room for the other form fields and the multipart framing around the file.
FORM_OVERHEAD = 64 * 1024


class UploadTooLarge(Exception):
    """The body went past the limit; nothing of it is kept."""


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Streams each file to a temporary file in FILE_UPLOAD_TEMP_DIR, and stops
    reading as soon as the request declares, or sends, more than `limit` bytes
    of file data; the partial temporary file is removed before stopping."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > self.limit + FORM_OVERHEAD:
            raise UploadTooLarge  # refused before reading a byte
        return None

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self._discard()
            raise UploadTooLarge
        return super().receive_data_chunk(raw_data, start)

    def _discard(self):
        file = getattr(self, "file", None)
        if file is not None:
            file.close()  # a NamedTemporaryFile: closing it deletes it


def too_large_response(request, limit: int):
    response = render(
        request,
        "swaps/upload_too_large.html",
        {"limit_mb": limit // 2**20},
        status=413,
    )
    response["Connection"] = "close"  # the rest of the body was never read
    return response


def limited_upload(limit_setting: str):
    """Decorate a view that takes uploads: its body is parsed by LimitedUploadHandler
    (limit read from the setting per request), with CSRF still enforced; an
    over-size body gets a 413 page."""

    def decorate(view):
        protected = csrf_protect(view)

        @csrf_exempt  # only so the handler is in place before the CSRF check reads the body
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            limit = getattr(settings, limit_setting)
            if request.method == "POST":
                request.upload_handlers = [LimitedUploadHandler(request, limit)]
            try:
                return protected(request, *args, **kwargs)
            except UploadTooLarge:
                # Nothing else may try to parse the half-read body again.
                request._post, request._files = QueryDict(), MultiValueDict()
                return too_large_response(request, limit)

        return wrapper

    return decorate
