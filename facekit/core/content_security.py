"""django-csp's middleware, minus its cost on responses exempt from both policies.

django-csp 4.0 builds the header string from settings for every response (about
70 us) and only then looks at whether the response is exempt. The face API's images
are exempt (a policy means nothing on a PNG or WebP served with nosniff), and they
are the site's most frequent responses, so those skip the middleware altogether.
"""

from csp.middleware import CSPMiddleware as DjangoCSPMiddleware


class CSPMiddleware(DjangoCSPMiddleware):
    def process_response(self, request, response):
        if getattr(response, "_csp_exempt", False) and getattr(response, "_csp_exempt_ro", False):
            return response
        return super().process_response(request, response)
