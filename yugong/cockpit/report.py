"""The 数说工会 report: the year's figures in sentences shaped like the federation's own ("建成户外
劳动者服务站点5220个，其中"劳动者港湾"示范点633个"), from the locked figures of a node (or, as a
draft, from the live roll-up), as JSON, PDF (reportlab, the CJK font of yugong.core.pdf) and .docx
(python-docx). A sentence whose figures are all zero is left out."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from yugong.orgs.models import Union

from . import periods, selectors, services

NEW_FORMS = ("courier", "rider", "ride_hailing", "truck_driver", "domestic", "flexible")
NEW_UNION_KINDS = ("grassroots", "joint", "federation", "branch")


def cn_number(n: int) -> str:
    """5220 → 5220; 400000 → 40万; 2100000 → 210万; 163000000 → 1.63亿 (the seeds' way); other
    languages get plain digits with separators."""
    if not (get_language() or "zh-hans").startswith("zh"):
        return f"{n:,}"
    if n >= 100_000_000:
        return f"{n / 100_000_000:.2f}".rstrip("0").rstrip(".") + "亿"
    if n >= 10_000:
        return f"{n / 10_000:.2f}".rstrip("0").rstrip(".") + "万"
    return str(n)


def cn_yuan(fen: int) -> str:
    return cn_number(fen // 100) + _("元")


@dataclass(frozen=True)
class Sentence:
    key: str
    needs: tuple[str, ...]
    render: Callable[[dict[str, int]], str]


def _get(f: dict[str, int], code: str, *dims: str) -> int:
    if not dims:
        return int(f.get(code, 0))
    return sum(int(f.get(f"{code}|{d}", 0)) for d in dims)


SENTENCES = [
    Sentence(
        "unions",
        ("unions.created",),
        lambda f: _("新建基层工会组织%(n)s个")
        % {"n": cn_number(_get(f, "unions.created", *NEW_UNION_KINDS))},
    ),
    Sentence(
        "members",
        ("members.approved", "members.imported", "members.migrant_joined"),
        lambda f: _("发展新就业形态劳动者和农民工会员%(n)s人")
        % {
            "n": cn_number(
                _get(f, "members.approved", *NEW_FORMS)
                + _get(f, "members.imported", *NEW_FORMS)
                + _get(f, "members.migrant_joined")
            )
        },
    ),
    Sentence(
        "skills",
        ("contests_held", "competitors"),
        lambda f: (
            _("组织开展劳动和技能竞赛%(n)s场次") % {"n": cn_number(_get(f, "contests_held", "skills"))}
        )
        + (
            _("，覆盖职工%(p)s人次") % {"p": cn_number(_get(f, "competitors"))}
            if _get(f, "competitors")
            else ""
        ),
    ),
    Sentence(
        "online",
        ("contest_participants",),
        lambda f: _("持续开展网上劳动和技能竞赛，吸引%(p)s职工参赛")
        % {"p": cn_number(_get(f, "contest_participants"))},
    ),
    Sentence(
        "stations",
        ("stations.created",),
        lambda f: _("建成户外劳动者服务站点%(n)s个，其中“劳动者港湾”示范点%(d)s个")
        % {
            "n": cn_number(_get(f, "stations.created", "kind:harbour", "kind:demonstration", "kind:other")),
            "d": cn_number(_get(f, "stations.created", "kind:demonstration")),
        },
    ),
    Sentence(
        "tourism",
        ("tourism.visitors", "tourism.saved_fen"),
        lambda f: _("组织职工文旅惠民活动惠及职工%(p)s人次，为职工节省%(s)s")
        % {"p": cn_number(_get(f, "tourism.visitors")), "s": cn_yuan(_get(f, "tourism.saved_fen"))},
    ),
    Sentence(
        "rights",
        ("appeals.created", "appeals.amount_recovered_fen"),
        lambda f: _("受理职工诉求%(n)s件，为职工挽回经济损失%(s)s")
        % {"n": cn_number(_get(f, "appeals.created")), "s": cn_yuan(_get(f, "appeals.amount_recovered_fen"))},
    ),
]


def build(union: Union, year: int, *, draft: bool = False) -> dict[str, Any]:
    """The report as data. Reads the locked figures; ``draft`` reads the live roll-up instead."""
    figures = services.locked_figures(union, year)
    locked = figures is not None
    if figures is None:
        if not draft:
            raise services.Conflict(_("该年度数据尚未锁定，不能生成正式报告。"))
        p = periods.year(year)
        figures = dict(selectors.node_summary(union, p))
        figures.update({f"{c}|{d}": v for (c, d), v in selectors.node_summary_dims(union, p).items()})
    sentences = []
    for s in SENTENCES:
        if any(int(figures.get(code, 0)) for code in s.needs) or any(
            k.split("|")[0] in s.needs and v for k, v in figures.items()
        ):
            sentences.append({"key": s.key, "text": s.render(figures)})
    title = _("数说工会")
    lead = _("%(year)s年，%(union)s") % {"year": year, "union": union.name}
    text = lead + "；".join(x["text"] for x in sentences) + "。"
    return {
        "title": str(title),
        "year": year,
        "union": {"id": union.pk, "code": union.code, "name": union.name},
        "locked": locked,
        "figures": {k: int(v) for k, v in sorted(figures.items())},
        "sentences": sentences,
        "text": text,
    }


def to_pdf(report: dict[str, Any]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    from yugong.core.pdf import cjk_font_name

    font = cjk_font_name()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, title=f"{report['title']} {report['year']}")
    h = ParagraphStyle("h", fontName=font, fontSize=20, leading=28)
    body = ParagraphStyle("b", fontName=font, fontSize=12, leading=20, wordWrap="CJK")
    story: list[Any] = [Paragraph(f"{report['title']} · {report['year']}", h), Spacer(1, 12)]
    story.append(Paragraph(report["union"]["name"], body))
    story.append(Spacer(1, 8))
    for s in report["sentences"]:
        story.append(Paragraph(s["text"] + "；", body))
    doc.build(story)
    return buf.getvalue()


def to_docx(report: dict[str, Any]) -> bytes:
    import docx

    d = docx.Document()
    d.add_heading(f"{report['title']} · {report['year']}", level=1)
    d.add_paragraph(report["union"]["name"])
    for s in report["sentences"]:
        d.add_paragraph(s["text"] + "；")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
