"""Volunteer service: activities, sign-up on the phone, hours recorded by the lead and confirmed or
disputed by the volunteer, team totals, the statement and the cockpit facts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client

from tests.helpers import UserFactory, assert_max_queries, grant, make_union
from yugong.accounts.models import User
from yugong.accounts.system import system_actor
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.facts import fact_total
from yugong.core.timeutil import now
from yugong.orgs import selectors, services
from yugong.orgs.models import ServiceActivity, ServiceRecord, ServiceSignup, Union, Volunteer, VolunteerTeam

pytestmark = pytest.mark.django_db


@dataclass
class W:
    city: Union
    district: Union
    team: VolunteerTeam
    staff: User
    viewer: User
    outsider: User
    workers: list[User]


def build(n_workers: int = 3) -> W:
    city = make_union(None, name="重庆市总工会")
    district = make_union(city, kind="district", name="渝中区总工会")
    other = make_union(city, kind="district", name="江北区总工会")
    general = services.volunteer_team_create(actor=system_actor(), union=city, name="市总队", tier="general")
    team = services.volunteer_team_create(
        actor=system_actor(),
        union=district,
        name="渝中区劳模工匠服务队",
        tier="branch",
        parent=general,
        specialty="three_entries",
    )
    staff = UserFactory(is_staff=True)
    grant(staff, district, "staff")
    viewer = UserFactory(is_staff=True)
    grant(viewer, district, "viewer")
    outsider = UserFactory(is_staff=True)
    grant(outsider, other, "staff")
    workers = [UserFactory(phone=f"1390000{i:04d}", display_name=f"职工{i}") for i in range(n_workers)]
    return W(city, district, team, staff, viewer, outsider, workers)


def make_activity(w: W, *, capacity: int = 2, hours_from_now: float = 48, span: float = 3) -> ServiceActivity:
    start = now() + dt.timedelta(hours=hours_from_now)
    return services.service_activity_create(
        actor=w.staff,
        team=w.team,
        title="劳模进社区·家电义务维修",
        beneficiaries="解放碑社区居民",
        place="解放碑社区服务中心",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=span),
        capacity=capacity,
    )


def start_now(activity: ServiceActivity) -> None:
    """Time travel for the day of service: the activity began an hour ago."""
    span = activity.ends_at - activity.starts_at
    start = now() - dt.timedelta(hours=1)
    ServiceActivity.objects.filter(pk=activity.pk).update(starts_at=start, ends_at=start + span)
    activity.refresh_from_db()


def test_team_has_the_seeds_specialty_and_activity_checks_fields() -> None:
    w = build()
    assert w.team.get_specialty_display() == "劳模工匠三进"
    with pytest.raises(ValidationFailed) as exc:
        services.volunteer_team_create(
            actor=system_actor(),
            union=w.district,
            name="x",
            tier="community",
            parent=w.team,
            specialty="nope",
        )
    assert "specialty" in exc.value.fields
    start = now() + dt.timedelta(days=1)
    with pytest.raises(ValidationFailed) as exc:
        services.service_activity_create(
            actor=w.staff, team=w.team, title="", beneficiaries="", place="", starts_at=start,
            ends_at=start - dt.timedelta(hours=1), capacity=0,
        )  # fmt: skip
    assert set(exc.value.fields) == {"title", "beneficiaries", "place", "ends_at", "capacity"}
    assert "服务对象" in str(exc.value.fields["beneficiaries"][0])
    with pytest.raises(PermissionDenied):
        make_activity(W(w.city, w.district, w.team, w.viewer, w.viewer, w.outsider, w.workers))
    assert fact_total(metric="volunteers.activities", union_ids=[w.district.pk]) == 0


def test_signup_takes_a_place_once_and_joins_the_team_roll() -> None:
    w = build()
    act = make_activity(w, capacity=2)
    s = services.service_signup(actor=w.workers[0], activity_id=act.pk)
    assert s.volunteer.user == w.workers[0] and s.volunteer.team == w.team
    assert s.volunteer.name == "职工0" and s.volunteer.phone == "13900000000"
    with pytest.raises(Conflict) as dup:
        services.service_signup(actor=w.workers[0], activity_id=act.pk)
    assert dup.value.code == "duplicate_signup"
    services.service_signup(actor=w.workers[1], activity_id=act.pk)
    with pytest.raises(Conflict) as full:
        services.service_signup(actor=w.workers[2], activity_id=act.pk)
    assert full.value.code == "full"
    act.refresh_from_db()
    assert act.signed_up == 2 == ServiceSignup.objects.filter(activity=act).count()
    # Nothing half-written for the refused worker: no sign-up (their volunteer row is the roll).
    assert not ServiceSignup.objects.filter(user=w.workers[2]).exists()
    # Cancelling gives the place back, and the worker may sign up again.
    services.service_signup_cancel(actor=w.workers[0], signup_id=s.pk)
    act.refresh_from_db()
    assert act.signed_up == 1
    services.service_signup(actor=w.workers[2], activity_id=act.pk)
    assert fact_total(metric="volunteers.registered", union_ids=[w.district.pk]) == 3
    assert fact_total(metric="volunteers.signups", union_ids=[w.district.pk]) == 3


def test_signup_links_a_volunteer_entered_by_staff_with_the_same_phone() -> None:
    w = build()
    entered = services.volunteer_add(actor=w.staff, team=w.team, name="王师傅", phone="13900000001")
    act = make_activity(w)
    s = services.service_signup(actor=w.workers[1], activity_id=act.pk)
    assert s.volunteer_id == entered.pk
    assert Volunteer.objects.get(pk=entered.pk).user == w.workers[1]


def test_signup_refused_after_start_cancelled_and_for_anonymous() -> None:
    w = build()
    act = make_activity(w)
    start_now(act)
    with pytest.raises(Conflict):
        services.service_signup(actor=w.workers[0], activity_id=act.pk)
    other = make_activity(w)
    services.service_activity_cancel(actor=w.staff, activity_id=other.pk)
    with pytest.raises(NotFound):
        services.service_signup(actor=w.workers[0], activity_id=other.pk)
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotFound):
        services.service_signup(actor=AnonymousUser(), activity_id=act.pk)  # type: ignore[arg-type]


def test_hours_recorded_by_lead_confirmed_by_worker_count_once() -> None:
    w = build()
    act = make_activity(w, span=3)
    s = services.service_signup(actor=w.workers[0], activity_id=act.pk)
    with pytest.raises(Conflict):  # not started yet
        services.service_hours_record(actor=w.staff, signup_id=s.pk, hours="2")
    start_now(act)
    # The lead (a worker named by staff) records; a worker who is not the lead cannot.
    services.team_leader_set(actor=w.staff, team=w.team, volunteer_id=s.volunteer_id)
    lead = w.workers[0]
    with pytest.raises(NotFound):
        services.service_hours_record(actor=w.outsider, signup_id=s.pk, hours="2")
    with pytest.raises(ValidationFailed) as too_long:
        services.service_hours_record(actor=lead, signup_id=s.pk, hours="3.5")
    assert "hours" in too_long.value.fields
    record = services.service_hours_record(actor=lead, signup_id=s.pk, hours="2.5")
    assert record.status == "pending" and record.minutes == 150
    team = selectors.volunteer_teams(w.staff).get(pk=w.team.pk)
    assert (team.total_minutes, team.service_count) == (0, 0)  # pending time does not count
    # Someone else cannot confirm the worker's hours.
    with pytest.raises(NotFound):
        services.service_hours_confirm(actor=w.workers[1], record_id=record.pk)
    services.service_hours_confirm(actor=w.workers[0], record_id=record.pk)
    services.service_hours_confirm(actor=w.workers[0], record_id=record.pk)  # a double tap
    team = selectors.volunteer_teams(w.staff).get(pk=w.team.pk)
    assert (team.total_minutes, team.service_count) == (150, 1)
    assert fact_total(metric="volunteers.services", union_ids=[w.district.pk]) == 1
    assert fact_total(metric="volunteers.minutes", union_ids=[w.district.pk]) == 150
    with pytest.raises(Conflict):  # confirmed time is final
        services.service_hours_record(actor=lead, signup_id=s.pk, hours="1")


def test_disputed_hours_are_corrected_then_confirmed() -> None:
    w = build()
    act = make_activity(w, span=4)
    s = services.service_signup(actor=w.workers[1], activity_id=act.pk)
    start_now(act)
    record = services.service_hours_record(actor=w.staff, signup_id=s.pk, hours="1")
    with pytest.raises(ValidationFailed) as exc:
        services.service_hours_dispute(actor=w.workers[1], record_id=record.pk, note="  ")
    assert "note" in exc.value.fields
    services.service_hours_dispute(actor=w.workers[1], record_id=record.pk, note="实际服务了3小时")
    with pytest.raises(Conflict):
        services.service_hours_confirm(actor=w.workers[1], record_id=record.pk)
    corrected = services.service_hours_record(actor=w.staff, signup_id=s.pk, hours="3")
    assert corrected.pk == record.pk and corrected.status == "pending" and corrected.dispute_note == ""
    services.service_hours_confirm(actor=w.workers[1], record_id=record.pk)
    statement = selectors.hours_statement(w.workers[1])
    assert statement["total_hours"] == 3.0 and statement["count"] == 1
    assert statement["by_team"] == [("渝中区劳模工匠服务队", 3.0)]


def test_close_records_beneficiaries_once() -> None:
    w = build()
    act = make_activity(w)
    with pytest.raises(Conflict):
        services.service_activity_close(actor=w.staff, activity_id=act.pk, beneficiary_count=30)
    start_now(act)
    services.service_activity_close(actor=w.staff, activity_id=act.pk, beneficiary_count=30)
    services.service_activity_close(actor=w.staff, activity_id=act.pk, beneficiary_count=35)
    assert fact_total(metric="volunteers.beneficiaries", union_ids=[w.district.pk]) == 35
    with pytest.raises(ValidationFailed):
        services.service_activity_close(actor=w.staff, activity_id=act.pk, beneficiary_count=-1)


def test_staff_recorded_time_of_a_volunteer_without_account_counts_at_once() -> None:
    w = build()
    v = services.volunteer_add(actor=w.staff, team=w.team, name="李春梅", phone="13800230001")
    record = services.service_record_add(
        actor=w.staff, volunteer=v, served_on=now().date(), hours="2", description="站点值守"
    )
    assert record.status == ServiceRecord.Status.CONFIRMED
    assert fact_total(metric="volunteers.minutes", union_ids=[w.district.pk]) == 120


# --- pages -----------------------------------------------------------------------------------------


def test_worker_pages_sign_up_confirm_and_statement(client: Client) -> None:
    w = build()
    act = make_activity(w)
    page = client.get("/orgs/volunteer/")
    assert page.status_code == 200 and "劳模进社区" in page.content.decode()
    assert client.get(f"/orgs/volunteer/a/{act.pk}/").status_code == 200
    anon = client.post(f"/orgs/volunteer/a/{act.pk}/signup/")
    assert anon.status_code == 302 and "login" in anon["Location"]
    client.force_login(w.workers[0])
    assert client.post(f"/orgs/volunteer/a/{act.pk}/signup/")["Location"] == "/orgs/volunteer/mine/"
    start_now(act)
    signup = ServiceSignup.objects.get(user=w.workers[0])
    record = services.service_hours_record(actor=w.staff, signup_id=signup.pk, hours="2")
    mine = client.get("/orgs/volunteer/mine/").content.decode()
    assert 'data-testid="confirm-hours"' in mine
    client.post(f"/orgs/volunteer/records/{record.pk}/confirm/")
    assert ServiceRecord.objects.get(pk=record.pk).status == "confirmed"
    statement = client.get("/orgs/volunteer/statement/").content.decode()
    assert 'data-testid="statement-hours">2.0<' in statement
    # Another worker's record: 404, like a missing one.
    client.force_login(w.workers[1])
    assert client.post(f"/orgs/volunteer/records/{record.pk}/confirm/").status_code == 404
    assert client.post(f"/orgs/volunteer/records/{record.pk}/nope/").status_code == 404


def test_roll_page_for_lead_and_staff_only(client: Client) -> None:
    w = build()
    act = make_activity(w, capacity=5)
    for worker in w.workers:
        services.service_signup(actor=worker, activity_id=act.pk)
    start_now(act)
    client.force_login(w.workers[1])
    assert client.get(f"/orgs/volunteer/a/{act.pk}/roll/").status_code == 404
    client.force_login(w.viewer)
    assert client.get(f"/orgs/volunteer/a/{act.pk}/roll/").status_code == 403
    client.force_login(w.outsider)
    assert client.get(f"/orgs/volunteer/a/{act.pk}/roll/").status_code == 404
    client.force_login(w.staff)
    with assert_max_queries(14):
        page = client.get(f"/orgs/volunteer/a/{act.pk}/roll/")
    assert page.content.decode().count('data-testid="roll-row"') == 3
    signup = ServiceSignup.objects.filter(activity=act).first()
    assert signup is not None
    bad = client.post(
        f"/orgs/volunteer/a/{act.pk}/roll/", {"form": "hours", "signup": signup.pk, "hours": "9"}
    )
    assert bad.status_code == 302 and not ServiceRecord.objects.exists()
    client.post(f"/orgs/volunteer/a/{act.pk}/roll/", {"form": "hours", "signup": signup.pk, "hours": "1.5"})
    assert ServiceRecord.objects.get().minutes == 90
    client.post(f"/orgs/volunteer/a/{act.pk}/roll/", {"form": "close", "beneficiary_count": "40"})
    assert ServiceActivity.objects.get(pk=act.pk).beneficiary_count == 40


def test_console_team_page_creates_activities_and_sets_the_lead(client: Client) -> None:
    w = build()
    act = make_activity(w)
    signup = services.service_signup(actor=w.workers[0], activity_id=act.pk)
    client.force_login(w.staff)
    start = (now() + dt.timedelta(days=2)).astimezone().strftime("%Y-%m-%dT%H:%M")
    end = (now() + dt.timedelta(days=2, hours=2)).astimezone().strftime("%Y-%m-%dT%H:%M")
    form = {"title": "爱心慰问环卫工人", "beneficiaries": "环卫工人", "place": "渝工港湾解放碑站",
            "starts_at": start, "ends_at": end, "capacity": "10"}  # fmt: skip
    made = client.post(f"/orgs/volunteers/{w.team.pk}/activities/new/", form)
    assert made.status_code == 302, made.content.decode()[:500]
    bad = client.post(f"/orgs/volunteers/{w.team.pk}/activities/new/", {**form, "beneficiaries": ""})
    assert bad.status_code == 422 and "服务对象" in bad.content.decode()
    client.post(f"/orgs/volunteers/{w.team.pk}/", {"form": "leader", "volunteer": signup.volunteer_id})
    assert VolunteerTeam.objects.get(pk=w.team.pk).leader == w.workers[0]
    page = client.get(f"/orgs/volunteers/{w.team.pk}/").content.decode()
    assert "爱心慰问环卫工人" in page and "劳模工匠三进" in page
    client.force_login(w.viewer)
    assert client.get(f"/orgs/volunteers/{w.team.pk}/activities/new/").status_code == 403


def test_team_list_query_count_is_flat(client: Client) -> None:
    w = build()
    client.force_login(w.staff)
    client.get("/orgs/volunteers/")
    with assert_max_queries(12) as few:
        client.get("/orgs/volunteers/")
    general = VolunteerTeam.objects.get(tier="general")
    for i in range(5):
        services.volunteer_team_create(
            actor=system_actor(), union=w.district, name=f"社区队{i}", tier="community", parent=general
        )
    with assert_max_queries(len(few.captured_queries)):
        client.get("/orgs/volunteers/")


def test_activity_list_is_public_and_flat(client: Client) -> None:
    w = build()
    for _ in range(2):
        make_activity(w)
    with assert_max_queries(10) as few:
        client.get("/orgs/volunteer/")
    for _ in range(5):
        make_activity(w)
    with assert_max_queries(len(few.captured_queries)):
        page = client.get("/orgs/volunteer/?specialty=three_entries")
    assert page.content.decode().count('data-testid="activity"') == 7
    assert (
        client.get("/orgs/volunteer/?specialty=caring").content.decode().count('data-testid="activity"') == 0
    )
