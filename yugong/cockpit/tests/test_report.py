"""The 数说工会 report: seed a (scaled) 2023, confirm bottom-up, lock, and read JSON, PDF and .docx."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from yugong.accounts.models import User
from yugong.cockpit import report, services
from yugong.orgs.models import Union


def test_cn_numbers_read_like_the_seeds():
    assert report.cn_number(5220) == "5220"
    assert report.cn_number(400_000) == "40万"
    assert report.cn_number(2_100_000) == "210万"
    assert report.cn_number(1_050_000) == "105万"
    assert report.cn_number(163_000_000) == "1.63亿"
    assert report.cn_yuan(163_000_000 * 100) == "1.63亿元"


@pytest.mark.django_db(transaction=True)
def test_seed_confirm_lock_and_report(tmp_path):
    call_command("seed_annual", year=2023, scale=0.01, stdout=io.StringIO())
    root = Union.objects.get(code="CQ")
    actor = User.objects.get(username="seed_annual")
    # the seed folded its year into the monthly roll-up (its facts came outside any request)
    from django.db.models import F

    from yugong.cockpit.models import MonthRollup
    from yugong.core.models import DailyFact

    assert not DailyFact.objects.filter(day__year=2023).exclude(value=F("folded")).exists()
    assert MonthRollup.objects.filter(prefix=root.path, metric="stations.created", month__year=2023).exists()
    # not locked yet: the formal report refuses, the draft reads the live roll-up
    with pytest.raises(CommandError, match="尚未锁定"):
        call_command("annual_report", year=2023, union="CQ", format="json", stdout=io.StringIO())
    # confirm from the leaves up, then lock the city
    for union in Union.objects.filter(path__startswith=root.path).order_by("-depth", "pk"):
        services.annual_confirm(actor=actor, union=union, year=2023)
    services.annual_correct(
        actor=actor, union=root, year=2023, metric="contests_held", value=2, reason="补录一场线下竞赛"
    )
    services.annual_lock(actor=actor, union=root, year=2023)

    out = io.StringIO()
    call_command("annual_report", year=2023, union="CQ", format="json", stdout=out)
    data = json.loads(out.getvalue())
    f = data["figures"]
    assert data["locked"] is True
    assert f["unions.created|federation"] + f.get("unions.created|grassroots", 0) == 9
    assert f["stations.created|kind:demonstration"] == 6
    assert f["stations.created"] == 52  # once per station, not once per kind and district
    assert f["members.imported"] == 4000 and f["members.migrant_joined"] == 1500
    assert f["contests_held"] == 2  # the corrected figure
    texts = [s["text"] for s in data["sentences"]]
    assert "新建基层工会组织9个" in texts
    assert "发展新就业形态劳动者和农民工会员4000人" in texts
    assert "建成户外劳动者服务站点52个，其中“劳动者港湾”示范点6个" in texts
    assert data["text"].startswith("2023年，重庆市总工会新建基层工会组织9个；")

    pdf = tmp_path / "r.pdf"
    call_command("annual_report", year=2023, union="CQ", format="pdf", output=str(pdf), stdout=io.StringIO())
    assert pdf.read_bytes().startswith(b"%PDF") and len(pdf.read_bytes()) > 1000

    import docx

    path = tmp_path / "r.docx"
    call_command(
        "annual_report", year=2023, union="CQ", format="docx", output=str(path), stdout=io.StringIO()
    )
    paragraphs = [p.text for p in docx.Document(str(path)).paragraphs]
    assert "建成户外劳动者服务站点52个，其中“劳动者港湾”示范点6个；" in paragraphs
    assert any(p.startswith("数说工会") for p in paragraphs)


@pytest.mark.django_db
def test_seed_refuses_a_database_with_unions():
    from tests.helpers import make_union

    make_union(None)
    with pytest.raises(CommandError, match="empty"):
        call_command("seed_annual", year=2023, scale=0.01, stdout=io.StringIO())
