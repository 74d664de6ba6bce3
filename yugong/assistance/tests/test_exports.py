"""The .xlsx exports: masked by default, clear only for a managing role over the union (audited),
scoped to the viewer's subtree."""

from __future__ import annotations

import io

from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tests.helpers import UserFactory, grant
from yugong.assistance import services as s
from yugong.core.models import AuditEvent

from .campaign_world import active_file, build_world, cycle
from .conftest import LINE, Tree


def login(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def _rows(body: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_files_export_masked_then_clear_and_audited(tree: Tree) -> None:
    active_file(tree.store, income_fen=LINE - 1, name="欧阳娜娜")
    active_file(tree.factory, income_fen=LINE - 1, name="江北某")
    staff = login(tree.yz_staff)
    rows = _rows(staff.get(reverse("assistance:files_export")).content)
    assert len(rows) == 2 and "欧阳娜娜" not in str(rows) and "8901" in str(rows) and "江北" not in str(rows)
    assert not AuditEvent.objects.filter(action="pii.view").exists()
    rows = _rows(staff.get(reverse("assistance:files_export") + "?clear=1").content)
    assert "欧阳娜娜" in str(rows) and "6222020012345678901" in str(rows)
    assert AuditEvent.objects.filter(action="pii.view", union_id=tree.yuzhong.pk).count() == 1
    viewer = UserFactory()
    grant(viewer, tree.yuzhong, "viewer")
    assert login(viewer).get(reverse("assistance:files_export") + "?clear=1").status_code == 403
    assert staff.get(reverse("assistance:files_export") + f"?union={tree.factory.pk}").status_code == 404


def test_cycle_export_lists_the_households_and_their_payments(tree: Tree) -> None:
    world = build_world(tree)
    active_file(tree.store, income_fen=LINE - 1, name="欧阳娜娜")
    y = s.cycle_build(actor=tree.yz_staff, cycle=cycle(world))
    staff = login(tree.yz_staff)
    rows = _rows(staff.get(reverse("assistance:cycle_export", args=[y.pk])).content)
    assert len(rows) == 2 and rows[1][5] == "1,000.00" and "欧阳娜娜" not in str(rows)
    rows = _rows(staff.get(reverse("assistance:cycle_export", args=[y.pk]) + "?clear=1").content)
    assert "欧阳娜娜" in str(rows)
    assert AuditEvent.objects.filter(action="pii.view", object_id=str(y.pk)).exists()
    assert login(tree.jb_staff).get(reverse("assistance:cycle_export", args=[y.pk])).status_code == 404
