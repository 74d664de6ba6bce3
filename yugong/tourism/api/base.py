"""The tourism router (``/api/v1/tourism/``); the operations live in the sibling modules."""

import json
from typing import Any

from django.http import HttpResponse
from ninja import Router
from ninja.responses import NinjaJSONEncoder

router = Router(tags=["tourism"])


def plain_json(status: int, data: Any) -> HttpResponse:
    """What Ninja would send for ``data`` (same encoder, same content type), without validating it
    again: for answers built from typed values in the documented shape on a hot path (the tests
    check them against the schema)."""
    return HttpResponse(
        json.dumps(data, cls=NinjaJSONEncoder), status=status, content_type="application/json; charset=utf-8"
    )
