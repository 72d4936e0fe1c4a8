from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="faceapi"),
    path("file/", views.file_page, name="faceapi-file"),
    path("face", views.face, name="faceapi-face"),
    path("morph", views.morph, name="faceapi-morph"),
    path("seed", views.seed, name="faceapi-seed"),
    path("status/<str:key>", views.status, name="faceapi-status"),
    path("openapi.json", views.openapi_document, name="faceapi-openapi"),
]
