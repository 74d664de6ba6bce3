from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine

from yugong.core import sms
from yugong.core.timeutil import SHANGHAI
from yugong.rights import services
from yugong.rights.models import AppealEvent, HandlingStage
from yugong.rights.notify import sla_notify

from .conftest import Tree


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def test_notices_once_per_stage_and_threshold(tree: Tree, django_capture_on_commit_callbacks: Any) -> None:
    tree.store_staff.phone = "13611112222"
    tree.store_staff.save()
    tree.yz_staff.phone = "13633334444"
    tree.yz_staff.save()
    with time_machine.travel(t("2026-03-02 09:00"), tick=False):
        appeal = services.appeal_create(
            actor=tree.operator,
            channel="hotline",
            category="wages",
            facts="欠薪",
            caller_name="张三",
            caller_phone="13912345678",
            employer=tree.employer,
        )
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_notify(at=t("2026-03-02 12:00")) == 0  # not yet near (accept due 17:00, warn 15:00)
        assert sla_notify(at=t("2026-03-02 15:30")) == 1  # near
        assert sla_notify(at=t("2026-03-02 16:00")) == 0  # already told
        assert sla_notify(at=t("2026-03-03 09:00")) == 1  # overdue: the level above too
        assert sla_notify(at=t("2026-03-03 10:00")) == 0
    phones = [m.phone for m in sms.outbox]
    assert phones.count("13611112222") == 2 and phones.count("13633334444") == 1
    stage = HandlingStage.objects.get(pk=appeal.stage_id)
    assert stage.alerts_sent == ["accept:near", "accept:overdue"]
    assert AppealEvent.objects.filter(appeal=appeal, kind="sla_alert", public=False).count() == 2
