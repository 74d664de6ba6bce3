"""Union funds (经费): per union node and year, planned income and a budget by the expenditure
categories of 《基层工会经费收支管理办法》, approved by the union's own procedure; spending is a
commitment against one budget line (reserve → spend → release); every movement is one balanced
entry of the one ledger (:mod:`yugong.funds.ledger`), written in the transaction of the change.

* :class:`Budget` — one per union and year: draft → submitted → approved (or sent back to draft
  with a reason). Nobody approves a budget they submitted.
* :class:`BudgetLine` — an amount for a category (and an optional configurable sub-category).
  ``reserved_fen`` and ``spent_fen`` move only through conditional UPDATEs in
  :mod:`yugong.funds.services.commitments`; CHECK constraints are the last judge
  (``reserved + spent <= amount``), so a line can never be overdrawn.
* :class:`IncomeLine` — planned income by kind (会费, 拨缴经费, 行政补助, 其他) and what was received.
* :class:`Commitment` — a request to spend from a line: pending → (first approval, above the
  second-approver threshold) → reserved → closed (spent and/or released), or rejected.
* :class:`LedgerEntry` / :class:`LedgerLine` — the one double-entry ledger of the platform.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yugong.core.pii import EncryptedTextField
from yugong.orgs.models import Union


class Category(models.TextChoices):
    """The expenditure categories of the union finance rules (基层工会经费支出范围)."""

    ACTIVITIES = "activities", _("职工活动支出")
    RIGHTS = "rights", _("维权支出")
    BUSINESS = "business", _("业务支出")
    CAPITAL = "capital", _("资本性支出")
    UNDERTAKING = "undertaking", _("事业支出")
    OTHER = "other", _("其他支出")


class IncomeKind(models.TextChoices):
    DUES = "dues", _("会费收入")
    ALLOCATION = "allocation", _("拨缴经费收入")
    SUBSIDY = "subsidy", _("行政补助收入")
    OTHER = "other", _("其他收入")


class SubCategory(models.Model):
    """A configurable sub-category (e.g. 职工活动支出 › 文体活动), kept by the system administrators."""

    category = models.CharField(_("支出类别"), max_length=16, choices=Category.choices)
    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("支出子类")
        verbose_name_plural = _("支出子类")
        ordering = ["category", "order", "pk"]

    def __str__(self) -> str:
        return str(self.name)


class Budget(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审批")
        APPROVED = "approved", _("已批准")

    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="budgets", verbose_name=_("工会"))
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.CharField(_("退回理由"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("年度预算")
        verbose_name_plural = _("年度预算")
        constraints = [models.UniqueConstraint(fields=["union", "year"], name="funds_budget_union_year")]

    def __str__(self) -> str:
        return f"{self.union} {self.year}"


class BudgetLine(models.Model):
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="lines", verbose_name=_("预算"))
    # Copies of the budget's union and year: scope filters and the reservation UPDATE need no join.
    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="+", verbose_name=_("工会"))
    year = models.PositiveSmallIntegerField(_("年度"))
    category = models.CharField(_("支出类别"), max_length=16, choices=Category.choices)
    subcategory = models.ForeignKey(
        SubCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("支出子类"),
    )
    name = models.CharField(_("预算项目"), max_length=100)
    amount_fen = models.BigIntegerField(_("预算金额"))
    reserved_fen = models.BigIntegerField(_("已占用"), default=0)
    spent_fen = models.BigIntegerField(_("已支出"), default=0)
    # Set when the budget is approved: only open lines take reservations.
    open = models.BooleanField(_("可用"), default=False)

    class Meta:
        verbose_name = _("预算项目")
        verbose_name_plural = _("预算项目")
        ordering = ["category", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="funds_line_amount_nonneg"),
            models.CheckConstraint(condition=Q(reserved_fen__gte=0), name="funds_line_reserved_nonneg"),
            models.CheckConstraint(condition=Q(spent_fen__gte=0), name="funds_line_spent_nonneg"),
            models.CheckConstraint(
                condition=Q(amount_fen__gte=F("reserved_fen") + F("spent_fen")),
                name="funds_line_not_overdrawn",
            ),
        ]

    def __str__(self) -> str:
        return str(self.name)

    @property
    def available_fen(self) -> int:
        return int(self.amount_fen - self.reserved_fen - self.spent_fen)


class IncomeLine(models.Model):
    budget = models.ForeignKey(
        Budget, on_delete=models.PROTECT, related_name="income", verbose_name=_("预算")
    )
    kind = models.CharField(_("收入类别"), max_length=12, choices=IncomeKind.choices)
    name = models.CharField(_("收入项目"), max_length=100)
    planned_fen = models.BigIntegerField(_("预算收入"), default=0)
    received_fen = models.BigIntegerField(_("已收到"), default=0)

    class Meta:
        verbose_name = _("收入项目")
        verbose_name_plural = _("收入项目")
        ordering = ["kind", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(planned_fen__gte=0), name="funds_income_planned_nonneg"),
        ]

    def __str__(self) -> str:
        return str(self.name)


class Commitment(models.Model):
    """A request to spend from a budget line (支出申请), and what became of it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        FIRST_APPROVED = "first_approved", _("待复核")
        RESERVED = "reserved", _("已占用")
        CLOSED = "closed", _("已完结")
        REJECTED = "rejected", _("已驳回")

    line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="commitments")
    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="+", verbose_name=_("工会"))
    amount_fen = models.BigIntegerField(_("申请金额"))
    reserved_fen = models.BigIntegerField(_("占用中"), default=0)
    spent_fen = models.BigIntegerField(_("已支出"), default=0)
    released_fen = models.BigIntegerField(_("已释放"), default=0)
    purpose = models.CharField(_("用途"), max_length=200)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    # What the money is for in the scenario that asked ("tourism.grouporder", 12): a plain reference
    # because funds imports no scenario app. One commitment per reference.
    ref_type = models.CharField(max_length=32, blank=True)
    ref_id = models.BigIntegerField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    first_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    first_approved_at = models.DateTimeField(null=True, blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(_("驳回理由"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("支出申请")
        verbose_name_plural = _("支出申请")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="funds_commitment_amount_pos"),
            models.CheckConstraint(
                condition=Q(reserved_fen__gte=0) & Q(spent_fen__gte=0) & Q(released_fen__gte=0),
                name="funds_commitment_parts_nonneg",
            ),
            models.UniqueConstraint(
                fields=["ref_type", "ref_id"],
                condition=~Q(ref_type="") & ~Q(status="rejected"),
                name="funds_commitment_ref_unique",
            ),
        ]

    def __str__(self) -> str:
        return str(self.purpose)


class LedgerEntry(models.Model):
    """One money movement (a voucher, 记账凭证); its lines sum to zero. Append-only."""

    kind = models.CharField(_("类型"), max_length=24)
    memo = models.CharField(_("摘要"), max_length=200, blank=True)
    union = models.ForeignKey(
        Union, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("工会")
    )
    # The object that caused it ("funds.commitment", 7), a plain reference (any app may post).
    ref_type = models.CharField(max_length=32, blank=True)
    ref_id = models.BigIntegerField(null=True, blank=True)
    refs = models.JSONField(default=dict, blank=True)
    # The number the outside world knows the movement by: the payment provider's trade number
    # (out_trade_no), a bank batch line's number. Reconciliation matches on it.
    external_ref = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("记账凭证")
        verbose_name_plural = _("记账凭证")
        indexes = [
            models.Index(fields=["ref_type", "ref_id"], name="funds_entry_ref"),
            models.Index(fields=["external_ref"], name="funds_entry_external", condition=~Q(external_ref="")),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class LedgerLine(models.Model):
    """Signed amount: positive is a debit, negative a credit."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.CharField(_("科目"), max_length=48, db_index=True)
    amount_fen = models.BigIntegerField(_("金额"))

    class Meta:
        verbose_name = _("记账分录")
        verbose_name_plural = _("记账分录")

    def __str__(self) -> str:
        return f"{self.account} {self.amount_fen}"


# --- Bank batches and reconciliation ------------------------------------------------------------


class PayoutBatch(models.Model):
    """Payouts sent to the bank as one file (代发): settlement to merchants, aid and awards to
    workers. draft → exported (the file went to the bank) → closed (every line's result is in)."""

    class Kind(models.TextChoices):
        SETTLEMENT = "settlement", _("商户结算")
        AID = "aid", _("帮扶款")
        AWARD = "award", _("奖励金")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        EXPORTED = "exported", _("已发送银行")
        CLOSED = "closed", _("已完结")

    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="+", verbose_name=_("付款工会"))
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(_("批次名称"), max_length=100)
    # The account the bank takes the money from once a line is confirmed.
    cash_account = models.CharField(_("付款科目"), max_length=48)
    bank_format = models.CharField(_("银行文件格式"), max_length=32)
    follow_up_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="follow_ups"
    )
    total_fen = models.BigIntegerField(_("总金额"), default=0)
    line_count = models.PositiveIntegerField(_("笔数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    exported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("代发批次")
        verbose_name_plural = _("代发批次")

    def __str__(self) -> str:
        return str(self.title)


class PayoutLine(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        PAID = "paid", _("成功")
        FAILED = "failed", _("失败")
        # A failed line given up on (not paid again): the money owed goes back where it came from.
        CANCELLED = "cancelled", _("已取消")

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="lines")
    payee_name = models.CharField(_("收款人"), max_length=100)
    account_no = EncryptedTextField(_("收款账号"))
    bank_name = models.CharField(_("开户行"), max_length=100, blank=True)
    amount_fen = models.BigIntegerField(_("金额"))
    purpose = models.CharField(_("用途"), max_length=100, blank=True)
    # What the line pays off when sent (merchant_payable:<id>, payout_suspense:<union>, …).
    debit_account = models.CharField(max_length=48)
    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, null=True, blank=True, related_name="payout_lines"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    result_message = models.CharField(_("银行反馈"), max_length=200, blank=True)
    cancel_reason = models.CharField(_("取消理由"), max_length=500, blank=True)
    retry_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="retried_by"
    )

    class Meta:
        verbose_name = _("代发明细")
        verbose_name_plural = _("代发明细")
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="funds_payout_amount_pos")]

    def __str__(self) -> str:
        return f"{self.payee_name} {self.amount_fen}"

    @property
    def number(self) -> str:
        """The line's number in the bank file (客户流水号); results come back with it."""
        return f"YG{self.pk:010d}"


class Reconciliation(models.Model):
    """One comparison of the ledger with an outside statement (the provider's daily bill, a bank
    result file); its differences wait for a person."""

    class Kind(models.TextChoices):
        PROVIDER_BILL = "provider_bill", _("支付渠道对账")
        BANK = "bank", _("银行代发对账")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    source = models.CharField(_("来源"), max_length=100)
    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="+", verbose_name=_("工会"))
    # A bank run: the batch whose result file it read.
    batch = models.ForeignKey(
        PayoutBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="runs",
        verbose_name=_("代发批次"),
    )
    statement_lines = models.PositiveIntegerField(_("对账单笔数"), default=0)
    statement_fen = models.BigIntegerField(_("对账单金额"), default=0)
    ledger_fen = models.BigIntegerField(_("账簿金额"), default=0)
    differences = models.PositiveIntegerField(_("差异笔数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("对账")
        verbose_name_plural = _("对账")

    def __str__(self) -> str:
        return str(self.source)


class StatementLine(models.Model):
    """A staged line of an outside statement (loaded with COPY on PostgreSQL), removed once the
    reconciliation has compared it."""

    run = models.ForeignKey(Reconciliation, on_delete=models.CASCADE, related_name="+")
    external_ref = models.CharField(max_length=64)
    amount_fen = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["run", "external_ref"], name="funds_stmt_run_ref")]

    def __str__(self) -> str:
        return f"{self.external_ref} {self.amount_fen}"


class Difference(models.Model):
    class Kind(models.TextChoices):
        MISSING_IN_LEDGER = "missing_in_ledger", _("账簿无记录")
        MISSING_IN_STATEMENT = "missing_in_statement", _("对账单无记录")
        AMOUNT = "amount", _("金额不符")
        UNKNOWN_LINE = "unknown_line", _("未知明细")

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        RESOLVED = "resolved", _("已处理")

    run = models.ForeignKey(Reconciliation, on_delete=models.PROTECT, related_name="difference_rows")
    kind = models.CharField(_("差异类型"), max_length=24, choices=Kind.choices)
    external_ref = models.CharField(_("单号"), max_length=64)
    statement_fen = models.BigIntegerField(_("对账单金额"), null=True, blank=True)
    ledger_fen = models.BigIntegerField(_("账簿金额"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.CharField(_("处理说明"), max_length=500, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("对账差异")
        verbose_name_plural = _("对账差异")

    def __str__(self) -> str:
        return f"{self.kind} {self.external_ref}"
