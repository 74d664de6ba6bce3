"""The orgs router and the helpers its operations share."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from yugong.accounts.models import User, request_user
from yugong.core.errors import NotFound, PermissionDenied, ValidationFailed

from ..access import access_union, require_role
from ..decorators import is_console_user
from ..models import Union

router = Router(tags=["orgs"])


def _staff(request: HttpRequest) -> User:
    """Staff only (a role at a node, or a system administrator who then sees nothing)."""
    user = request_user(request)
    if not is_console_user(user):
        raise PermissionDenied()
    return user


def _union_arg(user: User, pk: int, field: str, roles: frozenset[str]) -> Union:
    """A union named in a request body: unknown/out of scope is a field error, like the pages."""
    try:
        union = access_union(user, pk)
    except NotFound:
        raise ValidationFailed(fields={field: _("未找到该工会，或不在您的管辖范围内。")}) from None
    require_role(user, union, roles)
    return union
