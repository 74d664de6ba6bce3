"""What each kind of activity records beyond the sign-up (one table per kind's own data, with its
constraints — not a JSON blob), the day's offline check-in scans, and the survey afterwards.
Imported by ``models`` so Django finds them; migration ``0003_kinds_day_survey``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yugong.core.pii import EncryptedTextField

from .models import Activity, SignUp

# --- reading campaign (阅读) ----------------------------------------------------------------------


class ReadingBook(models.Model):
    """A book on the campaign's list, curated by the organiser's staff: the ISBN is stored as its 13
    digits with a valid check digit (``core.validators.normalize_isbn``); the cover is optional."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="books")
    title = models.CharField(_("书名"), max_length=120)
    author = models.CharField(_("作者"), max_length=80, blank=True)
    isbn = models.CharField(_("ISBN"), max_length=13, blank=True)
    page_count = models.PositiveSmallIntegerField(_("页数"), default=0)  # 0: not given
    cover = models.CharField(max_length=255, blank=True)  # core.images storage name
    cover_width = models.PositiveIntegerField(default=0)
    cover_height = models.PositiveIntegerField(default=0)
    cover_renditions = models.JSONField(default=dict, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        constraints = [
            models.UniqueConstraint(fields=("activity", "title"), name="reading_book_once"),
            models.UniqueConstraint(
                fields=("activity", "isbn"), condition=~models.Q(isbn=""), name="reading_book_isbn_once"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ReadingLog(models.Model):
    """One day's reading of one book: minutes and pages read, a note. One row per participant, book
    and day (a second entry the same day corrects it); the bounds are checked by the database too."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="reading_logs")
    signup = models.ForeignKey(SignUp, on_delete=models.CASCADE, related_name="reading_logs")
    book = models.ForeignKey(ReadingBook, on_delete=models.PROTECT, related_name="logs")
    day = models.DateField(_("阅读日期"))
    minutes = models.PositiveSmallIntegerField(_("阅读时长（分钟）"))
    pages = models.PositiveSmallIntegerField(_("阅读页数"), default=0)
    note = models.TextField(_("读书笔记"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-day", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gte=1, minutes__lte=1440), name="reading_minutes_in_a_day"
            ),
            models.CheckConstraint(condition=models.Q(pages__lte=2000), name="reading_pages_plausible"),
            models.UniqueConstraint(fields=("signup", "book", "day"), name="reading_log_once_per_book_a_day"),
        ]
        indexes = [models.Index(fields=("activity", "signup"), name="reading_log_board")]

    def __str__(self) -> str:
        return f"{self.signup_id}@{self.day}: {self.minutes}"


# --- works: contest entries (photo / micro-video) and reading essays -----------------------------


class Work(models.Model):
    class Kind(models.TextChoices):
        PHOTO = "photo", _("摄影作品")
        VIDEO = "video", _("微视频")
        ESSAY = "essay", _("读书征文")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        PUBLISHED = "published", _("已发布")
        REJECTED = "rejected", _("未通过")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="works")
    signup = models.ForeignKey(SignUp, on_delete=models.CASCADE, related_name="works")
    kind = models.CharField(_("作品类型"), max_length=8, choices=Kind.choices)
    title = models.CharField(_("作品名称"), max_length=80)
    body = models.TextField(_("作品说明/正文"), blank=True)
    picture = models.CharField(max_length=255, blank=True)  # core.images storage name (photo, video cover)
    picture_width = models.PositiveIntegerField(default=0)
    picture_height = models.PositiveIntegerField(default=0)
    renditions = models.JSONField(default=dict, blank=True)
    video = models.CharField(max_length=255, blank=True)  # storage name of the uploaded MP4
    # A reading essay (读后感) may name the book on the campaign's list it is about.
    book = models.ForeignKey(
        ReadingBook, on_delete=models.SET_NULL, null=True, blank=True, related_name="essays"
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    review_note = models.CharField(_("审核意见"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    votes = models.PositiveIntegerField(_("票数"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-votes", "id")
        indexes = [models.Index(fields=("activity", "status", "-votes"), name="work_board")]

    def __str__(self) -> str:
        return self.title


class Vote(models.Model):
    """One vote per member per contest per day (the database's unique constraint is the judge)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="votes")
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="vote_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    ip = models.GenericIPAddressField(null=True, blank=True)
    device = models.CharField(max_length=64, blank=True)  # a hash of the browser's device id
    flag = models.CharField(_("疑似刷票"), max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("activity", "user", "day"), name="vote_one_per_member_per_day")
        ]
        indexes = [models.Index(fields=("activity", "ip", "created_at"), name="vote_ip_burst")]

    def __str__(self) -> str:
        return f"{self.user_id}→{self.work_id}@{self.day}"


# --- 相亲联谊: real-name profiles and mutual consent ------------------------------------------------


class MatchProfile(models.Model):
    """A participant's card: real name from the membership record, what they show, and a contact
    (encrypted) revealed to another only when both expressed interest in each other."""

    signup = models.OneToOneField(SignUp, on_delete=models.CASCADE, related_name="match_profile")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="match_profiles")
    nickname = models.CharField(_("昵称"), max_length=20)
    intro = models.TextField(_("自我介绍"), max_length=500, blank=True)
    contact = EncryptedTextField(_("联系方式"))
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.nickname


class MatchInterest(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="match_interests")
    source = models.ForeignKey(MatchProfile, on_delete=models.CASCADE, related_name="interests_given")
    target = models.ForeignKey(MatchProfile, on_delete=models.CASCADE, related_name="interests_received")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("source", "target"), name="match_interest_once"),
            models.CheckConstraint(condition=~models.Q(source=models.F("target")), name="match_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}→{self.target_id}"


# --- 爱心托管: children by age group, daily attendance ---------------------------------------------


class ChildcareGroup(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="childcare_groups")
    name = models.CharField(_("班组"), max_length=40)
    min_age = models.PositiveSmallIntegerField(_("最小年龄"))
    max_age = models.PositiveSmallIntegerField(_("最大年龄"))
    capacity = models.PositiveIntegerField(_("名额"))
    taken = models.PositiveIntegerField(_("已报名"), default=0)

    class Meta:
        ordering = ("min_age", "id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(taken__lte=models.F("capacity")), name="childcare_within"
            ),
            models.CheckConstraint(
                condition=models.Q(min_age__lte=models.F("max_age")), name="childcare_ages"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ChildEnrolment(models.Model):
    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("已报名")
        CANCELLED = "cancelled", _("已取消")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="children")
    group = models.ForeignKey(ChildcareGroup, on_delete=models.PROTECT, related_name="children")
    signup = models.ForeignKey(SignUp, on_delete=models.CASCADE, related_name="children")  # the guardian's
    child_name = EncryptedTextField(_("孩子姓名"))
    child_age = models.PositiveSmallIntegerField(_("孩子年龄"))
    guardian_phone = EncryptedTextField(_("监护人电话"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ENROLLED)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.group_id}#{self.pk}"


class ChildAttendance(models.Model):
    enrolment = models.ForeignKey(ChildEnrolment, on_delete=models.CASCADE, related_name="attendance")
    day = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("enrolment", "day"), name="child_attendance_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}@{self.day}"


# --- 健身打卡 / online steps and distance challenges ------------------------------------------------


class FitnessEntry(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="fitness_entries")
    signup = models.ForeignKey(SignUp, on_delete=models.CASCADE, related_name="fitness_entries")
    day = models.DateField(_("打卡日期"))
    steps = models.PositiveIntegerField(_("步数"), default=0)
    distance_m = models.PositiveIntegerField(_("距离（米）"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-day",)
        constraints = [
            models.UniqueConstraint(fields=("signup", "day"), name="fitness_once_a_day"),
            models.CheckConstraint(
                condition=models.Q(steps__lte=100_000, distance_m__lte=100_000), name="fitness_plausible"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signup_id}@{self.day}"


# --- on the day: offline scans, photos; the survey afterwards -------------------------------------


class CheckinScan(models.Model):
    """A scan as the check-in page queued it: the browser's own id makes a re-sent scan a no-op."""

    client_id = models.CharField(max_length=64, unique=True)
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="scans")
    signup = models.ForeignKey(SignUp, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    scanned_at = models.DateTimeField()  # on the scanning phone (may be before the sync)
    result = models.CharField(max_length=16)  # "checked_in" | "again" | "refused"
    message = models.CharField(max_length=200, blank=True)
    synced_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.client_id


class ActivityPhoto(models.Model):
    """A photo of the day uploaded by an attendee who confirmed that the people shown agreed to its
    publication; public only after the organiser's review, and hidden again while a takedown
    request of someone shown is open (``photos.photo_takedown_ask``)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        PUBLISHED = "published", _("已发布")
        REJECTED = "rejected", _("未通过")
        REMOVED = "removed", _("已撤下")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    picture = models.CharField(max_length=255)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    renditions = models.JSONField(default=dict, blank=True)
    caption = models.CharField(_("说明"), max_length=120, blank=True)
    consent = models.BooleanField(_("画面中的人已同意公开"), default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    review_note = models.CharField(_("审核意见"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(consent=True),
                name="photo_published_consented",
            )
        ]
        indexes = [models.Index(fields=("activity", "status"), name="photo_by_status")]

    def __str__(self) -> str:
        return self.caption or str(self.pk)


class PhotoTakedown(models.Model):
    """Someone shown in a published photo asks for it to be taken down; the organiser's staff remove
    it or (with a reason) keep it. A request by someone who was there (a place in the activity, or
    the photo's uploader) hides the photo while it is open; anyone else's waits for staff with the
    photo still shown, so nobody can hide a day's photos by asking."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        REMOVED = "removed", _("已撤下")
        KEPT = "kept", _("保留")

    photo = models.ForeignKey(ActivityPhoto, on_delete=models.CASCADE, related_name="takedowns")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photo_takedowns")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("撤下理由"), max_length=300)
    hides_photo = models.BooleanField(_("申请期间暂停展示"), default=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    note = models.CharField(_("处理说明"), max_length=200, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(
                fields=("photo", "requested_by"),
                condition=models.Q(status="open"),
                name="photo_takedown_one_open",
            )
        ]
        indexes = [models.Index(fields=("activity", "status"), name="takedown_by_status")]

    def __str__(self) -> str:
        return f"{self.photo_id}: {self.status}"


class SurveyQuestion(models.Model):
    class Kind(models.TextChoices):
        SCORE = "score", _("评分（1–5）")
        CHOICE = "choice", _("单选")
        TEXT = "text", _("文字")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="survey_questions")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("问题"), max_length=200)
    kind = models.CharField(_("题型"), max_length=8, choices=Kind.choices)
    options = models.JSONField(_("选项"), default=list, blank=True)

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.text


class SurveyResponse(models.Model):
    """One response per participant (the sign-up is unique); answers keyed by question id, checked
    against the questions by ``days.survey_respond``."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="survey_responses")
    signup = models.OneToOneField(SignUp, on_delete=models.CASCADE, related_name="survey_response")
    answers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.signup_id}"
