"""A small demo tree: the city federation, two districts, an industry union, grassroots unions and
a riders' federation; demo staff hold roles at their nodes."""

from __future__ import annotations

from typing import Any

from yugong.accounts.models import User

from .models import RoleAssignment, Union
from .services import role_grant, union_create

TREE = [
    # code, name, kind, parent code, district
    ("CQ", "重庆市总工会", "city", None, ""),
    ("CQ-YZ", "渝中区总工会", "district", "CQ", "渝中区"),
    ("CQ-JB", "江北区总工会", "district", "CQ", "江北区"),
    ("CQ-JX", "重庆市机械冶金工会", "industry", "CQ", ""),
    ("CQ-YZ-001", "重庆解放碑百货有限公司工会", "grassroots", "CQ-YZ", "渝中区"),
    ("CQ-YZ-002", "渝中区快递行业工会联合会", "federation", "CQ-YZ", "渝中区"),
    ("CQ-JB-001", "重庆长江机械厂工会", "grassroots", "CQ-JB", "江北区"),
    ("CQ-YZ-001-01", "解放碑百货第一分工会", "branch", "CQ-YZ-001", "渝中区"),
]

ROLES = [("city_chair", "CQ", "chair"), ("yuzhong_staff", "CQ-YZ", "staff"), ("hotline_op", "CQ", "hotline")]


def seed(stdout: Any) -> None:
    by_code = {u.code: u for u in Union.objects.filter(code__in=[t[0] for t in TREE])}
    for code, name, kind, parent_code, district in TREE:
        if code in by_code:
            continue
        parent = by_code.get(parent_code) if parent_code else None
        by_code[code] = union_create(
            actor=None, parent=parent, name=name, code=code, kind=kind, district=district
        )
    for username, code, role in ROLES:
        user = User.objects.filter(username=username).first()
        if (
            user
            and not RoleAssignment.objects.filter(
                user=user, union=by_code[code], role=role, active=True
            ).exists()
        ):
            role_grant(actor=None, user=user, union=by_code[code], role=role)
    stdout.write(f"demo union tree: {len(TREE)} unions")
