"""The app's URLs plus /media/ from MEDIA_ROOT, standing in for the front web server of a
deployment (Lighthouse runs only; see bench/lighthouse_settings.py)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.urls import re_path
from django.views.static import serve

from yugong.urls import urlpatterns as app_urlpatterns


def _media(request: HttpRequest, path: str) -> HttpResponseBase:
    response: HttpResponseBase = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    response["Cache-Control"] = "max-age=86400"
    return response


urlpatterns = [*app_urlpatterns, re_path(r"^media/(?P<path>.*)$", _media)]
