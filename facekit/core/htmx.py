"""django-htmx's middleware, plus `Vary: HX-Request` wherever the answer depends on it.

A view that answers htmx with a partial and a browser with the whole page serves two
bodies from one URL; without `Vary: HX-Request` a browser or proxy cache may hand the
partial to someone who asked for the page (or the reverse). Rather than each such view
remembering to say so, the response says so whenever the view or its template asked
`request.htmx`, as Django's SessionMiddleware adds `Vary: Cookie` when the session was read.
"""

from __future__ import annotations

from django.utils.cache import patch_vary_headers
from django_htmx import middleware


class HtmxDetails(middleware.HtmxDetails):
    """`request.htmx`, noting whether anyone asked if this is an htmx request."""

    asked = False

    def __bool__(self) -> bool:
        self.asked = True
        return super().__bool__()


class HtmxMiddleware(middleware.HtmxMiddleware):
    def __call__(self, request):
        if self.async_mode:
            return self.__acall__(request)
        request.htmx = HtmxDetails(request)
        return _vary(request, self.get_response(request))

    async def __acall__(self, request):
        request.htmx = HtmxDetails(request)
        return _vary(request, await self.get_response(request))


def _vary(request, response):
    if request.htmx.asked:
        patch_vary_headers(response, ("HX-Request",))
    return response
