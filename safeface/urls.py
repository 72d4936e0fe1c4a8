from django.contrib import admin
from django.urls import include, path

from safeface import metrics, verify, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("status/", views.status, name="status"),
    path("metrics", metrics.metrics, name="metrics"),
    path("verify/", verify.verify, name="verify"),
    # Before the catch-all includes: the face API is the most requested, and Django tries patterns in order.
    path("api/", include("faceapi.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("avatars.urls")),
    path("", include("moderation.urls")),
    path("", include("swaps.urls")),
    path("", include("live.urls")),
    path("admin/", admin.site.urls),
]
