"""Look-ups shared by both passes of the roster import: unions, employers, existing people."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.utils.translation import gettext as _

from yugong.core.validators import is_ascii_digits
from yugong.orgs.models import Employer, Union

from ..models import (
    Membership,
    Person,
)
from ..services.common import ACCEPTING_KINDS

# --- Look-ups shared by both passes -----------------------------------------------------------


class Lookups:
    """Caches of union codes and employers (bounded by the number of distinct codes in the file)."""

    def __init__(self, scope_path: str) -> None:
        self.scope_path = scope_path
        self.unions: dict[str, tuple[int, str, str, str] | None] = {}
        self.employers: dict[str, tuple[int, str] | None] = {}

    def load_unions(self, codes: set[str], numeric: set[str]) -> None:
        wanted = [c for c in codes if c and c not in self.unions]
        for code in wanted:
            self.unions[code] = None
        for pk, code, path, kind, status in Union.objects.filter(code__in=wanted).values_list(
            "pk", "code", "path", "kind", "status"
        ):
            self.unions[code] = (pk, path, kind, status)
        # Codes with leading zeros typed into a number cell arrive as 123 for "000123".
        for code in numeric:
            if self.unions.get(code) is None and is_ascii_digits(code):
                hit = (
                    Union.objects.filter(code__regex=rf"^0+{code}$")
                    .values_list("pk", "path", "kind", "status")
                    .first()
                )
                if hit:
                    self.unions[code] = hit

    def load_employers(self, usccs: set[str]) -> None:
        wanted = [u for u in usccs if u and u not in self.employers]
        for uscc in wanted:
            self.employers[uscc] = None
        for pk, uscc, name in Employer.objects.filter(uscc__in=wanted).values_list("pk", "uscc", "name"):
            self.employers[uscc] = (pk, name)

    def union_error(self, code: str) -> str | None:
        hit = self.unions.get(code)
        if hit is None or not hit[1].startswith(self.scope_path):
            # Missing and outside the subtree read the same (the access rule: never confirm
            # that another part of the tree has a union with this code).
            return _("工会编码“%(code)s”不存在，或不在本工会范围内。") % {"code": code}
        if hit[3] != "active":
            return _("工会“%(code)s”已撤销或合并，不能接收会员。") % {"code": code}
        if hit[2] not in ACCEPTING_KINDS:
            return _("会员须加入基层工会、联合基层工会、分工会或工会联合会，不能直接加入“%(code)s”。") % {
                "code": code
            }
        return None


def existing_people(indexes: Iterable[str]) -> dict[str, tuple[int, list[tuple[int, str]]]]:
    """Blind indexes of ID numbers → (person id, [(union id, status) of current or pending
    memberships]): one query for the people of a whole chunk and one for their memberships."""
    wanted = [i for i in indexes if i]
    if not wanted:
        return {}
    if connection.vendor == "postgresql":  # one array parameter instead of 2,000 placeholders
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, id_number_index FROM members_person WHERE id_number_index = ANY(%s)", [wanted]
            )
            people = dict(cursor.fetchall())
    else:
        people = dict(Person.objects.filter(id_number_index__in=wanted).values_list("pk", "id_number_index"))
    out: dict[str, tuple[int, list[tuple[int, str]]]] = {idx: (pk, []) for pk, idx in people.items()}
    if people:
        for person_id, union_id, status in Membership.objects.filter(
            person_id__in=list(people), status__in=["active", "suspended", "pending"]
        ).values_list("person_id", "union_id", "status"):
            out[people[person_id]][1].append((union_id, status))
    return out


def membership_problem(union_id: int, memberships: list[tuple[int, str]]) -> str | None:
    """None: can join; "skip": already a current member of this very union; else the reason."""
    for m_union, status in memberships:
        if status in ("active", "suspended"):
            if m_union == union_id:
                return "skip"
            return _("该职工已是其他工会的会员，不能重复入会；如需转会请办理转会。")
    if memberships:
        return _("该职工有待审核的入会申请，请先在审批中处理。")
    return None
