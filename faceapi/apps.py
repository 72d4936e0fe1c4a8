from django.apps import AppConfig


class FaceApiConfig(AppConfig):
    name = "faceapi"
    verbose_name = "Face API"
