"""Learning API, mounted at /api/v1/learning/ (no ``from __future__ import annotations``: Ninja
reads the annotations at import). The lesson player posts heartbeats here; the server decides
what time they credit (``progress.heartbeat``)."""

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from yugong.accounts.models import request_user
from yugong.core.errors import ValidationFailed
from yugong.core.schemas import ERROR_RESPONSES
from yugong.members.models import Person

from .bank import credit_statement
from .progress import heartbeat

router = Router(tags=["learning"])


class LearningHeartbeatIn(Schema):
    lesson_id: int
    session: str = Field(..., max_length=64)
    position: int = Field(..., ge=0, le=86400 * 7)
    visible: bool
    client_ms: int = Field(..., ge=0)


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


def _person(request: HttpRequest) -> Person:
    person = Person.objects.filter(user=request_user(request)).first()
    if person is None:
        raise ValidationFailed(fields={"person": _("请先完成实名认证")})
    return person


@router.post("/heartbeat", response={200: LearningHeartbeatOut, **ERROR_RESPONSES}, summary="学习心跳")
def learning_heartbeat(request: HttpRequest, payload: LearningHeartbeatIn) -> Any:
    result = heartbeat(
        person=_person(request),
        lesson_id=payload.lesson_id,
        session_key=payload.session,
        position_seconds=payload.position,
        visible=payload.visible,
        client_ms=payload.client_ms,
        actor=request_user(request),
    )
    return result.__dict__


@router.get("/statement", response={200: LearningStatementOut, **ERROR_RESPONSES}, summary="我的学分")
def learning_statement(request: HttpRequest) -> Any:
    st = credit_statement(_person(request))
    return {"total": st.total, "entries": st.entries, "pending": len(st.pending)}
