"""The site's URLs plus one that fails, to see the 500 page."""

from django.urls import path

from safeface.urls import urlpatterns as site_urlpatterns


def boom(request):
    raise RuntimeError("a bug the visitor must not see")


urlpatterns = [*site_urlpatterns, path("boom/", boom)]
