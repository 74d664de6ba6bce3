"""Demo learning data (run by ``manage.py seed_demo`` after members): four providers (市总工会,
重庆工匠学院, a partner college, an enterprise), published courses with units, text micro-lessons,
a quiz and live/offline classes, conversion rules, a college programme with recognition
agreements, and the demo worker 张师傅 with progress: one course finished through its quiz (the
outcome credited, the certificate issued), another half-way, and a seat at an offline class.
Idempotent: providers, courses and programmes are looked up by name, the worker's steps are taken
only when not yet taken. Written through the services (as the system actor), so the demo data obey
the same rules as real data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from yugong.accounts.models import User
from yugong.accounts.system import system_actor
from yugong.core.timeutil import now
from yugong.core.validators import clean_text
from yugong.members.models import Person
from yugong.orgs.models import Union

from . import catalogue
from .bank import outcome_review
from .classes import class_schedule, class_signup
from .conversion import (
    agreement_set,
    conversion_apply,
    conversion_review,
    convertible_entries,
    programme_create,
)
from .models import (
    ClassSession,
    ConversionApplication,
    ConversionRule,
    Course,
    Lesson,
    LessonProgress,
    Outcome,
    Programme,
    Provider,
    Unit,
)
from .progress import complete_lesson
from .quiz import question_add, quiz_submit

PROVIDERS = [
    ("重庆市总工会职工学校", Provider.Kind.FEDERATION, "CQ"),
    ("重庆工匠学院", Provider.Kind.CRAFTSMAN_ACADEMY, "CQ"),
    ("重庆城市管理职业学院", Provider.Kind.COLLEGE, "CQ"),
    ("重庆解放碑百货有限公司", Provider.Kind.ENTERPRISE, "CQ-YZ-001"),
]

SAFETY_TEXT = [
    (
        "安全生产“三不伤害”",
        "不伤害自己、不伤害他人、不被他人伤害，是每一名职工上岗的第一课。"
        "作业前检查工具和防护用品，发现隐患及时报告，不冒险作业。",
    ),
    (
        "发现隐患怎么办",
        "从业人员发现事故隐患或者其他不安全因素，应当立即向现场安全生产管理人员或者本单位负责人报告；"
        "发现直接危及人身安全的紧急情况时，有权停止作业或者在采取可能的应急措施后撤离作业场所。",
    ),
]
# (kind, stem, options, answer, explanation)
SAFETY_QUIZ = [
    (
        "single",
        "“三不伤害”不包括以下哪一项？",
        ["不伤害自己", "不伤害他人", "不被他人伤害", "不报告隐患"],
        "D",
        "发现隐患应当及时报告。",
    ),
    ("single", "火灾报警电话是？", ["119", "110", "120", "12351"], "A", "12351 是职工维权服务热线。"),
    (
        "multiple",
        "进入有限空间作业前应当？",
        ["通风", "检测", "凭经验直接进入", "安排监护人员"],
        "ABD",
        "先通风、再检测、后作业，并全程监护。",
    ),
    (
        "truefalse",
        "发现直接危及人身安全的紧急情况时，从业人员有权停止作业。",
        [],
        "A",
        "《安全生产法》赋予从业人员紧急避险权。",
    ),
    ("truefalse", "电气设备着火时可以直接用水扑救。", [], "B", "应先断电，使用干粉或二氧化碳灭火器。"),
]

COURSES: list[dict[str, Any]] = [
    {
        "provider": "重庆市总工会职工学校",
        "title": "安全生产基础",
        "summary": "面向一线职工的安全生产入门课：三不伤害、隐患报告、应急处置，学完测验合格发结业证书。",
        "credits": 2,
        "units": [("第一单元 安全意识", "text", SAFETY_TEXT), ("第二单元 结业测验", "quiz", SAFETY_QUIZ)],
    },
    {
        "provider": "重庆工匠学院",
        "title": "高级电工技能提升",
        "summary": "对接高级电工（三级）职业技能等级认定：低压电气控制、PLC 基础与实操面授。",
        "credits": 4,
        "units": [
            (
                "第一单元 低压电气控制",
                "text",
                [
                    ("电动机正反转控制线路", "接触器联锁与按钮联锁的原理、接线步骤与常见故障排查。"),
                    ("PLC 输入输出接线", "PLC 的输入输出类型、接线方式与安全注意事项。"),
                ],
            ),
            ("第二单元 实操面授", "offline", [("电气控制实操（线下）", "重庆工匠学院实训楼 3 楼电工实训室")]),
        ],
    },
    {
        "provider": "重庆城市管理职业学院",
        "title": "劳动法律法规入门",
        "summary": "劳动合同、工资支付、工时休假与工伤保险：职工身边的法律常识，含一次直播答疑。",
        "credits": 2,
        "units": [
            (
                "第一单元 劳动合同",
                "text",
                [
                    ("劳动合同的订立", "用人单位自用工之日起即与劳动者建立劳动关系，应当订立书面劳动合同。"),
                    ("试用期的规定", "同一用人单位与同一劳动者只能约定一次试用期。"),
                ],
            ),
            ("第二单元 直播答疑", "live", [("劳动法直播答疑", "学分银行直播间（线上）")]),
        ],
    },
    {
        "provider": "重庆解放碑百货有限公司",
        "title": "商场服务礼仪",
        "summary": "企业自建课程：迎宾、导购与投诉处理的服务规范。",
        "credits": 1,
        "units": [
            (
                "第一单元 服务规范",
                "text",
                [
                    ("迎宾与引导", "微笑、问候、引导三步法，做到来有迎声、问有答声、走有送声。"),
                    ("顾客投诉处理", "倾听、致歉、记录、处理、回访五个步骤。"),
                ],
            )
        ],
    },
]

PROGRAMME = "城市管理（专科·成人学历）"
# (source, programme credits per bank credit, cap per learner)
AGREEMENTS = [
    ("course", "1", "20"),
    ("skills_certificate", "1.5", "12"),
    ("contest_certificate", "1", "6"),
    # Innovation results (五小, 揭榜挂帅, studio results) and honours count towards the programme too.
    ("innovation", "1", "8"),
    ("honour", "1.5", "10"),
]

RULES = [
    ("course", Decimal(0), Decimal(40), 365 * 5),
    ("contest_certificate", Decimal(2), Decimal(10), 365 * 3),
    ("skills_certificate", Decimal(4), Decimal(16), None),
    ("innovation", Decimal(2), Decimal(12), 365 * 5),
    ("honour", Decimal(5), Decimal(20), None),
]
LATE_SOURCES = ("innovation", "honour")


def _lesson(actor: User, unit: Unit, kind: str, title: str, text: Any) -> Lesson:
    existing = unit.lessons.filter(title=clean_text(title)).first()
    if existing is not None:
        return existing
    if kind == "quiz":
        lesson = catalogue.lesson_add(
            actor=actor,
            unit=unit,
            title=title,
            kind="quiz",
            duration_seconds=300,
            body="",
            pass_percent=60,
            max_attempts=3,
        )
        for q_kind, stem, options, answer, explanation in text:
            question_add(
                actor=actor,
                lesson=lesson,
                kind=q_kind,
                stem=stem,
                options=options,
                answer=answer,
                explanation=explanation,
            )
        return lesson
    if kind in {"live", "offline"}:
        lesson = catalogue.lesson_add(actor=actor, unit=unit, title=title, kind=kind, duration_seconds=5400)
        start = (now() + dt.timedelta(days=7)).replace(hour=6, minute=30, second=0, microsecond=0)
        class_schedule(
            actor=actor,
            lesson=lesson,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=90),
            place=str(text),
            capacity=30,
        )
        return lesson
    return catalogue.lesson_add(
        actor=actor, unit=unit, title=title, kind="text", duration_seconds=60, body=str(text)
    )


def _course(actor: User, providers: dict[str, Provider], spec: dict[str, Any]) -> Course:
    provider = providers[spec["provider"]]
    course = Course.objects.filter(provider=provider, title=clean_text(spec["title"])).first()
    if course is None:
        course = catalogue.course_create(
            actor=actor,
            provider=provider,
            title=spec["title"],
            summary=spec["summary"],
            credits=spec["credits"],
        )
    for unit_title, kind, items in spec["units"]:
        unit = course.units.filter(title=clean_text(unit_title)).first() or catalogue.unit_add(
            actor=actor, course=course, title=unit_title
        )
        if kind == "quiz":
            _lesson(actor, unit, "quiz", "结业测验", items)
        elif kind in {"live", "offline"}:
            for title, place in items:
                _lesson(actor, unit, kind, title, place)
        else:
            for title, body in items:
                _lesson(actor, unit, "text", title, body)
    if course.status != Course.Status.PUBLISHED:
        catalogue.course_update(actor=actor, course=course, status=Course.Status.PUBLISHED)
    return course


def _programme(actor: User, college: Provider) -> Programme:
    programme = Programme.objects.filter(
        provider=college, name=clean_text(PROGRAMME)
    ).first() or programme_create(actor=actor, provider=college, name=PROGRAMME, required_credits=80)
    for source, ratio, cap in AGREEMENTS:
        if not programme.agreements.filter(source=source).exists():
            agreement_set(
                actor=actor,
                programme=programme,
                source=source,
                partner="重庆市总工会学分银行",
                ratio=ratio,
                cap_credits=cap,
                signed_on=dt.date(2026, 3, 1),
            )
    return programme


def _worker_progress(actor: User, person: Person, courses: list[Course], programme: Programme) -> str:
    safety, electric = courses[0], courses[1]
    moment = now()
    for lesson in safety.lessons.exclude(kind="quiz"):
        progress, _c = LessonProgress.objects.get_or_create(lesson=lesson, person=person)
        if progress.completed_at is None:
            progress.credited_seconds = lesson.duration_seconds
            progress.position_seconds = lesson.duration_seconds
            complete_lesson(progress=progress, lesson=lesson, person=person, now=moment, actor=actor)
    quiz = safety.lessons.get(kind="quiz")
    if not LessonProgress.objects.filter(lesson=quiz, person=person, completed_at__isnull=False).exists():
        answers = {str(q.pk): q.answer for q in quiz.questions.all()}
        quiz_submit(person=person, lesson_id=quiz.pk, answers=answers, actor=actor)
    first = electric.lessons.filter(kind="text").first()
    if first is not None:
        LessonProgress.objects.get_or_create(
            lesson=first, person=person, defaults={"credited_seconds": 30, "position_seconds": 0}
        )
    session = ClassSession.objects.filter(lesson__course=electric).first()
    if session is not None and not session.signups.filter(person=person).exists():
        class_signup(person=person, lesson_id=session.lesson_id, actor=actor)
    # The course outcome reviewed (credited), then an application to convert it, left for staff.
    for outcome in Outcome.objects.filter(account__person=person, source="course", status="deposited"):
        outcome_review(actor=actor, outcome_id=outcome.pk, approve=True, note="课程结业，予以认定")
    if not ConversionApplication.objects.filter(account__person=person, programme=programme).exists():
        entries = [e.pk for e in convertible_entries(person, programme)]
        if entries:
            conversion_apply(person=person, programme_id=programme.pk, entry_ids=entries, actor=actor)
    return "张师傅: 安全生产基础 completed (certificate), 高级电工 in progress, class seat taken"


def seed(stdout: Any) -> None:
    unions = {u.code: u for u in Union.objects.filter(code__in={p[2] for p in PROVIDERS})}
    if "CQ" not in unions:
        stdout.write("learning: no union tree, skipped")
        return
    actor = system_actor()
    for source, default, cap, days in RULES:
        ConversionRule.objects.get_or_create(
            source=source, defaults={"default_credits": default, "cap_credits": cap, "validity_days": days}
        )
    providers: dict[str, Provider] = {}
    for name, kind, code in PROVIDERS:
        union = unions.get(code) or unions["CQ"]
        providers[name] = Provider.objects.filter(name=clean_text(name)).first() or catalogue.provider_create(
            actor=actor, union=union, name=name, kind=kind
        )
    courses = [_course(actor, providers, spec) for spec in COURSES]
    programme = _programme(actor, providers["重庆城市管理职业学院"])
    worker = User.objects.filter(username="w_demo_worker").first()
    person = Person.objects.filter(user=worker).first() if worker else None
    note = _worker_progress(actor, person, courses, programme) if person else "no demo worker"
    stdout.write(f"learning: {len(courses)} courses, programme {programme.name}; {note}")


def seed_late(stdout: Any) -> None:
    """After every app's demo: the innovation results and the honour that reached 张师傅's credit bank
    through events (``handlers.py``; innovation and honours seed after learning) are converted into
    the college programme — he applies, the college's union approves within the agreements' caps."""
    worker = User.objects.filter(username="w_demo_worker").first()
    person = Person.objects.filter(user=worker).first() if worker else None
    programme = Programme.objects.filter(name=clean_text(PROGRAMME)).first()
    if person is None or programme is None:
        stdout.write("learning (late): no demo worker or programme, skipped")
        return
    actor = system_actor()
    for source, default, cap, days in RULES:  # a database seeded before these rules existed
        ConversionRule.objects.get_or_create(
            source=source, defaults={"default_credits": default, "cap_credits": cap, "validity_days": days}
        )
    _programme(actor, programme.provider)
    entries = [e.pk for e in convertible_entries(person, programme) if e.source in LATE_SOURCES]
    if not entries:
        stdout.write("learning (late): nothing new to convert")
        return
    application = conversion_apply(person=person, programme_id=programme.pk, entry_ids=entries, actor=actor)
    conversion_review(
        actor=actor, application_id=application.pk, approve=True, note="创新成果、荣誉按学分互认协议转换"
    )
    application.refresh_from_db()
    stdout.write(
        f"learning (late): {len(entries)} innovation/honour rows converted, {application.granted} credits"
    )
