"""建功立业"一链培": online knowledge contests (this module) and skills competitions
(:mod:`yugong.contests.models_skills`, imported at the bottom so Django sees one app).

Knowledge contests
* :class:`QuestionBank` / :class:`Question` — single choice, multiple choice, true/false; options
  are a list of strings labelled A, B, C…; the answer is the sorted letters ("A", "AC"); true/false
  questions have the two options 正确 / 错误.
* :class:`Contest` — organiser union, window, N questions drawn by category weights, time limit,
  tries per day, best or latest score counts, warning-education material read first.
* :class:`ContestEntry` — one row per (contest, user): the participant. It carries the counter of
  tries per day (a conditional UPDATE takes a try: the row lock serialises one person's starts),
  the counted score and :attr:`ContestEntry.rank_key`, the single integer the leaderboards sort by
  (see :func:`rank_key`). The union and employer are copied from the worker's membership at the
  first start: participation is counted where the person belonged when they took part.
* :class:`Attempt` — one paper: seed, question ids in order, deadline, answers, score. At most one
  open attempt per (contest, user) (a conditional unique constraint); submitting is a conditional
  ``UPDATE … WHERE state = 'open'`` so the same submission twice is scored once.
* :class:`ContestUnionStat` — per contest and union (the union directly, not its subtree):
  participants, sum of counted scores and a snapshot of the member count; boards roll these up.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# --- The one ordering of a contest leaderboard ------------------------------------------------
# Rank by score (desc), then time used (asc, in tenths of a second, rounded down), then the time of
# the counted submission (asc, whole seconds since the contest opened, rounded down), then the user
# id (asc). The first three are packed into one integer below 2**53 so that Redis (whose sorted-set
# scores are doubles) and the database order identically; Redis breaks equal scores by the member
# string, and members are the zero-padded user id, so the last rule holds there too.
SCORE_BITS = 10  # 0..1023 points
TENTHS_BITS = 17  # time used up to 3 h 38 min
SECONDS_BITS = 26  # submission up to 776 days after the contest opened
MAX_SCORE = (1 << SCORE_BITS) - 1
MAX_TENTHS = (1 << TENTHS_BITS) - 1
MAX_SECONDS = (1 << SECONDS_BITS) - 1


def rank_key(*, score: int, tenths_used: int, seconds_in: int) -> int:
    """Bigger is better. Values out of range are clamped (documented limits above)."""
    s = min(max(score, 0), MAX_SCORE)
    t = min(max(tenths_used, 0), MAX_TENTHS)
    c = min(max(seconds_in, 0), MAX_SECONDS)
    return (s << (TENTHS_BITS + SECONDS_BITS)) | ((MAX_TENTHS - t) << SECONDS_BITS) | (MAX_SECONDS - c)


def rank_key_parts(key: int) -> tuple[int, int, int]:
    """(score, tenths used, seconds in) back from a key."""
    s = key >> (TENTHS_BITS + SECONDS_BITS)
    t = MAX_TENTHS - ((key >> SECONDS_BITS) & MAX_TENTHS)
    c = MAX_SECONDS - (key & MAX_SECONDS)
    return s, t, c


class QuestionBank(models.Model):
    name = models.CharField(_("题库名称"), max_length=120)
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="question_banks", verbose_name=_("所属工会")
    )
    description = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("题库")
        verbose_name_plural = _("题库")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("单选题")
        MULTIPLE = "multiple", _("多选题")
        TRUE_FALSE = "truefalse", _("判断题")

    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(_("题型"), max_length=12, choices=Kind.choices)
    stem = models.TextField(_("题干"))
    options = models.JSONField(_("选项"), default=list)
    answer = models.CharField(_("答案"), max_length=10)
    category = models.CharField(_("分类"), max_length=40, blank=True, default="")
    explanation = models.TextField(_("解析"), blank=True)
    position = models.PositiveIntegerField(_("序号"), default=0)

    class Meta:
        verbose_name = _("试题")
        verbose_name_plural = _("试题")
        ordering = ["bank", "position", "id"]
        indexes = [models.Index(fields=["bank", "category", "id"], name="contests_q_bank_cat")]

    def __str__(self) -> str:
        return self.stem[:40]


class Contest(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        CLOSED = "closed", _("已结束")

    class ScoreRule(models.TextChoices):
        BEST = "best", _("取最高分")
        LATEST = "latest", _("取最后一次")

    title = models.CharField(_("竞赛名称"), max_length=120)
    organiser = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="contests", verbose_name=_("主办工会")
    )
    bank = models.ForeignKey(
        QuestionBank, on_delete=models.PROTECT, related_name="contests", verbose_name=_("题库")
    )
    description = models.TextField(_("竞赛说明"), blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    question_count = models.PositiveSmallIntegerField(_("每卷题数"), default=10)
    # {"category": weight}; empty = draw from the whole bank. Weights are relative.
    category_weights = models.JSONField(_("分类权重"), default=dict, blank=True)
    points_per_question = models.PositiveSmallIntegerField(_("每题分值"), default=10)
    time_limit_seconds = models.PositiveIntegerField(_("答题时限（秒）"), default=600)
    tries_per_day = models.PositiveSmallIntegerField(_("每日次数"), default=3)
    score_rule = models.CharField(
        _("计分方式"), max_length=8, choices=ScoreRule.choices, default=ScoreRule.BEST
    )
    material_title = models.CharField(_("警示教育材料标题"), max_length=120, blank=True)
    material_body = models.TextField(_("警示教育材料"), blank=True)
    material_video = models.CharField(_("警示教育视频（站内地址）"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("知识竞赛")
        verbose_name_plural = _("知识竞赛")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="contests_window_order"
            ),
            models.CheckConstraint(condition=Q(question_count__gte=1), name="contests_question_count_pos"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def needs_material(self) -> bool:
        return bool(self.material_body or self.material_video)


class ContestEntry(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="entries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contest_entries"
    )
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    employer = models.ForeignKey(
        "orgs.Employer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    material_read_at = models.DateTimeField(_("已阅读警示教育"), null=True, blank=True)
    day = models.DateField(_("计次日期"), null=True, blank=True)
    day_tries = models.PositiveSmallIntegerField(_("当日已用次数"), default=0)
    attempts = models.PositiveIntegerField(_("累计次数"), default=0)
    # The counted result (best or latest): null until the first scored submission.
    score = models.IntegerField(_("成绩"), null=True, blank=True)
    duration_ms = models.IntegerField(_("用时（毫秒）"), null=True, blank=True)
    scored_at = models.DateTimeField(_("成绩时间"), null=True, blank=True)
    rank_key = models.BigIntegerField(null=True, blank=True)
    counted_attempt = models.ForeignKey(
        "Attempt", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("参赛记录")
        verbose_name_plural = _("参赛记录")
        constraints = [models.UniqueConstraint(fields=["contest", "user"], name="contests_entry_unique")]
        indexes = [
            models.Index(fields=["contest", "rank_key", "user"], name="contests_entry_rank"),
            # a union's own board (the worker H5): a short range of one contest and union
            models.Index(fields=["contest", "union", "rank_key", "user"], name="contests_entry_union_rank"),
            models.Index(fields=["user", "contest"], name="contests_entry_user"),
        ]

    def __str__(self) -> str:
        return f"{self.contest_id}/{self.user_id}"


class Attempt(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("答题中")
        SUBMITTED = "submitted", _("已交卷")
        EXPIRED = "expired", _("超时未交")

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="attempts")
    entry = models.ForeignKey(ContestEntry, on_delete=models.CASCADE, related_name="attempt_set")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contest_attempts"
    )
    seed = models.BigIntegerField()
    question_ids = models.JSONField(default=list)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    submitted_at = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    correct = models.PositiveSmallIntegerField(default=0)
    score = models.IntegerField(null=True, blank=True)
    duration_ms = models.IntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "user"], condition=Q(state="open"), name="contests_one_open_attempt"
            ),
        ]
        indexes = [models.Index(fields=["user", "contest", "-id"], name="contests_attempt_user")]

    def __str__(self) -> str:
        return f"attempt {self.pk}"


class ContestUnionStat(models.Model):
    """Direct figures of one union in one contest (subtree figures are summed at read time)."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="union_stats")
    union = models.ForeignKey("orgs.Union", on_delete=models.CASCADE, related_name="+")
    participants = models.IntegerField(default=0)
    score_sum = models.BigIntegerField(default=0)
    members = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contest", "union"], name="contests_unionstat_unique")]

    def __str__(self) -> str:
        return f"{self.contest_id}/{self.union_id}"


from .models_skills import (  # noqa: E402,F401
    Aspect,
    Competition,
    CompetitionQuota,
    Entry,
    EntryMember,
    Item,
    Judge,
    Mark,
    MarkResolution,
    Objection,
    Stage,
    StageResult,
    SubItem,
)
