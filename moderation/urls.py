from django.urls import path

from moderation import views

urlpatterns = [
    path("report/<slug:kind>/<int:pk>/", views.report, name="report"),
]
