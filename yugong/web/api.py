import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from yugong.core.audit_actions import action_name
from yugong.core.errors import PermissionDenied
from yugong.core.models import AuditEvent
from yugong.core.pagination import Pagination
from yugong.core.schemas import ERROR_RESPONSES
from yugong.orgs.decorators import is_console_user

from .selectors import audit_events_search, object_label

router = Router(tags=["system"])


class AuditEventOut(Schema):
    id: int
    at: dt.datetime
    actor_label: str
    action: str
    action_name: str
    object_type: str
    object_id: str
    object_repr: str
    union_id: int | None
    ip: str | None
    changes: dict
    extra: dict

    @staticmethod
    def resolve_action_name(obj: AuditEvent) -> str:
        return action_name(obj.action)

    @staticmethod
    def resolve_object_repr(obj: AuditEvent, context: dict[str, Any]) -> str:
        # A person's name is masked as on the console page unless the reader administers the log.
        return object_label(obj, viewer=context["request"].user)


class AuditFilters(Schema):
    q: str = ""
    action: str = ""
    actor: str = ""
    start: dt.date | None = None
    end: dt.date | None = None


@router.get("/audit/events", response={200: list[AuditEventOut], **ERROR_RESPONSES}, summary="检索审计日志")
@paginate(Pagination, page_size=50)
def audit_events(request: HttpRequest, filters: Query[AuditFilters]) -> object:
    if not is_console_user(request.user):
        raise PermissionDenied()
    return audit_events_search(request.user, **filters.dict())
