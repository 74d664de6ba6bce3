import datetime as dt

import pytest
from django.db import DatabaseError, transaction

from tests.helpers import UserFactory
from yugong.core.audit import audit_record, diff
from yugong.core.context import RequestInfo, reset_request_info, set_request_info
from yugong.core.facts import fact_record, fact_set, fact_total
from yugong.core.models import AuditEvent, DailyFact

pytestmark = pytest.mark.django_db


def test_audit_row_carries_actor_ip_and_changes():
    user = UserFactory()
    token = set_request_info(RequestInfo(ip="10.1.2.3", request_id="r1"))
    try:
        event = audit_record(
            actor=user, action="test.write", obj=user, union_id=7, changes={"name": ["a", "b"]}
        )
    finally:
        reset_request_info(token)
    event.refresh_from_db()
    assert (event.ip, event.request_id, event.union_id, event.actor_id) == ("10.1.2.3", "r1", 7, user.pk)
    assert event.object_type == "accounts.user" and event.changes == {"name": ["a", "b"]}


def test_audit_log_is_append_only_in_the_model_and_the_database():
    event = audit_record(actor=None, action="test.write")
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    assert AuditEvent.objects.get(pk=event.pk).action == "test.write"


def test_diff_hides_sensitive_values():
    assert diff({"phone": "1", "name": "a"}, {"phone": "2", "name": "b"}) == {
        "name": ["a", "b"],
        "phone": "changed",
    }


def test_facts_upsert_increments_one_cell():
    day = dt.date(2026, 11, 1)
    for _ in range(3):
        fact_record(metric="members.joined", union_id=5, day=day)
    fact_record(metric="members.joined", union_id=5, day=day, value=2, dim="rider")
    assert DailyFact.objects.get(day=day, union_id=5, metric="members.joined", dim="").value == 3
    assert fact_total(metric="members.joined", union_ids=[5]) == 5
    assert fact_total(metric="members.joined", union_ids=[5], dim="rider") == 2


def test_fact_set_keeps_the_latest_level():
    day = dt.date(2026, 11, 2)
    fact_set(metric="stations.coverage_permille", union_id=5, value=420, day=day)
    fact_set(metric="stations.coverage_permille", union_id=5, value=455, day=day)
    assert DailyFact.objects.get(day=day, union_id=5, metric="stations.coverage_permille").value == 455
