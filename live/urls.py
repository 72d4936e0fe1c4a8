from django.urls import path

from . import views

urlpatterns = [
    path("live/", views.live_page, name="live"),
    path("live/sessions/", views.start, name="live-start"),
    path("live/sessions/<int:pk>", views.session, name="live-session"),
    path("live/sessions/<int:pk>/record", views.record, name="live-record"),
    path("live/sessions/<int:pk>/stop", views.stop, name="live-stop"),
]
