from django.urls import path

from . import checkface, extension_views, views

urlpatterns = [
    path("", views.index, name="faceapi"),
    path("file/", views.file_page, name="faceapi-file"),
    path("extension/", extension_views.page, name="faceapi-extension"),
    path("extension/<str:browser>.zip", extension_views.package, name="faceapi-extension-package"),
    path("face", views.face, name="faceapi-face"),
    path("morph", views.morph, name="faceapi-morph"),
    path("seed", views.seed, name="faceapi-seed"),
    path("status/<str:key>", views.status, name="faceapi-status"),
    path("openapi.json", views.openapi_document, name="faceapi-openapi"),
    # CheckFace's URL shapes (the retired facemorph.me API), on the same endpoints: checkface.py.
    path("face/", checkface.face, name="checkface-face"),
    path("hashdata/", views.hashdata, name="checkface-hashdata"),
    path("gif/", checkface.gif, name="checkface-gif"),
    path("webp/", checkface.webp, name="checkface-webp"),
    path("mp4/", checkface.mp4, name="checkface-mp4"),
]
