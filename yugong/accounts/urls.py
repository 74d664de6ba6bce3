from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.worker_login, name="login"),
    path("staff-login/", views.staff_login, name="staff_login"),
    path("staff-login/totp/", views.staff_login_totp, name="staff_login_totp"),
    path("logout/", auth_views.LogoutView.as_view(next_page="web:home"), name="logout"),
    path("totp/", views.totp_setup, name="totp"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
