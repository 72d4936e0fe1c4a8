from django.urls import path

from avatars import views

urlpatterns = [
    path("studio/", views.studio, name="studio"),
    path("studio/summary/", views.studio_summary, name="studio-summary"),
    path("gallery/", views.gallery, name="gallery"),
    path("avatars/", views.avatar_list, name="avatar-list"),
    path("avatars/delete/", views.avatar_delete_many, name="avatar-delete-many"),
    path("avatars/<int:pk>/", views.avatar_detail, name="avatar-detail"),
    path("avatars/<int:pk>/card/", views.avatar_card, name="avatar-card"),
    path("avatars/<int:pk>/image.png", views.avatar_image, name="avatar-image"),
    path("avatars/<int:pk>/thumbnail.webp", views.avatar_thumbnail, name="avatar-thumbnail"),
    path("avatars/<int:pk>/visibility/", views.avatar_visibility, name="avatar-visibility"),
    path("avatars/<int:pk>/delete/", views.avatar_delete, name="avatar-delete"),
    path("avatars/<int:pk>/more/", views.avatar_more, name="avatar-more"),
    path("avatars/<int:pk>/retry/", views.avatar_retry, name="avatar-retry"),
]
