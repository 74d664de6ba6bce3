"""Worker innovation: 创新工作室 (劳模/工匠 studios with members, results and ratings by level),
五小 proposals (小发明、小创造、小革新、小设计、小建议: submitted by a worker, reviewed, adopted and
rewarded by their union) and 揭榜挂帅 challenges (a firm or union posts a problem with a reward;
teams sign up; one is chosen; milestones; the result and the award). Money is integer fen."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    DISTRICT = "district", _("区县级")
    CITY = "city", _("市级")
    NATIONAL = "national", _("全国级")


LEVEL_RANK = {Level.DISTRICT: 1, Level.CITY: 2, Level.NATIONAL: 3}


class Studio(models.Model):
    """A 劳模/工匠创新工作室 registered by a union, led by a 劳模 or 工匠 of its subtree."""

    class Kind(models.TextChoices):
        MODEL_WORKER = "model_worker", _("劳模创新工作室")
        CRAFTSMAN = "craftsman", _("工匠创新工作室")
        WORKER = "worker", _("职工创新工作室")

    class Status(models.TextChoices):
        ACTIVE = "active", _("运行中")
        CLOSED = "closed", _("已撤销")

    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属工会")
    )
    name = models.CharField(_("工作室名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    lead = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="+")
    lead_name = models.CharField(_("领衔人"), max_length=64)
    lead_title = models.CharField(_("领衔人称号"), max_length=60)
    field = models.CharField(_("专业领域"), max_length=100)
    intro = models.TextField(_("简介"), blank=True)
    # The highest level at which a rating was approved (blank until the first).
    level = models.CharField(_("认定级别"), max_length=12, choices=Level.choices, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["union", "name"], name="innovation_studio_name_once")]
        ordering = ["-pk"]
        verbose_name = _("创新工作室")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name


class StudioMember(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("领衔人")
        MEMBER = "member", _("成员")

    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名"), max_length=64)
    role = models.CharField(_("角色"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["studio", "person"], name="innovation_studio_member_once")
        ]
        indexes = [models.Index(fields=["person"])]
        ordering = ["role", "pk"]

    def __str__(self) -> str:
        return self.name


class StudioResult(models.Model):
    """A result of a studio (a patent, a process improvement, a 绝招绝技…): recorded by the
    studio's union; each contributor earns credits through ``innovation.result_recorded``."""

    class Kind(models.TextChoices):
        PATENT = "patent", _("专利")
        PROCESS = "process", _("工艺改进")
        TECHNIQUE = "technique", _("绝招绝技")
        STANDARD = "standard", _("标准规范")
        OTHER = "other", _("其他成果")

    studio = models.ForeignKey(Studio, on_delete=models.PROTECT, related_name="results")
    title = models.CharField(_("成果名称"), max_length=120)
    kind = models.CharField(_("成果类型"), max_length=12, choices=Kind.choices)
    description = models.TextField(_("成果简介"))
    achieved_on = models.DateField(_("取得日期"))
    benefit_fen = models.BigIntegerField(_("经济效益（分）"), default=0)
    contributors = models.ManyToManyField("members.Person", related_name="+", verbose_name=_("完成人"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(benefit_fen__gte=0), name="innovation_result_benefit_nonneg")
        ]
        ordering = ["-achieved_on", "-pk"]
        verbose_name = _("工作室成果")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.title


class StudioRating(models.Model):
    """An application for a level (区县级/市级/全国级 示范工作室), decided by the union that rates
    at that level: the district union above the studio for 区县级, the city federation for 市级 and
    全国级 (the city records the national decision it recommended for)."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("申报中")
        APPROVED = "approved", _("已认定")
        REJECTED = "rejected", _("未通过")

    studio = models.ForeignKey(Studio, on_delete=models.PROTECT, related_name="ratings")
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    reviewer = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("审核单位")
    )
    statement = models.TextField(_("申报说明"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.APPLIED)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = models.CharField(_("审核意见"), max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["studio", "level", "year"], name="innovation_rating_once_a_year")
        ]
        indexes = [models.Index(fields=["status", "reviewer"])]
        ordering = ["-pk"]
        verbose_name = _("工作室评定")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.studio_id} {self.level} {self.year}"


class Proposal(models.Model):
    """A 五小 proposal: a worker submits it; their union accepts it for review, adopts it (with a
    grade and the yearly benefit assessed) or not, and pays a reward (fen) from union funds."""

    class Category(models.TextChoices):
        INVENTION = "invention", _("小发明")
        CREATION = "creation", _("小创造")
        INNOVATION = "innovation", _("小革新")
        DESIGN = "design", _("小设计")
        SUGGESTION = "suggestion", _("小建议")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        REVIEWING = "reviewing", _("评审中")
        ADOPTED = "adopted", _("已采纳")
        REJECTED = "rejected", _("未采纳")
        REWARDED = "rewarded", _("已奖励")

    class Grade(models.TextChoices):
        FIRST = "first", _("一等")
        SECOND = "second", _("二等")
        THIRD = "third", _("三等")

    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="+")
    proposer_name = models.CharField(_("提出人"), max_length=64)
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在工会")
    )
    category = models.CharField(_("类别"), max_length=12, choices=Category.choices)
    title = models.CharField(_("项目名称"), max_length=120)
    problem = models.TextField(_("现状与问题"))
    solution = models.TextField(_("改进措施"))
    expected_benefit = models.CharField(_("预期效果"), max_length=500, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    grade = models.CharField(_("等级"), max_length=8, choices=Grade.choices, blank=True)
    benefit_fen = models.BigIntegerField(_("年经济效益（分）"), default=0)
    reward_fen = models.BigIntegerField(_("奖励金额（分）"), default=0)
    review_note = models.CharField(_("评审意见"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("评审时间"), null=True, blank=True)
    rewarded_at = models.DateTimeField(_("奖励时间"), null=True, blank=True)
    # The reward is paid from union funds: the spending request on a line of the union's approved
    # budget (approved by a leader in funds, paid to the proposer by finance in a bank batch).
    reward_commitment = models.OneToOneField(
        "funds.Commitment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("奖励支出申请"),
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(benefit_fen__gte=0) & Q(reward_fen__gte=0),
                name="innovation_proposal_money_nonneg",
            ),
        ]
        indexes = [models.Index(fields=["person", "-created_at"]), models.Index(fields=["status", "union"])]
        ordering = ["-pk"]
        verbose_name = _("五小项目")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.title


class Challenge(models.Model):
    """A 揭榜挂帅 challenge: a problem posted by a firm or a union with a reward, open for teams to
    sign up until the deadline; the publishing union chooses a team, follows its milestones and
    accepts the result, paying the award."""

    class Status(models.TextChoices):
        OPEN = "open", _("揭榜中")
        UNDERWAY = "underway", _("攻关中")
        COMPLETED = "completed", _("已验收")
        CLOSED = "closed", _("已关闭")

    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("发榜工会")
    )
    poster = models.CharField(_("发榜单位"), max_length=120)
    title = models.CharField(_("榜单名称"), max_length=120)
    problem = models.TextField(_("技术难题"))
    requirements = models.TextField(_("揭榜要求"), blank=True)
    reward_fen = models.BigIntegerField(_("悬赏金额（分）"))
    signup_deadline = models.DateTimeField(_("揭榜截止时间"))
    due_on = models.DateField(_("攻关完成期限"))
    max_team_size = models.PositiveSmallIntegerField(_("团队人数上限"), default=8)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    result = models.TextField(_("攻关成果"), blank=True)
    award_fen = models.BigIntegerField(_("奖励金额（分）"), default=0)
    completed_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(reward_fen__gt=0)
                & Q(award_fen__gte=0)
                & Q(award_fen__lte=models.F("reward_fen")),
                name="innovation_challenge_award_within_reward",
            ),
        ]
        ordering = ["-pk"]
        verbose_name = _("揭榜挂帅")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.title


class Team(models.Model):
    class Status(models.TextChoices):
        SIGNED_UP = "signed_up", _("已揭榜")
        SELECTED = "selected", _("揭榜成功")
        NOT_SELECTED = "not_selected", _("未入选")

    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(_("团队名称"), max_length=60)
    leader = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="+")
    plan = models.TextField(_("攻关方案"))
    status = models.CharField(_("状态"), max_length=14, choices=Status.choices, default=Status.SIGNED_UP)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["challenge", "name"], name="innovation_team_name_once"),
            # one team selected per challenge
            models.UniqueConstraint(
                fields=["challenge"], condition=Q(status="selected"), name="innovation_one_selected_team"
            ),
        ]
        ordering = ["pk"]
        verbose_name = _("揭榜团队")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    # Copied from the team so the database keeps a person to one team per challenge.
    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名"), max_length=64)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["challenge", "person"], name="innovation_one_team_a_challenge")
        ]
        indexes = [models.Index(fields=["person"])]
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Milestone(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点名称"), max_length=120)
    due_on = models.DateField(_("计划完成日期"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    note = models.CharField(_("完成情况"), max_length=500, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("攻关节点")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.title
