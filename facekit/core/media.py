"""Serving stored files to people allowed to see them, with HTTP range requests so a
video player can seek (206 Partial Content) without downloading the whole file."""

from __future__ import annotations

import re

from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse

from .storage import is_s3, read_range

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def file_response(request, field, *, content_type: str, filename: str, download: bool = False):
    """The file of `field` (the caller checked who may see it): whole (200), one byte
    range (206), or 416 for a range past the end. Several ranges get the whole file.

    Local files go out through FileResponse (the server's sendfile where it has one); objects
    on S3 are streamed from ranged GETs, so the first bytes leave before the last arrive and
    a video seeks without the whole object being fetched."""
    if not field:
        raise Http404
    storage, name = field.storage, field.name
    try:
        size = storage.size(name)
    except (FileNotFoundError, OSError):
        raise Http404 from None
    wanted = _parse_range(request.headers.get("Range", ""), size)
    if wanted == "unsatisfiable":
        response = HttpResponse(status=416, content_type="text/plain")
        response["Content-Range"] = f"bytes */{size}"
    elif wanted is None and not is_s3(storage):
        try:
            handle = storage.open(name, "rb")
        except (FileNotFoundError, OSError):
            raise Http404 from None
        response = FileResponse(handle, content_type=content_type, as_attachment=download, filename=filename)
    else:
        start, end = wanted or (0, size - 1)
        response = StreamingHttpResponse(read_range(storage, name, start, end - start + 1),
                                         status=206 if wanted else 200, content_type=content_type)
        if wanted:
            response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
        response["Content-Disposition"] = f'{"attachment" if download else "inline"}; filename="{filename}"'
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _parse_range(header: str, size: int):
    """(start, end) inclusive, "unsatisfiable", or None (no usable single range: send it all)."""
    match = RANGE.match(header.strip())
    if not match or size == 0:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        if length == 0:
            return "unsatisfiable"
        return max(0, size - length), size - 1
    start = int(first)
    if start >= size:
        return "unsatisfiable"
    end = min(int(last), size - 1) if last else size - 1
    if end < start:
        return None
    return start, end
