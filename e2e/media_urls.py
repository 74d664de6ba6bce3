"""The app's URLs plus uploaded files served from MEDIA_ROOT (a production server leaves that to the
web server; browser tests showing uploaded pictures, e.g. news covers, use this URLconf)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import re_path
from django.views.static import serve

from yugong.urls import urlpatterns as app_urlpatterns


def _media(request: HttpRequest, path: str) -> Any:
    response: HttpResponse = serve(request, path, document_root=settings.MEDIA_ROOT)
    return response


urlpatterns = [*app_urlpatterns, re_path(r"^media/(?P<path>.*)$", _media)]
