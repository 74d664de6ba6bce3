"""Learning API, mounted at /api/v1/learning/ (no ``from __future__ import annotations``: Ninja
reads the annotations at import). The lesson player posts heartbeats here; the server decides
what time they credit (``progress.heartbeat_batch_for_user``)."""

import json
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.renderers import JSONRenderer

from yugong.accounts.models import request_user
from yugong.core.errors import ValidationFailed
from yugong.core.schemas import ERROR_RESPONSES

from .bank import STATEMENT_PAGE, Statement, credit_statement_for_user
from .progress import MAX_BATCH_BEATS, Beat, BeatResult, heartbeat_batch_for_user

router = Router(tags=["learning"])
_JSON = JSONRenderer()  # the API's renderer (the default): what a validated response is encoded with
_JSON_TYPE = f"{_JSON.media_type}; charset={_JSON.charset}"


class LearningHeartbeatIn(Schema):
    lesson_id: int
    session: str = Field(..., max_length=64)
    position: int = Field(..., ge=0, le=86400 * 7)
    visible: bool
    client_ms: int = Field(..., ge=0)


class LearningBeatIn(Schema):
    position: int = Field(..., ge=0, le=86400 * 7)
    visible: bool
    client_ms: int = Field(..., ge=0)


class LearningHeartbeatBatchIn(Schema):
    lesson_id: int
    session: str = Field(..., max_length=64)
    beats: list[LearningBeatIn] = Field(..., min_length=1, max_length=MAX_BATCH_BEATS)


class LearningHeartbeatOut(Schema):
    credited_seconds: int
    added_seconds: int
    position_seconds: int
    lesson_completed: bool
    course_completed: bool
    other_session: bool


class LearningCreditRowOut(Schema):
    source: str
    credits: Decimal
    expires_on: Any = None
    created_at: Any


class LearningStatementOut(Schema):
    total: Decimal
    entries: list[LearningCreditRowOut]
    pending: int
    next_cursor: str  # pass as ?after= for the next page; "" on the last page


def _answer(result: BeatResult) -> HttpResponse:
    # The schema's fields, serialised by hand: four ints and booleans need no validation pass.
    return HttpResponse(json.dumps(result.__dict__), content_type="application/json")


@router.post("/heartbeat", response={200: LearningHeartbeatOut, **ERROR_RESPONSES}, summary="学习心跳")
def learning_heartbeat(request: HttpRequest, payload: LearningHeartbeatIn) -> Any:
    beat = Beat(position_seconds=payload.position, visible=payload.visible, client_ms=payload.client_ms)
    return _answer(
        heartbeat_batch_for_user(
            user=request_user(request), lesson_id=payload.lesson_id, session_key=payload.session, beats=[beat]
        )
    )


@router.post(
    "/heartbeats", response={200: LearningHeartbeatOut, **ERROR_RESPONSES}, summary="学习心跳（批量）"
)
def learning_heartbeats(request: HttpRequest, payload: LearningHeartbeatBatchIn) -> Any:
    """The player's buffered beats of one lesson, oldest first, applied in order by the rules of a
    single beat in one transaction; the answer is the lesson's state after the last one, with the
    seconds the batch added."""
    beats = [
        Beat(position_seconds=b.position, visible=b.visible, client_ms=b.client_ms) for b in payload.beats
    ]
    return _answer(
        heartbeat_batch_for_user(
            user=request_user(request), lesson_id=payload.lesson_id, session_key=payload.session, beats=beats
        )
    )


def statement_body(st: Statement) -> dict[str, Any]:
    """The statement in the shape of ``LearningStatementOut``, as plain values: the view returns it
    rendered as it is, without Ninja validating it against the schema a second time (the twin test
    proves it renders byte for byte what the validated schema does)."""
    return {
        "total": st.total,
        "entries": [
            {"source": e.source, "credits": e.credits, "expires_on": e.expires_on, "created_at": e.created_at}
            for e in st.entries
        ],
        "pending": st.pending,
        "next_cursor": st.next_cursor,
    }


@router.get("/statement", response={200: LearningStatementOut, **ERROR_RESPONSES}, summary="我的学分")
def learning_statement(
    request: HttpRequest,
    after: str = Query("", max_length=40),
    limit: int = Query(STATEMENT_PAGE, ge=1, le=100),
) -> Any:
    """One page of the statement (newest first) with the valid total: one statement on PostgreSQL
    whatever the ledger holds (``bank.credit_statement``)."""
    st = credit_statement_for_user(request_user(request), after=after, limit=limit)
    if st is None:
        raise ValidationFailed(fields={"person": _("请先完成实名认证")})
    return HttpResponse(
        _JSON.render(request, statement_body(st), response_status=200), content_type=_JSON_TYPE
    )
