import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from yugong.core.errors import PermissionDenied
from yugong.core.pagination import Pagination
from yugong.core.schemas import ERROR_RESPONSES
from yugong.orgs.decorators import is_console_user

from .selectors import audit_events_search

router = Router(tags=["system"])


class AuditEventOut(Schema):
    id: int
    at: dt.datetime
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    union_id: int | None
    ip: str | None
    changes: dict
    extra: dict


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
