"""People and their memberships.

* :class:`Person` — one row per human (principle 1), found by the keyed blind index of the ID
  number; the ID number and phone are encrypted at rest (core.pii). ``phone_tail`` (the last four
  digits, in clear) exists only for the staff search "last four digits", which is how union offices
  find a caller; four digits alone identify nobody.
* :class:`Membership` — one row per stint at one union: an application (pending), then an active
  membership, then its end (transferred / left / rejected / withdrawn). The whole history is kept;
  a transfer starts a new row at the target union linked by ``previous`` and keeps ``member_no``
  and ``member_since`` (continuous membership).
* :class:`MemberNumberCounter` — member numbers are allocated from a counter row per year with a
  conditional ``UPDATE … SET next_value = next_value + n`` inside the caller's transaction: the
  updated row stays locked until commit, so two approvals never get the same number, and a bulk
  import takes a whole block in one statement (:func:`member_numbers_reserve`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Left
from django.utils.translation import gettext_lazy as _

from yugong.core.pii import BlindIndexField, EncryptedTextField, mask_id_number, mask_name, mask_phone
from yugong.core.timeutil import local_today


class EmploymentForm(models.TextChoices):
    REGULAR = "regular", _("单位职工")
    COURIER = "courier", _("快递员")
    RIDER = "rider", _("外卖骑手")
    RIDE_HAILING = "ride_hailing", _("网约车司机")
    TRUCK_DRIVER = "truck_driver", _("货车司机")
    DOMESTIC = "domestic", _("家政服务员")
    FLEXIBLE = "flexible", _("灵活就业")
    OTHER = "other", _("其他")


# The "new employment forms" (新就业形态劳动者): without an employer's union they join the
# regional/industry federation (Union.kind="federation") of their district.
NEW_EMPLOYMENT_FORMS = frozenset(
    {
        EmploymentForm.COURIER,
        EmploymentForm.RIDER,
        EmploymentForm.RIDE_HAILING,
        EmploymentForm.TRUCK_DRIVER,
        EmploymentForm.DOMESTIC,
    }
)


class Education(models.TextChoices):
    UNKNOWN = "", _("未填写")
    PRIMARY = "primary", _("小学及以下")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中/中专/技校")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    MASTER = "master", _("硕士研究生")
    DOCTOR = "doctor", _("博士研究生")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class MaskedCopyField(models.CharField):
    """The masked form of the encrypted field ``source`` (138****5678, 5001**********1234), filled
    on every save from the clear value the instance holds (``core.pii.mask_phone`` /
    ``mask_id_number``: the one masking rule). Lists show it without decrypting anything: a list
    row never needs the clear value, so it never loads the ciphertext (issue 19). The bulk writer
    (``bulk.RowWriter``) fills it the same way."""

    MASKS = {"phone": mask_phone, "id_number": mask_id_number}

    def __init__(self, *args: Any, source: str = "", **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("max_length", 32), ("editable", False), ("blank", True), ("default", "")):
            if kwargs.get(key) == default:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def mask(self, clear: str | None) -> str:
        return self.MASKS[self.source](clear or "")

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = self.mask(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


class Person(models.Model):
    name = models.CharField(_("姓名"), max_length=64)
    id_number = EncryptedTextField(_("身份证号"), blank=True, default="")
    id_number_index = BlindIndexField(source="id_number", purpose="id_number")
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    phone = EncryptedTextField(_("手机号"), blank=True, default="")
    phone_index = BlindIndexField(source="phone", purpose="phone")
    phone_tail = models.CharField(_("手机尾号"), max_length=4, blank=True, db_index=True)
    phone_masked = MaskedCopyField(_("手机号（脱敏）"), source="phone")
    id_number_masked = MaskedCopyField(_("身份证号（脱敏）"), source="id_number")
    employment_form = models.CharField(
        _("就业形态"), max_length=16, choices=EmploymentForm.choices, default=EmploymentForm.REGULAR
    )
    migrant_worker = models.BooleanField(_("农民工"), default=False)
    education = models.CharField(_("学历"), max_length=16, choices=Education.choices, blank=True, default="")
    occupation = models.CharField(_("职业/岗位"), max_length=64, blank=True)
    employer = models.ForeignKey(
        "orgs.Employer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("工作单位"),
    )
    # Free text when the employer is not (yet) a registered Employer, e.g. typed on the join form.
    employer_name = models.CharField(_("工作单位名称"), max_length=200, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("用户"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("职工")
        verbose_name_plural = _("职工")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=~Q(id_number_index=""),
                name="members_person_id_number_unique",
            ),
        ]
        indexes = [
            # exact and prefix name search ("张" finds 张三, 张三丰): LIKE 'x%' needs the pattern
            # operator class on PostgreSQL (other backends ignore opclasses).
            models.Index(fields=["name"], opclasses=["varchar_pattern_ops"], name="members_person_name_like"),
            models.Index(
                fields=["employer_name"],
                opclasses=["varchar_pattern_ops"],
                name="members_person_employer_like",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        adding = self._state.adding
        fields = kwargs.get("update_fields")
        if fields is not None:  # the masked copies follow their source, whatever the caller listed
            extra = {f"{source}_masked" for source in ("phone", "id_number") if source in fields}
            kwargs["update_fields"] = fields = {*fields, *extra}
        super().save(*args, **kwargs)
        if not adding and (fields is None or set(fields) & set(PERSON_SEARCH_KEYS)):
            # The staff search reads these from the membership rows (one UPDATE over the person's
            # few rows, through the person_id index).
            Membership.objects.filter(person_id=self.pk).update(**membership_keys_of(self))

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def is_new_employment_form(self) -> bool:
        return self.employment_form in NEW_EMPLOYMENT_FORMS


# Person field -> Membership field: the person's searchable fields copied onto their memberships.
PERSON_SEARCH_KEYS = {
    "name": "person_name",
    "employment_form": "employment_form",
    "migrant_worker": "migrant_worker",
    "employer_name": "employer_name",
}


def membership_keys_of(person: Person) -> dict[str, Any]:
    return {target: getattr(person, source) for source, target in PERSON_SEARCH_KEYS.items()}


class MembershipQuerySet(models.QuerySet["Membership"]):
    def bulk_create(self, objs: Iterable[Membership], *args: Any, **kwargs: Any) -> list[Membership]:
        """Fill the search keys of rows that lack them (two queries for the whole batch)."""
        objs = list(objs)
        from yugong.orgs.models import Union

        union_ids = {m.union_id for m in objs if not m.union_path and m.union_id is not None}
        paths = dict(Union.objects.filter(pk__in=union_ids).values_list("pk", "path")) if union_ids else {}
        person_ids = {m.person_id for m in objs if not m.person_name and m.person_id is not None}
        people = {
            p.pk: membership_keys_of(p)
            for p in Person.objects.filter(pk__in=person_ids).only("pk", *PERSON_SEARCH_KEYS)
        }
        for m in objs:
            if not m.union_path and m.union_id in paths:
                m.union_path = paths[m.union_id]
            if not m.person_name and m.person_id in people:
                for attr, value in people[m.person_id].items():
                    setattr(m, attr, value)
        return super().bulk_create(objs, *args, **kwargs)


class Membership(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        ACTIVE = "active", _("会员")
        REJECTED = "rejected", _("已驳回")
        SUSPENDED = "suspended", _("暂停")
        TRANSFERRED = "transferred", _("已转出")
        LEFT = "left", _("已退会")
        WITHDRAWN = "withdrawn", _("已撤回")

    class Channel(models.TextChoices):
        ONLINE = "online", _("线上申请")
        SCAN = "scan", _("扫码入会")
        IMPORT = "import", _("名册导入")
        STAFF = "staff", _("工会代办")
        TRANSFER = "transfer", _("转会")

    CURRENT = (Status.ACTIVE, Status.SUSPENDED)

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("职工")
    )
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="memberships", verbose_name=_("工会")
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    channel = models.CharField(_("入会渠道"), max_length=16, choices=Channel.choices, default=Channel.ONLINE)
    member_no = models.CharField(_("会员编号"), max_length=20, null=True, blank=True, db_index=True)
    applied_at = models.DateTimeField(_("申请时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("审批期限"), null=True, blank=True)
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    reject_reason = models.TextField(_("驳回理由"), blank=True)
    member_since = models.DateField(_("入会日期"), null=True, blank=True)
    started_on = models.DateField(_("本会起始日期"), null=True, blank=True)
    ended_on = models.DateField(_("本会终止日期"), null=True, blank=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="following",
        verbose_name=_("转出前会籍"),
    )
    note = models.TextField(_("备注"), blank=True)
    # Set when an overdue application was flagged to the level above (flag once per application).
    overdue_flagged_at = models.DateTimeField(_("超期提醒时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # Search keys, copies of the union's path and of the person's searchable fields, so that the
    # staff search filters one table (see README "Search plan"). Kept in step by save() and
    # bulk_create (from the union and person), Person.save() (the person's rows) and the orgs hook
    # on subtree moves (hooks.subtree_moved); ``manage.py members_search_keys`` re-derives them.
    union_path = models.CharField(max_length=255, default="", blank=True, editable=False)
    person_name = models.CharField(_("姓名"), max_length=64, default="", blank=True, editable=False)
    employment_form = models.CharField(
        _("就业形态"),
        max_length=16,
        choices=EmploymentForm.choices,
        default=EmploymentForm.REGULAR,
        editable=False,
    )
    migrant_worker = models.BooleanField(_("农民工"), default=False, editable=False)
    employer_name = models.CharField(
        _("工作单位名称"), max_length=200, default="", blank=True, editable=False
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("会籍")
        verbose_name_plural = _("会籍")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=["active", "suspended"]),
                name="members_one_current_membership",
            ),
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="pending"), name="members_one_pending_membership"
            ),
            # A member number belongs to one person; the rows of a transfer chain share it, but
            # only one of them is current at a time.
            models.UniqueConstraint(
                fields=["member_no"],
                condition=Q(status__in=["active", "suspended"]),
                name="members_member_no_current_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["union", "status", "id"], name="members_union_status_id"),
            models.Index(fields=["status", "id"], name="members_status_id"),
            models.Index(fields=["status", "due_at"], name="members_status_due"),
            # The staff search over current members (partial: the default list). Subtree lists walk
            # the primary key backwards and test union_path on the row; these serve the cases where
            # that walk would be long: a small subtree, a selective name or employer prefix, a rare
            # employment form.
            models.Index(
                fields=["union_path"],
                opclasses=["varchar_pattern_ops"],
                condition=Q(status__in=["active", "suspended"]),
                name="members_cur_path",
            ),
            models.Index(
                fields=["person_name"],
                opclasses=["varchar_pattern_ops"],
                condition=Q(status__in=["active", "suspended"]),
                name="members_cur_name",
            ),
            # A one-character prefix (a surname: 王) matches ~1% of the city: this walks the
            # surname's rows newest first instead of the district's.
            models.Index(
                Left("person_name", 1),
                F("id"),
                condition=Q(status__in=["active", "suspended"]),
                name="members_cur_initial_id",
            ),
            models.Index(
                fields=["employer_name"],
                opclasses=["varchar_pattern_ops"],
                condition=Q(status__in=["active", "suspended"]),
                name="members_cur_employer",
            ),
            models.Index(
                fields=["employment_form", "id"],
                condition=Q(status__in=["active", "suspended"]),
                name="members_cur_form_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.union_id} {self.status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        fields = kwargs.get("update_fields")
        if fields is None or {"union", "union_id", "person", "person_id"} & set(fields):
            self.fill_search_keys()
            if fields is not None:
                kwargs["update_fields"] = {*fields, "union_path", *PERSON_SEARCH_KEYS.values()}
        super().save(*args, **kwargs)

    def fill_search_keys(self) -> None:
        """Copy the union's path and the person's search fields onto this row (from the related
        objects when loaded, else one query each)."""
        if self.union_id is not None:
            self.union_path = self.union.path
        if self.person_id is not None:
            for attr, value in membership_keys_of(self.person).items():
                setattr(self, attr, value)

    @property
    def is_current(self) -> bool:
        return self.status in self.CURRENT

    @property
    def is_transfer(self) -> bool:
        return self.previous_id is not None


class MemberNumberCounter(models.Model):
    """Next free serial per key (the year of approval)."""

    key = models.CharField(max_length=16, unique=True)
    next_value = models.BigIntegerField(default=1)

    class Meta:
        verbose_name = _("会员编号计数器")
        verbose_name_plural = _("会员编号计数器")

    def __str__(self) -> str:
        return f"{self.key}: {self.next_value}"


MEMBER_NO_DIGITS = 8


def format_member_no(key: str, value: int) -> str:
    """``YG2025`` + 8-digit serial, e.g. ``YG202500000042`` (14 characters)."""
    prefix = getattr(settings, "MEMBER_NO_PREFIX", "YG")
    return f"{prefix}{key}{value:0{MEMBER_NO_DIGITS}d}"


class MemberNumberBlock:
    """Consecutive serials ``[start, end)`` under ``key``, handed out by :meth:`take`."""

    def __init__(self, key: str, start: int, end: int) -> None:
        self.key, self.next, self.end = key, start, end

    def __len__(self) -> int:
        return self.end - self.next

    def take(self) -> str:
        if self.next >= self.end:
            raise MemberNumbersExhausted()
        value, self.next = self.next, self.next + 1
        return format_member_no(self.key, value)


class MemberNumbersExhausted(Exception):
    """More numbers were taken from a block than were reserved."""


def member_numbers_reserve(*, count: int, key: str | None = None) -> MemberNumberBlock:
    """Reserve ``count`` consecutive member numbers: the one place numbers are taken.

    The counter row is created if missing (``INSERT … ON CONFLICT DO NOTHING``) and then bumped with
    one conditional UPDATE; the row lock that UPDATE takes lasts until the surrounding transaction
    commits, so the value read back right after is ours alone. Call inside the transaction that
    uses the numbers (a rollback returns them, leaving no gap); called outside one, the block is
    committed at once and a failure later leaves a gap (numbers carry no meaning)."""
    key = key or str(local_today().year)
    if count < 1:
        return MemberNumberBlock(key, 0, 0)
    with transaction.atomic():
        MemberNumberCounter.objects.bulk_create(
            [MemberNumberCounter(key=key, next_value=1)], ignore_conflicts=True
        )
        MemberNumberCounter.objects.filter(key=key).update(next_value=F("next_value") + count)
        end = MemberNumberCounter.objects.filter(key=key).values_list("next_value", flat=True).get()
    return MemberNumberBlock(key, end - count, end)


def member_numbers_allocate(*, count: int, key: str | None = None) -> list[str]:
    """``count`` consecutive member numbers as strings (:func:`member_numbers_reserve`)."""
    block = member_numbers_reserve(count=count, key=key)
    return [block.take() for _ in range(len(block))]


# --- The member list's write stamp (yugong/members/pagecache.py) -------------------------------


class ListStamp(models.Model):
    """One row (id 1): ``gen`` goes up by one when a transaction that wrote memberships, people or
    unions commits (PostgreSQL triggers, migration 0009 — every write path, COPY and raw SQL
    included). The member list's page cache keys its entries on it."""

    id = models.PositiveSmallIntegerField(primary_key=True)
    gen = models.BigIntegerField(default=1)

    def __str__(self) -> str:
        return f"list stamp {self.gen}"


class ListStampPending(models.Model):
    """A transaction's "I wrote list data" mark, made by the statement triggers and removed by the
    deferred trigger that bumps :class:`ListStamp` at commit (empty between transactions)."""

    step = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"list write pending #{self.pk}"


# --- Roster import (yugong/members/roster/models.py) ----------------------------------------
from .roster.models import RosterImport, RosterImportError  # noqa: E402,F401
