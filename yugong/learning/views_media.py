"""Serving a lesson's uploaded file or one of its renditions (``/learning/media/<lesson>/<label>/``).

Who may read it: any signed-in user when the course is published (the worker's player), and staff
whose subtree holds the course (previews in the console); anyone else gets the same 404 as a
missing file, the rule of résumé files and appeal attachments. Players seek with byte ranges, so
a single ``Range: bytes=a-b`` is answered 206 with that slice. A PDF is shown inline in the
player's frame: this response alone allows framing by the site itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, cast

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from yugong.core.errors import NotFound
from yugong.orgs.decorators import worker_required

from . import selectors
from .models import Lesson

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$", re.ASCII)
CHUNK = 256 * 1024


def _allowed(request: HttpRequest, pk: int) -> Lesson:
    lesson = Lesson.objects.select_related("course").filter(pk=pk).first()
    if lesson is None:
        raise NotFound()
    if lesson.course.status != "published":
        selectors.staff_course(request.user, lesson.course_id)  # 404 outside the subtree
    return lesson


def _slice(fh: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        fh.seek(start)
        left = length
        while left > 0:
            chunk = fh.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
    finally:
        fh.close()


def ranged_response(request: HttpRequest, fh: IO[bytes], size: int, content_type: str) -> HttpResponse:
    """The whole file (200, ``Accept-Ranges: bytes``) or the one byte range asked for (206); an
    unsatisfiable range answers 416."""
    match = _RANGE.match(request.headers.get("Range", "").strip())
    response: HttpResponse
    if match and (match.group(1) or match.group(2)):
        first, last = match.group(1), match.group(2)
        if first:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        else:  # the last N bytes
            start, end = max(size - int(last), 0), size - 1
        if start > end or start >= size:
            fh.close()
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        streaming = StreamingHttpResponse(
            _slice(fh, start, end - start + 1), status=206, content_type=content_type
        )
        response = cast(HttpResponse, streaming)  # the page decorators are typed for HttpResponse
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    else:
        response = cast(HttpResponse, FileResponse(fh, content_type=content_type))
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@worker_required
@xframe_options_sameorigin
def lesson_media(request: HttpRequest, pk: int, label: str) -> HttpResponse:
    lesson = _allowed(request, pk)
    if not lesson.media_file:
        raise NotFound()
    if label == "original":
        name, size, content_type = lesson.media_file.name, None, lesson.media_type
    else:
        rendition = lesson.renditions.filter(label=label).first()
        if rendition is None:
            raise NotFound()
        name, size, content_type = rendition.file.name, rendition.size_bytes, rendition.content_type
    storage = lesson.media_file.storage
    try:
        size = storage.size(name) if size is None else size
        fh = storage.open(name, "rb")
    except OSError:
        raise NotFound() from None
    response = ranged_response(request, fh, size, content_type or "application/octet-stream")
    # The player's page frames a PDF: same-origin framing for this response only.
    response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
    return response
