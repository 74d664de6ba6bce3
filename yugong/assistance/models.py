"""困难帮扶 records: the hardship file (一户一档) with its household, income and rigid costs, the
versioned 低保 table, and the timeline of steps. Money in integer fen per month."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yugong.core.notice import ObjectionBase
from yugong.core.pii import EncryptedTextField, mask_account


class Tier(models.TextChoices):
    DEEP = "deep", _("深度困难")
    RELATIVE = "relative", _("相对困难")
    SUDDEN = "sudden", _("意外致困")


class Cause(models.TextChoices):
    ILLNESS = "illness", _("因病")
    DISABILITY = "disability", _("因残")
    ACCIDENT = "accident", _("因意外事故")
    DISASTER = "disaster", _("因灾")
    UNEMPLOYMENT = "unemployment", _("失业")
    SINGLE_PARENT = "single_parent", _("单亲家庭")
    EDUCATION = "education", _("子女就学")
    OTHER = "other", _("其他")


class CostKind(models.TextChoices):
    MEDICAL = "medical", _("医疗支出")
    EDUCATION = "education", _("教育支出")


class MinimumLivingLine(models.Model):
    """The 低保 line of a district for a year (one row per district and year: a new year is a new
    version, old years stay for files assessed then). Edited in the admin."""

    district = models.CharField(_("区县"), max_length=40)
    year = models.PositiveSmallIntegerField(_("年度"))
    monthly_fen = models.PositiveIntegerField(_("月人均标准（分）"))
    note = models.CharField(_("依据文件"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("最低生活保障标准")
        verbose_name_plural = _("最低生活保障标准")
        constraints = [
            models.UniqueConstraint(fields=["district", "year"], name="assistance_line_district_year"),
            models.CheckConstraint(condition=models.Q(monthly_fen__gt=0), name="assistance_line_positive"),
        ]
        ordering = ["district", "-year"]

    def __str__(self) -> str:
        return f"{self.district} {self.year}: {self.monthly_fen}"


class HardshipFile(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待基层审核")
        VISITING = "visiting", _("待入户走访")
        APPROVING = "approving", _("待上级审批")
        NOTICE = "notice", _("公示中")
        OBJECTED = "objected", _("公示有异议")
        ACTIVE = "active", _("已建档")
        REJECTED = "rejected", _("未通过")
        EXITED = "exited", _("已脱困")
        REMOVED = "removed", _("已撤档")

    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("工会")
    )
    applicant = models.ForeignKey(
        "members.Person", on_delete=models.PROTECT, related_name="hardship_files", verbose_name=_("申请人")
    )
    district = models.CharField(_("区县"), max_length=40)
    year = models.PositiveSmallIntegerField(_("核定年度"))
    causes = models.JSONField(_("致困原因"), default=list, blank=True)
    sudden_event = models.CharField(_("突发事件"), max_length=200, blank=True)
    migrant = models.BooleanField(_("农民工"), default=False)
    employment_months = models.PositiveSmallIntegerField(_("连续就业月数"), default=0)
    household_size = models.PositiveSmallIntegerField(_("家庭人口"), default=1)
    monthly_income_fen = models.PositiveIntegerField(_("家庭月收入（分）"), default=0)
    monthly_rigid_cost_fen = models.PositiveIntegerField(_("月刚性支出（分）"), default=0)
    line_fen = models.PositiveIntegerField(_("适用低保标准（分）"), null=True, blank=True)
    tier = models.CharField(_("困难类别"), max_length=16, choices=Tier.choices, blank=True)
    near_threshold = models.BooleanField(_("边缘户"), default=False, db_index=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    bank_card = EncryptedTextField(_("银行卡号"), blank=True, default="")
    bank_card_tail = models.CharField(_("银行卡尾号"), max_length=4, blank=True)
    illness_note = EncryptedTextField(_("病情说明"), blank=True, default="")
    consent_income_check = models.BooleanField(_("同意收入核对"), default=False)
    consent_at = models.DateTimeField(_("同意时间"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("提交人"),
    )
    due_at = models.DateTimeField(_("本步期限"), null=True, blank=True)
    approval_level = models.PositiveSmallIntegerField(_("已审批层级"), default=0)
    notice_article_id = models.PositiveIntegerField(_("公示文章"), null=True, blank=True)
    notice_ends_at = models.DateTimeField(_("公示截止"), null=True, blank=True)
    # Dynamic management: the next annual review, the last one, and why and when the file closed
    # (a closed file is kept ``ASSISTANCE_RETENTION_YEARS`` after ``closed_at``, then deleted).
    review_due_on = models.DateField(_("下次复核日期"), null=True, blank=True, db_index=True)
    reviewed_at = models.DateTimeField(_("上次复核时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结档时间"), null=True, blank=True, db_index=True)
    close_reason = models.CharField(_("结档原因"), max_length=200, blank=True)
    # The 公示 of an exit (脱困) or a removal (撤档): masked name, posted to the file's union.
    exit_notice_article_id = models.PositiveIntegerField(_("结档公示文章"), null=True, blank=True)
    exit_notice_ends_at = models.DateTimeField(_("结档公示截止"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("困难职工档案")
        verbose_name_plural = _("困难职工档案")
        indexes = [models.Index(fields=["union", "status"], name="assistance_file_union_status")]
        constraints = [
            # One open or active file per applicant (a rejected file may be followed by a new one).
            models.UniqueConstraint(
                fields=["applicant"],
                condition=~models.Q(status="rejected"),
                name="assistance_one_open_file_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pk}"

    @property
    def bank_card_masked(self) -> str:
        return mask_account(self.bank_card)


class HouseholdMember(models.Model):
    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="household")
    person = models.ForeignKey(
        "members.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("职工"),
    )
    name = models.CharField(_("姓名"), max_length=64)
    relation = models.CharField(_("与申请人关系"), max_length=20)
    in_school = models.BooleanField(_("在校学生"), default=False)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")

    def __str__(self) -> str:
        return f"{self.relation}"


class IncomeLine(models.Model):
    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="incomes")
    source = models.CharField(_("收入来源"), max_length=60)
    monthly_fen = models.PositiveIntegerField(_("月收入（分）"))

    class Meta:
        verbose_name = _("收入")
        verbose_name_plural = _("收入")

    def __str__(self) -> str:
        return f"{self.source}"


class RigidCost(models.Model):
    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="costs")
    kind = models.CharField(_("支出类别"), max_length=16, choices=CostKind.choices)
    monthly_fen = models.PositiveIntegerField(_("月支出（分）"))

    class Meta:
        verbose_name = _("刚性支出")
        verbose_name_plural = _("刚性支出")

    def __str__(self) -> str:
        return f"{self.kind}"


class FileStep(models.Model):
    """The file's timeline: one row per step taken (applied, reviewed, visited, approved, …)."""

    class Kind(models.TextChoices):
        APPLIED = "applied", _("提交申请")
        REVIEWED = "reviewed", _("基层审核")
        VISITED = "visited", _("入户走访")
        APPROVED = "approved", _("上级审批")
        REJECTED = "rejected", _("驳回")
        NOTICE = "notice", _("公示")
        OBJECTION = "objection", _("公示异议")
        OBJECTION_HANDLED = "objection_handled", _("异议处理")
        ACTIVATED = "activated", _("建档")
        REASSESSED = "reassessed", _("年度复核")
        EXITED = "exited", _("脱困退出")
        REMOVED = "removed", _("撤档")
        REENTERED = "reentered", _("重新申请")
        TRANSFERRED = "transferred", _("随会籍转移")
        INCOME_CHECK = "income_check", _("收入核对")
        SPOT_CHECKED = "spot_checked", _("复核抽查")
        EXIT_NOTICE = "exit_notice", _("结档公示")

    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("步骤"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("时间"))
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("档案步骤")
        verbose_name_plural = _("档案步骤")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind}"


class Objection(ObjectionBase):
    """An objection to a file's 建档公示 (the shared 公示 flow, ``yugong.core.notice``)."""

    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="objections")

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")

    def __str__(self) -> str:
        return f"{self.file_id}"


class CampaignKind(models.TextChoices):
    SPRING_JOBS = "spring_jobs", _("春送岗位")
    SUMMER_COOL = "summer_cool", _("夏送清凉")
    AUTUMN_SCHOOL = "autumn_school", _("金秋助学")
    WINTER_WARMTH = "winter_warmth", _("冬送温暖")
    CONDOLENCE = "condolence", _("慰问")


class Campaign(models.Model):
    """A 四季帮扶 campaign (or an ad-hoc 慰问) of one union, paid from one line of its funds budget.
    It runs in cycles; each cycle has its own rules and its own frozen list."""

    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("工会")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=CampaignKind.choices)
    title = models.CharField(_("名称"), max_length=100)
    budget_line = models.ForeignKey(
        "funds.BudgetLine", on_delete=models.PROTECT, related_name="+", verbose_name=_("预算项目")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("帮扶活动")
        verbose_name_plural = _("帮扶活动")
        indexes = [models.Index(fields=["union", "kind"], name="assistance_campaign_union")]

    def __str__(self) -> str:
        return str(self.title)


class CampaignCycle(models.Model):
    """One run of a campaign: rules → list built → reviewed → submitted (the budget is asked for) →
    approved (the list is frozen, the money reserved) → paid / delivered → closed."""

    class Mode(models.TextChoices):
        CASH = "cash", _("发放现金")
        GOODS = "goods", _("发放物资")

    class Status(models.TextChoices):
        DRAFT = "draft", _("名单编制中")
        SUBMITTED = "submitted", _("待审批")
        FROZEN = "frozen", _("名单已锁定")
        PAYING = "paying", _("发放中")
        CLOSED = "closed", _("已结束")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="cycles")
    name = models.CharField(_("批次名称"), max_length=100)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    mode = models.CharField(_("发放方式"), max_length=8, choices=Mode.choices, default=Mode.CASH)
    # Rules: {"tiers": [...], "causes": [...], "area_union_id": int | None, "in_school": bool}
    rules = models.JSONField(_("名单规则"), default=dict, blank=True)
    # Amounts (fen): {"deep": n, "relative": n, "sudden": n, "per_student": n}
    amounts = models.JSONField(_("发放标准"), default=dict, blank=True)
    goods = models.CharField(_("慰问品"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    total_fen = models.BigIntegerField(_("总金额（分）"), default=0)
    people = models.PositiveIntegerField(_("人数"), default=0)
    commitment = models.ForeignKey(
        "funds.Commitment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    built_at = models.DateTimeField(_("名单生成时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    frozen_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("帮扶批次")
        verbose_name_plural = _("帮扶批次")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="assistance_cycle_dates"
            ),
        ]

    def __str__(self) -> str:
        return str(self.name)


class Beneficiary(models.Model):
    """A household on a cycle's list. What decides the aid (tier, union, students, amount) is copied
    when the list is built, so later edits of the file do not change a frozen list. The household
    is the file's applicant: **one household at most once per cycle**, a database constraint (the
    last judge under concurrency, see ``tests/test_race.py``)."""

    class Status(models.TextChoices):
        LISTED = "listed", _("在册")
        EXCLUDED = "excluded", _("已剔除")
        SENT = "sent", _("已发送银行")
        PAID = "paid", _("已到账")
        FAILED = "failed", _("发放失败")
        DELIVERED = "delivered", _("已签收")

    # No index of its own: (cycle, household) and (cycle, status) both start with it. Every index
    # costs the 100,000-row list build (see services/lists.py).
    cycle = models.ForeignKey(
        CampaignCycle, on_delete=models.PROTECT, related_name="beneficiaries", db_index=False
    )
    # SET_NULL: the payment record outlives a file deleted at the end of its retention period.
    file = models.ForeignKey(HardshipFile, on_delete=models.SET_NULL, null=True, related_name="aid")
    # A copy of the file's applicant when the list was built (the key of the once-per-cycle
    # constraint). No database foreign key: on PostgreSQL it makes the set-based build lock every
    # listed person's row (FOR KEY SHARE) — a third of freezing a 100,000-household list.
    # Django's PROTECT still refuses to delete a person who is on a list.
    household = models.ForeignKey(
        "members.Person",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("户主"),
        db_constraint=False,
    )
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("工会")
    )
    tier = models.CharField(_("困难类别"), max_length=16, choices=Tier.choices, blank=True)
    students = models.PositiveSmallIntegerField(_("在校学生"), default=0)
    amount_fen = models.PositiveIntegerField(_("金额（分）"), default=0)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.LISTED)
    added_by_hand = models.BooleanField(_("人工增补"), default=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    # Indexed only where set (a list is built with none: the build writes no entry for it).
    payout_line = models.ForeignKey(
        "funds.PayoutLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    delivered_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    receipt_signed_by = models.CharField(_("签收人"), max_length=64, blank=True)
    receipt_image = models.CharField(_("签收单"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("帮扶对象")
        verbose_name_plural = _("帮扶对象")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "household"], name="assistance_once_per_cycle"),
        ]
        indexes = [
            models.Index(fields=["cycle", "status"], name="assistance_benef_cycle_status"),
            models.Index(
                fields=["payout_line"],
                condition=models.Q(payout_line__isnull=False),
                name="assistance_benef_payout_line",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle_id}:{self.household_id}"


class IncomeCheck(models.Model):
    """The request to civil affairs (民政) to check the household's income, and its answer, kept
    against a deadline on the working-day calendar. A record of an exchange done outside the
    platform (letter, the civil-affairs system): no outside call is made."""

    class Answer(models.TextChoices):
        CONSISTENT = "consistent", _("收入属实")
        INCONSISTENT = "inconsistent", _("收入不符")

    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="income_checks")
    reference = models.CharField(_("函件编号"), max_length=60, blank=True)
    requested_at = models.DateTimeField(_("发函时间"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(_("回复期限"))
    answered_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    answer = models.CharField(_("核对结果"), max_length=16, choices=Answer.choices, blank=True)
    answer_note = models.CharField(_("核对说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("收入核对")
        verbose_name_plural = _("收入核对")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.file_id}:{self.pk}"


class SpotCheckDraw(models.Model):
    """The yearly draw of annual reviews to be spot-checked (抽查) in a union's subtree. The share of
    the due files (``ASSISTANCE_SPOT_CHECK_SHARE``), the files that were due and a random seed are
    recorded, so anyone can re-compute the sample (:func:`yugong.assistance.services.spotchecks.
    sample_of`) and see that nobody chose it. One draw per union and year: it cannot be re-rolled."""

    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("工会")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    seed = models.CharField(_("随机种子"), max_length=64)
    share = models.DecimalField(_("抽查比例"), max_digits=4, decimal_places=3)
    population = models.JSONField(_("应复核档案"), default=list)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(_("抽取时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("抽查抽签")
        verbose_name_plural = _("抽查抽签")
        constraints = [models.UniqueConstraint(fields=["union", "year"], name="assistance_draw_union_year")]

    def __str__(self) -> str:
        return f"{self.union_id}:{self.year}"


class SpotCheck(models.Model):
    """One sampled file of a draw and the result of checking it (in person, against the papers)."""

    class Result(models.TextChoices):
        PENDING = "pending", _("待抽查")
        CONFIRMED = "confirmed", _("情况属实")
        DISCREPANCY = "discrepancy", _("情况不符")

    draw = models.ForeignKey(SpotCheckDraw, on_delete=models.CASCADE, related_name="checks")
    # SET_NULL: the record of the check outlives a file deleted after its retention period.
    file = models.ForeignKey(HardshipFile, on_delete=models.SET_NULL, null=True, related_name="spot_checks")
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("工会")
    )
    result = models.CharField(_("抽查结果"), max_length=12, choices=Result.choices, default=Result.PENDING)
    note = models.CharField(_("抽查说明"), max_length=500, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(_("抽查时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("年度复核抽查")
        verbose_name_plural = _("年度复核抽查")
        constraints = [models.UniqueConstraint(fields=["draw", "file"], name="assistance_check_once")]
        indexes = [models.Index(fields=["union", "result"], name="assistance_check_union")]

    def __str__(self) -> str:
        return f"{self.draw_id}:{self.file_id}"
