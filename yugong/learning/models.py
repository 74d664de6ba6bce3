"""Courses with units and micro-lessons, learners' progress recorded from heartbeats, and the credit
bank (a lifelong learning account per person, outcomes, an append-only credit ledger)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Provider(models.Model):
    class Kind(models.TextChoices):
        FEDERATION = "federation", _("总工会")
        CRAFTSMAN_ACADEMY = "academy", _("工匠学院")
        COLLEGE = "college", _("合作院校")
        ENTERPRISE = "enterprise", _("企业")

    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    # The union that manages this provider: staff of its subtree see and edit it.
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("工会")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("课程提供方")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="courses")
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("工会")
    )
    title = models.CharField(_("课程名称"), max_length=200)
    summary = models.TextField(_("简介"), blank=True)
    credits = models.DecimalField(_("学分"), max_digits=6, decimal_places=1, default=0)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("课程")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.title


class Unit(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="units")
    title = models.CharField(_("单元名称"), max_length=200)
    order = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("单元")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.title


class MediaStatus(models.TextChoices):
    NONE = "", _("无上传文件")
    PENDING = "pending", _("转码中")
    READY = "ready", _("已转码")
    ORIGINAL = "original", _("未转码")  # no ffmpeg on the server: the original file is played
    FAILED = "failed", _("转码失败")  # the original file is played


class Lesson(models.Model):
    class Kind(models.TextChoices):
        VIDEO = "video", _("视频")
        AUDIO = "audio", _("音频")
        TEXT = "text", _("图文")
        PDF = "pdf", _("PDF")
        QUIZ = "quiz", _("测验")
        LIVE = "live", _("直播课")
        OFFLINE = "offline", _("线下课")

    MEDIA_KINDS = frozenset({Kind.VIDEO, Kind.AUDIO})
    # Lessons completed by something other than heartbeats: a passed quiz, attendance at a class.
    NOT_WATCHED = frozenset({Kind.QUIZ, Kind.LIVE, Kind.OFFLINE})

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="lessons")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(_("微课名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    # Media length for video/audio; the expected reading time for text and PDF.
    duration_seconds = models.PositiveIntegerField(_("时长（秒）"))
    # Share of the duration (percent) that credited time must reach for the lesson to complete.
    required_percent = models.PositiveSmallIntegerField(_("完成所需比例（%）"), default=90)
    media_url = models.CharField(_("媒体地址"), max_length=500, blank=True)
    media_bytes = models.PositiveBigIntegerField(_("转码后大小（字节）"), default=0)
    # An uploaded file (video, audio or PDF; ``media.py``), kept as uploaded: the player falls back to
    # it when there are no renditions (no ffmpeg on the server, or transcoding failed).
    media_file = models.FileField(_("媒体文件"), upload_to="learning/lessons/", max_length=200, blank=True)
    media_type = models.CharField(_("文件类型"), max_length=80, blank=True)
    media_status = models.CharField(
        _("转码状态"), max_length=12, choices=MediaStatus.choices, default=MediaStatus.NONE, blank=True
    )
    pdf_pages = models.PositiveIntegerField(_("PDF页数"), default=0)
    body = models.TextField(_("正文"), blank=True)
    order = models.PositiveIntegerField(_("顺序"), default=0)
    # Quizzes: the share of correct answers (percent) that passes, and how many tries a learner has.
    pass_percent = models.PositiveSmallIntegerField(_("及格线（%）"), default=60)
    max_attempts = models.PositiveSmallIntegerField(_("可答题次数"), default=3)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("微课")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.title

    @property
    def required_seconds(self) -> int:
        return -(-self.duration_seconds * self.required_percent // 100)  # ceiling


class LessonRendition(models.Model):
    """One transcoded size of an uploaded video or audio lesson (H.264+AAC mp4, AAC m4a), with what
    ffprobe measured of the file as stored."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="renditions")
    label = models.CharField(_("规格"), max_length=12)  # "360p", "720p", "64k", "128k"
    file = models.FileField(_("文件"), upload_to="learning/renditions/", max_length=200)
    content_type = models.CharField(max_length=40)
    height = models.PositiveIntegerField(_("画面高度"), default=0)  # 0 for audio
    size_bytes = models.PositiveBigIntegerField(_("大小（字节）"))
    bitrate = models.PositiveIntegerField(_("码率（bit/s）"))
    duration_seconds = models.PositiveIntegerField(_("时长（秒）"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["size_bytes", "pk"]
        constraints = [models.UniqueConstraint(fields=["lesson", "label"], name="learning_rendition_once")]
        verbose_name = _("转码规格")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.lesson_id}:{self.label}"


class Enrollment(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    person = models.ForeignKey("members.Person", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "person"], name="learning_one_enrollment")]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.course_id}"


class LessonProgress(models.Model):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    person = models.ForeignKey("members.Person", on_delete=models.CASCADE, related_name="+")
    credited_seconds = models.PositiveIntegerField(default=0)
    position_seconds = models.PositiveIntegerField(default=0)  # where to resume
    last_beat_at = models.DateTimeField(null=True, blank=True)  # the previous accepted heartbeat
    last_beat_visible = models.BooleanField(default=False)
    last_client_ms = models.BigIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lesson", "person"], name="learning_one_progress")]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.lesson_id}: {self.credited_seconds}s"


class PlaybackSession(models.Model):
    """One active playing session per learner: heartbeats of any other tab credit nothing while
    this one is live."""

    person = models.OneToOneField("members.Person", on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=64)
    last_beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.person_id}: {self.session_key}"


# --- the credit bank -----------------------------------------------------------------------------


class LearningAccount(models.Model):
    """A lifelong learning account: hangs on the person, not on an employer or a membership."""

    person = models.OneToOneField("members.Person", on_delete=models.PROTECT, related_name="learning_account")
    opened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("终身学习账户")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"account {self.person_id}"


class Source(models.TextChoices):
    COURSE = "course", _("课程结业")
    CONTEST_CERTIFICATE = "contest_certificate", _("竞赛证书")
    SKILLS_CERTIFICATE = "skills_certificate", _("职业技能等级证书")
    INNOVATION = "innovation", _("创新成果")
    HONOUR = "honour", _("荣誉")


class ConversionRule(models.Model):
    """How many credits an outcome of a source is worth by default, and the most credits one
    account may hold from that source."""

    source = models.CharField(_("来源"), max_length=24, choices=Source.choices, unique=True)
    default_credits = models.DecimalField(_("默认学分"), max_digits=6, decimal_places=1, default=0)
    cap_credits = models.DecimalField(_("学分上限"), max_digits=7, decimal_places=1, null=True, blank=True)
    validity_days = models.PositiveIntegerField(_("有效期（天）"), null=True, blank=True)

    class Meta:
        verbose_name = _("转换规则")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.source


class Outcome(models.Model):
    class Status(models.TextChoices):
        DEPOSITED = "deposited", _("已存入")
        REVIEWED = "reviewed", _("已审核")
        CREDITED = "credited", _("已记学分")
        REJECTED = "rejected", _("未通过")

    account = models.ForeignKey(LearningAccount, on_delete=models.PROTECT, related_name="outcomes")
    source = models.CharField(_("来源"), max_length=24, choices=Source.choices)
    # The outcome's identity in its source ("course:12", "certificate:quiz-88"): at most one
    # outcome per source item, so a redelivered event deposits nothing new.
    source_ref = models.CharField(max_length=64)
    title = models.CharField(_("成果名称"), max_length=200)
    evidence = models.JSONField(_("佐证"), default=dict)
    credits_claimed = models.DecimalField(_("申请学分"), max_digits=6, decimal_places=1)
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("审核工会")
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DEPOSITED)
    deposited_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_note = models.CharField(_("审核意见"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "source", "source_ref"], name="learning_outcome_once")
        ]
        indexes = [models.Index(fields=["status", "union"])]
        verbose_name = _("学习成果")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.title


class CreditEntry(models.Model):
    """The append-only credit ledger: the database rejects UPDATE and DELETE (migration 0002)."""

    account = models.ForeignKey(LearningAccount, on_delete=models.PROTECT, related_name="entries")
    outcome = models.OneToOneField(
        Outcome, on_delete=models.PROTECT, null=True, blank=True, related_name="entry"
    )
    source = models.CharField(_("来源"), max_length=24, choices=Source.choices)
    evidence = models.JSONField(_("佐证"), default=dict)
    credits = models.DecimalField(_("学分"), max_digits=6, decimal_places=1)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The statement's keyset page: this account's rows newest first, ties by id.
        indexes = [models.Index(fields=["account", "created_at", "id"], name="learning_entry_account_page")]
        verbose_name = _("学分记录")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.account_id}: {self.credits}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("credit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("credit entries are append-only")


# A balance bucket's expiry for rows that never expire (a real date keeps the unique key simple on
# every database: NULLs are distinct in unique constraints).
NEVER_EXPIRES = dt.date(9999, 12, 31)


class CreditBalance(models.Model):
    """A partial aggregate of the ledger: the credits of one account from one source expiring on one
    day (``NEVER_EXPIRES`` for rows without expiry). Written by ``bank._credit`` in the transaction
    that appends the ledger row, under the account's row lock, so the statement's valid total and the
    per-source cap read a few buckets instead of the account's whole ledger. Derived data: the ledger
    stays the record (``bank.balance_check`` recomputes the buckets from it)."""

    account = models.ForeignKey(LearningAccount, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=24, choices=Source.choices)
    expires_on = models.DateField()
    credits = models.DecimalField(max_digits=9, decimal_places=1, default=0)
    entries = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "expires_on", "source"], name="learning_balance_bucket_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.source}/{self.expires_on}: {self.credits}"


# --- quizzes ---------------------------------------------------------------------------------------


class QuizQuestion(models.Model):
    """A question of a quiz lesson. ``answer`` holds the right option letters, sorted ("A", "BD");
    it never leaves the server before the learner has submitted (``quiz.paper``)."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("单选题")
        MULTIPLE = "multiple", _("多选题")
        TRUE_FALSE = "truefalse", _("判断题")

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(_("题型"), max_length=12, choices=Kind.choices)
    stem = models.TextField(_("题干"))
    options = models.JSONField(_("选项"), default=list)
    answer = models.CharField(_("答案"), max_length=10)
    explanation = models.TextField(_("解析"), blank=True)
    order = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("测验题")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.stem[:40]


class QuizAttempt(models.Model):
    """One submitted try; (lesson, person, number) is unique, so a try is counted once even when
    the same submission arrives twice at once."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="attempts")
    person = models.ForeignKey("members.Person", on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField()
    answers = models.JSONField(default=dict)
    correct = models.PositiveSmallIntegerField(default=0)
    total = models.PositiveSmallIntegerField(default=0)
    percent = models.PositiveSmallIntegerField(default=0)
    passed = models.BooleanField(default=False)
    submitted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lesson", "person", "number"], name="learning_attempt_once")
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.lesson_id}#{self.number}"


# --- certificates ----------------------------------------------------------------------------------


class Certificate(models.Model):
    """A course certificate, issued in the transaction that completes the course. ``code`` is the
    public verification code (QR, verify page, the Open Badges credential's id)."""

    code = models.CharField(max_length=24, unique=True)
    enrollment = models.OneToOneField(Enrollment, on_delete=models.PROTECT, related_name="certificate")
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="certificates")
    union = models.ForeignKey("orgs.Union", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("课程名称"), max_length=200)  # as it stood when issued
    provider_name = models.CharField(_("课程提供方"), max_length=120)
    credits = models.DecimalField(_("学分"), max_digits=6, decimal_places=1)
    issued_at = models.DateTimeField(_("发证时间"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("结业证书")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.code


# --- credit conversion into programmes -------------------------------------------------------------


class Programme(models.Model):
    """A programme of an institution (a partner college's 专升本 or 大专 programme) into whose
    credits bank credits may be converted under recognition agreements."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="programmes")
    union = models.ForeignKey("orgs.Union", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("专业（项目）名称"), max_length=120)
    required_credits = models.DecimalField(_("毕业所需学分"), max_digits=6, decimal_places=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("学历（培训）项目")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name


class RecognitionAgreement(models.Model):
    """A recognition agreement (学分互认协议): the programme's institution recognises bank credits of
    one source at ``ratio`` programme credits per bank credit, at most ``cap_credits`` per learner."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="agreements")
    source = models.CharField(_("成果来源"), max_length=24, choices=Source.choices)
    partner = models.CharField(_("签约机构"), max_length=120)
    ratio = models.DecimalField(_("折算比例"), max_digits=4, decimal_places=2)
    cap_credits = models.DecimalField(_("每人上限（学分）"), max_digits=6, decimal_places=1)
    signed_on = models.DateField(_("签订日期"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "source"], name="learning_agreement_once"),
            models.CheckConstraint(condition=models.Q(ratio__gt=0), name="learning_agreement_ratio"),
        ]
        verbose_name = _("学分互认协议")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.programme_id}:{self.source}"


class ConversionApplication(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已转换")
        REJECTED = "rejected", _("未通过")

    account = models.ForeignKey(LearningAccount, on_delete=models.PROTECT, related_name="conversions")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="applications")
    entries = models.ManyToManyField(CreditEntry, related_name="+")
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("审核意见"), max_length=200, blank=True)
    granted = models.DecimalField(_("转换学分"), max_digits=6, decimal_places=1, default=0)

    class Meta:
        verbose_name = _("学分转换申请")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.account_id}->{self.programme_id}"


class ProgrammeCredit(models.Model):
    """The append-only ledger of converted credits (a trigger rejects UPDATE/DELETE, migration
    0003): one row per bank ledger row converted into a programme, at most once per programme."""

    account = models.ForeignKey(LearningAccount, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="credits")
    application = models.ForeignKey(ConversionApplication, on_delete=models.PROTECT, related_name="rows")
    entry = models.ForeignKey(CreditEntry, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("来源"), max_length=24, choices=Source.choices)
    bank_credits = models.DecimalField(_("银行学分"), max_digits=6, decimal_places=1)
    credits = models.DecimalField(_("转换学分"), max_digits=6, decimal_places=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["programme", "entry"], name="learning_convert_once")]

    def __str__(self) -> str:
        return f"{self.account_id}->{self.programme_id}: {self.credits}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("programme credits are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("programme credits are append-only")


# --- live and offline classes ----------------------------------------------------------------------


class ClassSession(models.Model):
    """The time and place of a live or offline class lesson; seats are taken with a conditional
    update (``taken < capacity``), and the check constraint is the last judge."""

    lesson = models.OneToOneField(Lesson, on_delete=models.CASCADE, related_name="class_session")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点或直播间"), max_length=200)
    capacity = models.PositiveIntegerField(_("名额"))
    taken = models.PositiveIntegerField(default=0)
    # The secret inside the attendance QR shown at the class (rotated by staff if it leaks).
    checkin_secret = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(taken__lte=models.F("capacity")), name="learning_class_seats"
            )
        ]

    def __str__(self) -> str:
        return f"{self.lesson_id}@{self.starts_at:%Y-%m-%d %H:%M}"


class ClassSignup(models.Model):
    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="signups")
    person = models.ForeignKey("members.Person", on_delete=models.CASCADE, related_name="+")
    signed_at = models.DateTimeField(auto_now_add=True)
    attended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="learning_signup_once")]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.session_id}"
