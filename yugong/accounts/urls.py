from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.worker_login, name="login"),
    path("staff-login/", views.staff_login, name="staff_login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="web:home"), name="logout"),
    path("tokens/", views.tokens, name="tokens"),
]
