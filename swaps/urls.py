from django.urls import path, register_converter

from swaps import views


class ResultExtension:
    regex = "jpg|png|mp4|webm|mkv"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(ResultExtension, "result_ext")

urlpatterns = [
    path("swaps/", views.swap_list, name="swap-list"),
    path("swaps/new/", views.swap_new, name="swap-new"),
    path("swaps/targets/<int:pk>/", views.target_detail, name="swap-target"),
    path("swaps/targets/<int:pk>/frame/", views.target_frame, name="swap-target-frame"),
    path("swaps/targets/<int:pk>/preview.jpg", views.target_preview, name="swap-target-preview"),
    path("swaps/targets/<int:pk>/original", views.target_original, name="swap-target-original"),
    path("swaps/<int:pk>/", views.swap_detail, name="swap-detail"),
    path("swaps/<int:pk>/status/", views.swap_status, name="swap-status"),
    path("swaps/<int:pk>/card/", views.swap_card, name="swap-card"),
    path("swaps/<int:pk>/cancel/", views.swap_cancel, name="swap-cancel"),
    path("swaps/<int:pk>/visibility/", views.swap_visibility, name="swap-visibility"),
    path("swaps/<int:pk>/delete/", views.swap_delete, name="swap-delete"),
    path("swaps/<int:pk>/result.<result_ext:extension>", views.swap_result, name="swap-result"),
    path("swaps/<int:pk>/thumbnail.webp", views.swap_thumbnail, name="swapjob-thumbnail"),
]
