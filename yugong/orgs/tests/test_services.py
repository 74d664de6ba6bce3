from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.helpers import UserFactory, grant, make_union
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.models import AuditEvent, DailyFact
from yugong.orgs import extensions, services
from yugong.orgs.models import Employer, RoleAssignment, ServiceRecord, Union, UnionEvent, path_segment

from .authz import uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(city: Union) -> dict[str, Any]:
    a = make_union(city, kind="district", name="甲区总工会")
    a1 = make_union(a, kind="grassroots", name="甲一")
    a11 = make_union(a1, kind="branch", name="甲一分会")
    a111 = make_union(a11, kind="branch", name="甲一小组")
    b = make_union(city, kind="district", name="乙区总工会")
    chair = UserFactory(is_staff=True)
    grant(chair, city, "chair")
    return {"city": city, "a": a, "a1": a1, "a11": a11, "a111": a111, "b": b, "chair": chair}


def _reload(*unions: Union) -> list[Union]:
    return [Union.objects.get(pk=u.pk) for u in unions]


def test_create_records_event_audit_and_fact(tree: dict[str, Any]) -> None:
    child = services.union_create(
        actor=tree["chair"],
        parent=tree["b"],
        name=" 乙区 快递 工会 ",
        code="b-9",
        kind="federation",
        serves_forms=["courier", "rider"],
    )
    assert child.name == "乙区 快递 工会" and child.code == "B-9"
    assert child.path == tree["b"].path + path_segment(child.pk) and child.depth == 2
    assert UnionEvent.objects.filter(union=child, kind="created").exists()
    assert AuditEvent.objects.filter(action="union.create", object_id=str(child.pk)).exists()
    assert DailyFact.objects.get(metric="unions.created", union_id=child.pk).dim == "federation"


def test_create_validates_in_chinese(tree: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.union_create(
            actor=tree["chair"], parent=tree["b"], name="X", code=tree["a"].code, kind="grassroots"
        )
    assert "code" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.union_create(
            actor=tree["chair"],
            parent=tree["b"],
            name="X",
            code="X1",
            kind="grassroots",
            uscc="91500103000000001X",
        )
    assert "校验位" in str(exc.value.fields["uscc"][0])
    with pytest.raises(ValidationFailed):
        services.union_create(actor=tree["chair"], parent=tree["b"], name="X", code="X2", kind="city")
    with pytest.raises(ValidationFailed):
        services.union_create(
            actor=tree["chair"],
            parent=tree["b"],
            name="X",
            code="X3",
            kind="federation",
            serves_forms=["pilot"],
        )


def test_update_renames_with_history(tree: dict[str, Any]) -> None:
    a = services.union_update(actor=tree["chair"], union=tree["a"], name="甲区总工会（新）", district="甲区")
    event = UnionEvent.objects.filter(union=a).order_by("-id").first()
    assert event is not None and event.kind == "renamed"
    # clean_text folds full-width characters: names are stored in one form (search finds them)
    assert event.from_value["name"] == "甲区总工会" and event.to_value["name"] == "甲区总工会(新)"
    n = UnionEvent.objects.count()
    services.union_update(actor=tree["chair"], union=a, name="甲区总工会（新）")  # no change, no event
    assert UnionEvent.objects.count() == n


def test_move_rewrites_descendant_paths_and_keeps_history(tree: dict[str, Any]) -> None:
    a1, b = tree["a1"], tree["b"]
    services.union_move(actor=tree["chair"], union=a1, new_parent=b)
    a1, a11, a111, b = _reload(a1, tree["a11"], tree["a111"], b)
    assert a1.parent_id == b.pk
    assert a1.path == b.path + path_segment(a1.pk) and a1.depth == 2
    assert a11.path == a1.path + path_segment(a11.pk) and a11.depth == 3
    assert a111.path == a11.path + path_segment(a111.pk) and a111.depth == 4
    event = UnionEvent.objects.get(union=a1, kind="moved")
    assert event.from_value["parent"]["id"] == tree["a"].pk and event.to_value["parent"]["id"] == b.pk
    assert AuditEvent.objects.filter(action="union.move").exists()


def test_move_refuses_cycles_root_and_same_parent(tree: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed):
        services.union_move(actor=tree["chair"], union=tree["a"], new_parent=tree["a111"])
    with pytest.raises(ValidationFailed):
        services.union_move(actor=tree["chair"], union=tree["a"], new_parent=tree["a"])
    with pytest.raises(ValidationFailed):
        services.union_move(actor=tree["chair"], union=tree["city"], new_parent=tree["a"])
    with pytest.raises(ValidationFailed):
        services.union_move(actor=tree["chair"], union=tree["a1"], new_parent=tree["a"])


def test_move_needs_roles_on_both_ends(tree: dict[str, Any]) -> None:
    staff = UserFactory(is_staff=True)
    grant(staff, tree["a"], "staff")
    with pytest.raises(NotFound):  # the new parent is outside the staff member's subtree
        services.union_move(actor=staff, union=tree["a11"], new_parent=tree["b"])
    viewer = UserFactory(is_staff=True)
    grant(viewer, tree["a"], "viewer")
    with pytest.raises(PermissionDenied):
        services.union_move(actor=viewer, union=tree["a11"], new_parent=tree["a"])
    services.union_move(actor=staff, union=tree["a111"], new_parent=tree["a1"])
    assert Union.objects.get(pk=tree["a111"].pk).parent_id == tree["a1"].pk


def test_merge_moves_children_employers_calls_hooks_and_keeps_history(tree: dict[str, Any]) -> None:
    a1, b = tree["a1"], tree["b"]
    employer = Employer.objects.create(name="甲一厂", uscc=uscc(7), union=a1, managing_union=tree["a"])
    holder = UserFactory(is_staff=True)
    grant(holder, a1, "staff")
    calls: list[tuple[int, int]] = []

    def hook(*, actor: Any, union: Union, into: Union) -> None:
        calls.append((union.pk, into.pk))

    extensions.on_union_merged(hook)
    try:
        services.union_merge(actor=tree["chair"], union=a1, into=b)
    finally:
        extensions.unregister(hook)
    a1, a11, a111, b = _reload(a1, tree["a11"], tree["a111"], b)
    assert calls == [(a1.pk, b.pk)]
    assert a1.status == "merged" and a1.merged_into_id == b.pk and a1.closed_on is not None
    assert a11.parent_id == b.pk and a11.path == b.path + path_segment(a11.pk) and a11.depth == 2
    assert a111.path == a11.path + path_segment(a111.pk) and a111.depth == 3
    assert Employer.objects.get(pk=employer.pk).union_id == b.pk
    assert not RoleAssignment.objects.filter(user=holder, active=True).exists()
    assert UnionEvent.objects.filter(union=a1, kind="merged").exists()
    assert UnionEvent.objects.filter(union=b, kind="absorbed").exists()
    assert UnionEvent.objects.filter(union=a11, kind="moved").exists()
    assert DailyFact.objects.filter(metric="unions.merged", union_id=a1.pk).exists()
    with pytest.raises(ValidationFailed):  # merged unions take no further changes
        services.union_merge(actor=tree["chair"], union=a1, into=b)


def test_merge_refuses_into_own_subtree(tree: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed):
        services.union_merge(actor=tree["chair"], union=tree["a"], into=tree["a11"])
    staff = UserFactory(is_staff=True)
    grant(staff, tree["city"], "staff")
    with pytest.raises(PermissionDenied):  # merging needs a chair or vice-chair
        services.union_merge(actor=staff, union=tree["a1"], into=tree["b"])


def test_merge_hook_failure_rolls_everything_back(tree: dict[str, Any]) -> None:
    def hook(*, actor: Any, union: Union, into: Union) -> None:
        raise ValidationFailed(message="还有未处理的会员")

    extensions.on_union_merged(hook)
    try:
        with pytest.raises(ValidationFailed):
            services.union_merge(actor=tree["chair"], union=tree["a1"], into=tree["b"])
    finally:
        extensions.unregister(hook)
    a1, a11 = _reload(tree["a1"], tree["a11"])
    assert a1.status == "active" and a11.parent_id == a1.pk


def test_close_and_reopen(tree: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.union_close(actor=tree["chair"], union=tree["a11"], reason="撤并")
    assert "下级" in str(exc.value.fields["union"][0])
    employer = Employer.objects.create(name="小组单位", uscc=uscc(8), union=tree["a111"], unionised=True)
    holder = UserFactory(is_staff=True)
    grant(holder, tree["a111"], "chair")
    leaf = services.union_close(
        actor=tree["chair"], union=tree["a111"], reason="企业注销", closed_on=dt.date(2025, 1, 2)
    )
    assert leaf.status == "closed" and leaf.closed_on == dt.date(2025, 1, 2)
    employer.refresh_from_db()
    assert employer.union_id is None and not employer.unionised
    from yugong.orgs.access import can_act

    assert not can_act(holder, leaf)  # roles at a closed union stop working
    assert DailyFact.objects.filter(metric="unions.closed", union_id=leaf.pk).exists()
    services.union_reopen(actor=tree["chair"], union=leaf)
    assert list(UnionEvent.objects.filter(union=leaf).values_list("kind", flat=True).order_by("id")) == [
        "created",
        "closed",
        "reopened",
    ]


def test_close_hook_can_refuse(tree: dict[str, Any]) -> None:
    def hook(*, actor: Any, union: Union) -> None:
        raise Conflict("该工会还有会员")

    extensions.on_union_closing(hook)
    try:
        with pytest.raises(Conflict):
            services.union_close(actor=tree["chair"], union=tree["a111"], reason="x")
    finally:
        extensions.unregister(hook)
    assert Union.objects.get(pk=tree["a111"].pk).status == "active"


# --- Employers --------------------------------------------------------------------------------


def test_employer_create_checks_uscc(tree: dict[str, Any]) -> None:
    code = uscc(11)
    employer = services.employer_create(
        actor=tree["chair"],
        name="重庆某某有限公司",
        uscc=code.lower(),
        managing_union=tree["a"],
        union=tree["a1"],
        industry="C",
    )
    assert employer.uscc == code and employer.unionised
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(ValidationFailed) as exc:
        services.employer_create(actor=tree["chair"], name="X", uscc=bad, managing_union=tree["a"])
    assert "校验位" in str(exc.value.fields["uscc"][0])
    with pytest.raises(ValidationFailed) as exc:
        services.employer_create(actor=tree["chair"], name="X", uscc="ABC", managing_union=tree["a"])
    assert "18位" in str(exc.value.fields["uscc"][0])
    with pytest.raises(ValidationFailed) as exc:
        services.employer_create(actor=tree["chair"], name="重复", uscc=code, managing_union=tree["a"])
    assert "已登记" in str(exc.value.fields["uscc"][0])
    with pytest.raises(ValidationFailed):  # a district federation does not "cover" an employer
        services.employer_create(
            actor=tree["chair"], name="Y", uscc=uscc(12), managing_union=tree["a"], union=tree["a"]
        )


def test_employer_scope(tree: dict[str, Any]) -> None:
    staff = UserFactory(is_staff=True)
    grant(staff, tree["a"], "staff")
    with pytest.raises(NotFound):
        services.employer_create(actor=staff, name="乙区单位", uscc=uscc(13), managing_union=tree["b"])
    employer = services.employer_create(actor=staff, name="甲区单位", uscc=uscc(14), managing_union=tree["a"])
    employer = services.employer_update(actor=staff, employer=employer, headcount=30, union=tree["a1"])
    assert employer.headcount == 30 and employer.unionised
    with pytest.raises(NotFound):
        services.employer_update(actor=staff, employer=employer, union=tree["b"])


# --- Roles and administrators -------------------------------------------------------------------


def test_role_grant_and_revoke(tree: dict[str, Any]) -> None:
    from yugong.orgs.access import can_act

    chair_a = UserFactory(is_staff=True)
    grant(chair_a, tree["a"], "chair")
    user = UserFactory(is_staff=True)
    assignment = services.role_grant(actor=chair_a, user=user, union=tree["a1"], role="finance")
    assert can_act(user, tree["a11"], {"finance"})
    assert services.role_grant(actor=chair_a, user=user, union=tree["a1"], role="finance").pk == assignment.pk
    with pytest.raises(NotFound):
        services.role_grant(actor=chair_a, user=user, union=tree["b"], role="staff")
    staff = UserFactory(is_staff=True)
    grant(staff, tree["a"], "staff")
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=staff, user=user, union=tree["a1"], role="staff")
    services.role_revoke(actor=chair_a, assignment=assignment, reason="调岗")
    # the next request loads the user afresh: the revoked role no longer works
    assert not can_act(type(user).objects.get(pk=user.pk), tree["a11"])
    with pytest.raises(ValidationFailed):
        services.role_revoke(actor=chair_a, assignment=RoleAssignment.objects.get(user=chair_a))
    assert AuditEvent.objects.filter(action="role.revoke", object_id=str(assignment.pk)).exists()


def test_admin_roles_are_separate_from_business_roles(tree: dict[str, Any]) -> None:
    security = UserFactory(is_staff=True, admin_role="security")
    admin = UserFactory(is_staff=True)
    services.admin_role_assign(actor=security, user=admin, admin_role="system")
    admin.refresh_from_db()
    assert admin.admin_role == "system"
    with pytest.raises(Conflict):  # one administrator role per person
        services.admin_role_assign(actor=security, user=admin, admin_role="audit")
    with pytest.raises(Conflict):  # administrators hold no business roles
        services.role_grant(actor=tree["chair"], user=admin, union=tree["a"], role="staff")
    with pytest.raises(Conflict):  # business staff cannot become administrators
        services.admin_role_assign(actor=security, user=tree["chair"], admin_role="audit")
    with pytest.raises(PermissionDenied):  # no self-elevation
        services.admin_role_assign(actor=security, user=security, admin_role="")
    with pytest.raises(PermissionDenied):  # the system administrator does not hand out admin roles
        services.admin_role_assign(actor=admin, user=UserFactory(), admin_role="audit")
    services.admin_role_assign(actor=security, user=admin, admin_role="")
    admin.refresh_from_db()
    assert admin.admin_role == ""


# --- Ratings and volunteers -----------------------------------------------------------------


def test_home_rating_unique_per_year(tree: dict[str, Any]) -> None:
    services.home_rating_create(actor=tree["chair"], union=tree["a1"], level="city", kind="home", year=2024)
    services.home_rating_create(
        actor=tree["chair"], union=tree["a1"], level="national", kind="home", year=2024
    )
    with pytest.raises(ValidationFailed) as exc:
        services.home_rating_create(
            actor=tree["chair"], union=tree["a1"], level="city", kind="home", year=2024
        )
    assert "year" in exc.value.fields
    with pytest.raises(ValidationFailed):
        services.home_rating_create(
            actor=tree["chair"], union=tree["a1"], level="city", kind="home", year=1900
        )


def test_volunteer_teams_one_plus_n_plus_x(tree: dict[str, Any]) -> None:
    chair = tree["chair"]
    general = services.volunteer_team_create(actor=chair, union=tree["city"], name="总队", tier="general")
    with pytest.raises(ValidationFailed):
        services.volunteer_team_create(actor=chair, union=tree["city"], name="第二总队", tier="general")
    branch = services.volunteer_team_create(
        actor=chair, union=tree["a"], name="甲区支队", tier="branch", parent=general
    )
    community = services.volunteer_team_create(
        actor=chair, union=tree["a1"], name="甲一社区队", tier="community", parent=branch
    )
    with pytest.raises(ValidationFailed):
        services.volunteer_team_create(
            actor=chair, union=tree["a"], name="错", tier="branch", parent=community
        )
    with pytest.raises(ValidationFailed):
        services.volunteer_team_create(actor=chair, union=tree["a"], name="错", tier="branch")
    volunteer = services.volunteer_add(actor=chair, team=community, name="王小红", phone="138 0013 8000")
    assert volunteer.phone == "13800138000" and volunteer.masked_phone == "138****8000"
    with pytest.raises(ValidationFailed):
        services.volunteer_add(actor=chair, team=community, name="重复", phone="13800138000")
    services.service_record_add(
        actor=chair, volunteer=volunteer, served_on=dt.date(2025, 3, 1), hours="1.5", description="义诊"
    )
    services.service_record_add(
        actor=chair, volunteer=volunteer, served_on=dt.date(2025, 3, 2), minutes=30, description="宣讲"
    )
    with pytest.raises(ValidationFailed):
        services.service_record_add(
            actor=chair, volunteer=volunteer, served_on=dt.date(2025, 3, 2), minutes=0, description="x"
        )
    assert sorted(ServiceRecord.objects.values_list("minutes", flat=True)) == [30, 90]
    from yugong.orgs.selectors import volunteer_teams

    totals = {t.name: (t.volunteer_count, t.total_minutes) for t in volunteer_teams(chair)}  # type: ignore[attr-defined]
    assert totals["甲一社区队"] == (1, 120) and totals["总队"] == (0, 0)
