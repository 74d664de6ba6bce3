from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Each node's path is its ancestors' ids and its own, each as 8 hex digits and a slash:
# "00000001/0000002a/". A subtree is one indexed prefix scan (LIKE 'prefix%') on PostgreSQL
# (varchar_pattern_ops index) and SQLite alike; moving a subtree rewrites the prefix in one UPDATE.
PATH_STEP = 9


def path_segment(pk: int) -> str:
    return f"{pk:08x}/"


class ServedForm(models.TextChoices):
    """The new employment forms a federation may serve (the same values as members' employment
    forms; orgs cannot import members)."""

    COURIER = "courier", _("快递员")
    RIDER = "rider", _("外卖骑手")
    RIDE_HAILING = "ride_hailing", _("网约车司机")
    TRUCK_DRIVER = "truck_driver", _("货车司机")
    DOMESTIC = "domestic", _("家政服务员")


class Union(models.Model):
    class Kind(models.TextChoices):
        CITY = "city", _("市总工会")
        DISTRICT = "district", _("区县总工会")
        INDUSTRY = "industry", _("产业工会")
        FEDERATION = "federation", _("区域性/行业性工会联合会")
        GRASSROOTS = "grassroots", _("基层工会")
        JOINT = "joint", _("联合基层工会")
        BRANCH = "branch", _("分工会/工会小组")

    class Status(models.TextChoices):
        ACTIVE = "active", _("正常")
        MERGED = "merged", _("已合并")
        CLOSED = "closed", _("已撤销")

    name = models.CharField(_("名称"), max_length=120)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    code = models.CharField(_("工会编码"), max_length=32, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级工会"),
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    district = models.CharField(_("所在区县"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    chair_name = models.CharField(_("主席"), max_length=40, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("并入工会")
    )
    closed_on = models.DateField(_("撤销/合并日期"), null=True, blank=True)
    # Employment forms served by a federation of new-employment-form workers (riders, couriers…).
    serves_forms = models.JSONField(_("服务的就业形态"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("工会")
        verbose_name_plural = _("工会")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def is_within(self, other: Union) -> bool:
        return self.path.startswith(other.path)


class RoleAssignment(models.Model):
    """A staff role held at a union node, valid for that node's whole subtree."""

    class Role(models.TextChoices):
        CHAIR = "chair", _("主席")
        VICE_CHAIR = "vice_chair", _("副主席")
        STAFF = "staff", _("工作人员")
        FINANCE = "finance", _("财务")
        AUDITOR = "auditor", _("经审")
        HOTLINE = "hotline", _("热线接线员")
        VIEWER = "viewer", _("只读查看")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="union_roles", verbose_name=_("用户")
    )
    union = models.ForeignKey(
        Union, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("工会")
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    active = models.BooleanField(_("有效"), default=True)
    granted_at = models.DateTimeField(_("授予时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("岗位角色")
        verbose_name_plural = _("岗位角色")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "union", "role"], condition=Q(active=True), name="orgs_role_active_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.union} · {self.get_role_display()}"


def validate_uscc(value: str) -> None:
    """Model-level GB 32100 check (services normalise first and raise ``ValidationFailed``)."""
    from yugong.core.errors import ValidationFailed
    from yugong.core.validators import normalize_uscc

    try:
        if normalize_uscc(value) != value:
            raise ValidationError(_("统一社会信用代码应为18位大写字母或数字。"))
    except ValidationFailed as exc:
        raise ValidationError(next(iter(exc.fields.values()), str(exc))) from None


class Industry(models.TextChoices):
    """GB/T 4754-2017 国民经济行业分类, the twenty sections (门类) A–T."""

    A = "A", _("农、林、牧、渔业")
    B = "B", _("采矿业")
    C = "C", _("制造业")
    D = "D", _("电力、热力、燃气及水生产和供应业")
    E = "E", _("建筑业")
    F = "F", _("批发和零售业")
    G = "G", _("交通运输、仓储和邮政业")
    H = "H", _("住宿和餐饮业")
    I = "I", _("信息传输、软件和信息技术服务业")  # noqa: E741
    J = "J", _("金融业")
    K = "K", _("房地产业")
    L = "L", _("租赁和商务服务业")
    M = "M", _("科学研究和技术服务业")
    N = "N", _("水利、环境和公共设施管理业")
    O = "O", _("居民服务、修理和其他服务业")  # noqa: E741
    P = "P", _("教育")
    Q = "Q", _("卫生和社会工作")
    R = "R", _("文化、体育和娱乐业")
    S = "S", _("公共管理、社会保障和社会组织")
    T = "T", _("国际组织")


class Employer(models.Model):
    """用人单位: an enterprise or institution; ``union`` is the grassroots (or joint) union covering it."""

    name = models.CharField(_("单位名称"), max_length=200)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc])
    industry = models.CharField(_("行业门类"), max_length=1, choices=Industry.choices, blank=True)
    district = models.CharField(_("所在区县"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    headcount = models.PositiveIntegerField(_("职工人数"), default=0)
    unionised = models.BooleanField(_("已建会"), default=False)
    union = models.ForeignKey(
        Union,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="employers",
        verbose_name=_("所属基层工会"),
    )
    # The union responsible for the employer where it sits (usually the district federation): staff
    # there see the employer even before it has a union of its own — that is who organises it.
    managing_union = models.ForeignKey(
        Union,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_employers",
        verbose_name=_("属地管理工会"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("用人单位")
        verbose_name_plural = _("用人单位")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


class UnionEvent(models.Model):
    """The history of a node: written by every service that changes it, never edited."""

    class Kind(models.TextChoices):
        CREATED = "created", _("成立")
        RENAMED = "renamed", _("更名")
        UPDATED = "updated", _("信息变更")
        MOVED = "moved", _("调整隶属关系")
        MERGED = "merged", _("并入其他工会")
        ABSORBED = "absorbed", _("接收合并")
        CLOSED = "closed", _("撤销")
        REOPENED = "reopened", _("恢复")

    union = models.ForeignKey(Union, on_delete=models.CASCADE, related_name="events", verbose_name=_("工会"))
    kind = models.CharField(_("事件"), max_length=16, choices=Kind.choices)
    from_value = models.JSONField(_("变更前"), default=dict, blank=True)
    to_value = models.JSONField(_("变更后"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("工会沿革")
        verbose_name_plural = _("工会沿革")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["union", "-at"])]

    def __str__(self) -> str:
        return f"{self.union_id} {self.get_kind_display()}"
