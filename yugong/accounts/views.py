# Replaced by the accounts work (SMS login, staff login with TOTP and lockout, API tokens).
from django.http import HttpRequest, HttpResponse


def worker_login(request: HttpRequest) -> HttpResponse:
    return HttpResponse("login")


def staff_login(request: HttpRequest) -> HttpResponse:
    return HttpResponse("staff login")


def tokens(request: HttpRequest) -> HttpResponse:
    return HttpResponse("tokens")
