from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import views
from facekit.core.ratelimits import limited

urlpatterns = [
    path("signup/", limited("SAFEFACE_SIGNUP_RATE", key="ip")(views.signup), name="signup"),
    path(
        "login/",
        limited("SAFEFACE_LOGIN_RATE", key="ip")(
            limited("SAFEFACE_LOGIN_RATE", key="post:username")(
                auth_views.LoginView.as_view(template_name="accounts/login.html", redirect_authenticated_user=True)
            )
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.account, name="account"),
    path("delete/", views.delete_account, name="account-delete"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(template_name="accounts/password_change.html", success_url=reverse_lazy("password-change-done")),
        name="password-change",
    ),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"), name="password-change-done"),
    path(
        "password/reset/",
        limited("SAFEFACE_PASSWORD_RESET_RATE", key="ip")(auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            email_template_name="accounts/password_reset_email.txt",
            subject_template_name="accounts/password_reset_subject.txt",
            success_url=reverse_lazy("password-reset-done"),
        )),
        name="password-reset",
    ),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"), name="password-reset-done"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(template_name="accounts/password_reset_confirm.html", success_url=reverse_lazy("password-reset-complete")),
        name="password-reset-confirm",
    ),
    path("password/reset/complete/", auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"), name="password-reset-complete"),
]
