"""Starting a provider-bill reconciliation from the console (``/console/funds/reconciliations/new/``):
finance uploads the day's WeChat Pay trade bill or has it downloaded through the adapter (the local
fake of the protocol); a bad file is refused with each bad place named (第N行 / 列) and nothing
written; the run appears on the list; the authorization matrix; flat query counts."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.helpers import UserFactory, assert_max_queries, grant
from yugong.core.models import AuditEvent
from yugong.core.timeutil import SHANGHAI
from yugong.funds import ledger
from yugong.funds.models import Difference, Reconciliation
from yugong.funds.payments.wechatpay_bill import BillRow, write_bill
from yugong.funds.services import reconcile
from yugong.orgs.tests.authz import (
    ANY_CONSOLE,
    Route,
    World,
    build_world,
    cases,
    expected_status,
    module_world,
)

from .factories import build_world as build_funds_world
from .wechatpay_fake import FakeWeChatPay

pytestmark = pytest.mark.django_db

NEW = "/console/funds/reconciliations/new/"
DAY = dt.date(2026, 12, 5)


@pytest.fixture(autouse=True)
def _on_the_day() -> Any:
    """The books are written and the bill reconciled on DAY, whatever the hour the suite runs (a
    date read at import went stale when the run crossed midnight), at an hour when the UTC date is
    still the day before (the SQLite window once missed a day's first eight hours)."""
    with time_machine.travel(dt.datetime.combine(DAY, dt.time(3, 30), tzinfo=SHANGHAI), tick=True):
        yield


def _bill(rows: list[BillRow]) -> bytes:
    out = io.StringIO()
    write_bill(rows, out)
    return out.getvalue().encode()


def _rows() -> list[BillRow]:
    return [
        BillRow("2026-12-05 10:00:00", "4200001", "T-AMOUNT", "SUCCESS", 2_500, "", "", 0, 15),
        BillRow("2026-12-05 10:00:00", "4200002", "T-BILL-ONLY", "SUCCESS", 700, "", "", 0, 4),
        BillRow("2026-12-05 10:00:00", "4200003", "T-SAME", "SUCCESS", 900, "", "", 0, 5),
    ]


def _books() -> None:
    for ref, amount in (("T-BOOKS-ONLY", 1_000), ("T-AMOUNT", 2_000), ("T-SAME", 900)):
        ledger.post(
            kind="payment",
            lines=[(ledger.PLATFORM_CASH, amount), (ledger.merchant_payable(1), -amount)],
            external_ref=ref,
        )


def _upload(client: Any, union_id: int, content: bytes, name: str = "bill.csv") -> Any:
    return client.post(
        NEW,
        {
            "union": union_id,
            "day": DAY.isoformat(),
            "source": "upload",
            "file": SimpleUploadedFile(name, content),
        },
    )


def test_finance_uploads_the_bill_and_the_run_is_listed(client: Any) -> None:
    w = build_funds_world()
    _books()
    client.force_login(w.finance)
    body = client.get(reverse("funds:runs")).content.decode()
    assert f'href="{NEW}"' in body  # finance is offered the start
    assert client.get(NEW).status_code == 200
    r = _upload(client, w.company.pk, _bill(_rows()))
    run = Reconciliation.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("funds:run", args=[run.pk])
    assert (run.kind, run.union_id, run.statement_lines, run.differences) == (
        "provider_bill",
        w.company.pk,
        3,
        3,
    )
    kinds = sorted(Difference.objects.filter(run=run).values_list("external_ref", "kind"))
    assert kinds == [
        ("T-AMOUNT", "amount"),
        ("T-BILL-ONLY", "missing_in_ledger"),
        ("T-BOOKS-ONLY", "missing_in_statement"),
    ]
    event = AuditEvent.objects.get(action="funds.reconcile_provider_bill")
    assert event.actor_id == w.finance.pk and event.union_id == w.company.pk
    body = client.get(reverse("funds:runs")).content.decode()
    assert f'href="{reverse("funds:run", args=[run.pk])}"' in body


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            lambda good: good.replace(b"`2500", b"`25.001", 1).replace(b"`25.00,", b"`25.001,", 1),
            "第2行 / 应结订单金额：金额格式不正确",
        ),
        (lambda good: good.replace(b"`T-BILL-ONLY", b"`", 1), "第3行 / 商户订单号：此项为必填项"),
        (
            lambda good: good.replace(b"\r\n`2026-12-05 10:00:00,`,`,`,`,`4200003", b"\r\n`2026-12-05", 1),
            "第4行 / 手续费：列数不足（22 列，应有 27 列）",
        ),
        (lambda good: good.replace("商户订单号".encode(), b"order", 1), "第1行 / 商户订单号：缺少列"),
        (lambda good: good.decode().encode("gbk"), "UTF-8"),
        (lambda good: b"", "所提交的是空文件"),
        (lambda good: b"\r\n", "账单文件是空的"),
    ],
    ids=["amount", "no trade number", "short line", "header", "encoding", "empty", "no header"],
)
def test_a_bad_file_names_the_row_and_column_and_writes_nothing(
    client: Any, content: Any, expected: str
) -> None:
    w = build_funds_world()
    _books()
    client.force_login(w.finance)
    before = AuditEvent.objects.count()
    r = _upload(client, w.company.pk, content(_bill(_rows())))
    assert r.status_code == 200
    errors = " ".join(str(e) for e in r.context["form"].errors.get("file", []))
    assert expected in errors, errors
    assert not Reconciliation.objects.exists() and not Difference.objects.exists()
    assert AuditEvent.objects.count() == before


def test_every_bad_line_is_listed(client: Any) -> None:
    w = build_funds_world()
    client.force_login(w.finance)
    rows = [BillRow("2026-12-05 10:00:00", f"42{i}", f"T{i}", "SUCCESS", 100, "", "", 0, 1) for i in range(5)]
    content = _bill(rows).replace(b"`1.00,", b"`1.0x,")  # every line's 应结订单金额
    errors = _upload(client, w.company.pk, content).context["form"].errors["file"]
    assert [e.split("：")[0] for e in errors] == [f"第{n}行 / 应结订单金额" for n in range(2, 7)]
    assert not Reconciliation.objects.exists()


def test_the_bill_downloaded_through_the_adapter(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    w = build_funds_world()
    _books()
    fake = FakeWeChatPay()
    fake.put_bill(DAY, _rows())
    monkeypatch.setattr(reconcile, "bill_client", fake.client)
    client.force_login(w.finance)
    r = client.post(NEW, {"union": w.company.pk, "day": DAY.isoformat(), "source": "fetch"})
    run = Reconciliation.objects.get()
    assert r.status_code == 302 and run.statement_lines == 3 and run.differences == 3
    assert run.source == f"wechatpay {DAY.isoformat()}"
    # A bill altered on the way (its SHA1 no longer the one the API gave) reconciles nothing.
    fake.bills[DAY.isoformat()] = fake.bills[DAY.isoformat()].replace(b"`T-SAME", b"`T-SAMF")
    original = fake.client

    def tampered() -> Any:
        c = original()
        call = c._call
        c._call = lambda *a, **k: call(*a, **k) | {"hash_value": "0" * 40}  # type: ignore[method-assign]
        return c

    monkeypatch.setattr(reconcile, "bill_client", tampered)
    r = client.post(NEW, {"union": w.company.pk, "day": DAY.isoformat(), "source": "fetch"})
    assert r.status_code == 200 and "SHA1" in str(r.context["form"].errors["file"])
    assert Reconciliation.objects.count() == 1


def test_without_wechatpay_configured_the_download_is_refused_clearly(client: Any, settings: Any) -> None:
    settings.PAYMENT_GATEWAY = "sim"
    w = build_funds_world()
    client.force_login(w.finance)
    r = client.post(NEW, {"union": w.company.pk, "day": DAY.isoformat(), "source": "fetch"})
    assert r.status_code == 200 and "未配置微信支付商户参数" in str(r.context["form"].non_field_errors())
    r = client.post(NEW, {"union": w.company.pk, "day": DAY.isoformat(), "source": "upload"})
    assert "请选择账单文件" in str(r.context["form"].errors["file"])
    assert not Reconciliation.objects.exists()


def test_auditor_and_leaders_without_finance_cannot_start(client: Any) -> None:
    w = build_funds_world()
    for who in (w.auditor, w.vice_chair, w.preparer):
        client.force_login(who)
        assert 'data-testid="run-start"' not in client.get(reverse("funds:runs")).content.decode()
        assert client.get(NEW).status_code == 403
        assert _upload(client, w.company.pk, _bill(_rows())).status_code == 403
    client.force_login(w.outsider)  # a chair (finance role) elsewhere: this union is not theirs
    assert _upload(client, w.company.pk, _bill(_rows())).status_code == 404
    assert not Reconciliation.objects.exists()


@pytest.mark.parametrize("extra", [2, 20])
def test_start_and_list_pages_have_flat_query_counts(client: Any, extra: int) -> None:
    w = build_funds_world()
    for i in range(extra):
        grant(UserFactory(), w.company, "finance")
        reconcile.provider_bill_reconcile(
            actor=w.finance, union=w.company, day=DAY - dt.timedelta(days=i), rows=_rows()
        )
    client.force_login(w.chair)  # the chair pays too (finance roles), at one union
    client.get(reverse("funds:runs"))
    for url in (NEW, reverse("funds:runs")):
        with assert_max_queries(14):
            assert client.get(url).status_code == 200


# --- the authorization matrix -----------------------------------------------------------------------

FINANCE = frozenset({"chair"})  # of the matrix's actors, the chair holds a finance role


def start_world() -> World:
    return build_world()


authz_world = module_world(start_world)


def _form(w: World, where: str) -> dict[str, Any]:
    return {
        "union": w.pk("union", where),
        "day": DAY.isoformat(),
        "source": "upload",
        "file": SimpleUploadedFile("bill.csv", _bill(_rows())),
    }


def _post_rule(actor: str, where: str) -> int | None:
    if actor == "chair" and where == "inside":
        return 302  # the run's page
    if actor == "hotline":
        return 404  # no funds role: the union is not visible to them, like missing
    return None


ROUTES = [
    Route("reconcile start page", "GET", lambda w, _: NEW, FINANCE, scoped=False),
    Route("reconcile start", "POST", lambda w, _: NEW, FINANCE, ok=302, data=_form, expect=_post_rule),
]


@pytest.mark.parametrize(("route", "actor", "where"), cases(ROUTES))
def test_reconcile_start_authz(route: Route, actor: str, where: str, authz_world: World, client: Any) -> None:
    user = authz_world.users[actor]
    if user is not None:
        client.force_login(user)
    url = route.url(authz_world, where)
    data = route.data(authz_world, where) if route.data else {}
    response = client.get(url) if route.method == "GET" else client.post(url, data)
    want = expected_status(route, actor, where)
    assert response.status_code == want, f"{route} as {actor} ({where}): {response.status_code}"
    assert ANY_CONSOLE  # the page is a console page: workers and anonymous are turned away first
