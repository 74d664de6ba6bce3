"""Writes for activities: create, commit the lottery seed, share out places, sign up, draw.

Every write is keyword-only, atomic, checks the actor through ``yugong.orgs.access`` and writes its
audit row (and fact) in the same transaction."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core import timeutil
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.validators import is_ascii_digits
from yugong.members.models import EmploymentForm, Membership
from yugong.orgs import access
from yugong.orgs.models import RoleAssignment, Union

from . import draw, lottery, selectors, signup_rules, signup_sql
from .models import Activity, ActivityKind, Quota, SignUp
from .offers import _offer_next, offers_expire, signup_offer_accept

__all__ = ["offers_expire", "signup_offer_accept"]  # re-exported: pages, tasks and the command call them here

Role = RoleAssignment.Role
ORGANISER_ROLES = (Role.CHAIR, Role.VICE_CHAIR, Role.STAFF)
VIEW_ROLES = (*ORGANISER_ROLES, Role.VIEWER)
_HEX64 = re.compile(r"^[0-9a-f]{64}$")

# Test-only: the naive read-then-write quota path that the race test's control uses.
_UNGUARDED_QUOTA = False


def _activity_for(actor: User, activity_id: Any, *, lock: bool = False) -> Activity:
    qs = Activity.objects.select_related("union")
    if lock:
        qs = qs.select_for_update(of=("self",))
    activity = access.access_object(qs, actor, activity_id, path_field="union_path")
    access.require_role(actor, activity.union, ORGANISER_ROLES)
    return activity


def activity_create(
    *,
    actor: User,
    union_id: Any,
    title: str,
    kind: str,
    places: int,
    signup_opens_at: dt.datetime,
    signup_closes_at: dt.datetime,
    description: str = "",
    venue: str = "",
    starts_at: dt.datetime | None = None,
    members_only: bool = True,
    employment_forms: Sequence[str] = (),
    repeat_penalty_pct: int = 0,
    offer_hours: int = 24,
    seed_hash: str = "",
) -> Activity:
    union = access.access_union(actor, union_id)
    access.require_role(actor, union, ORGANISER_ROLES)
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("请填写活动名称。")
    if kind not in ActivityKind.values:
        errors["kind"] = _("活动类型无效。")
    if not isinstance(places, int) or places < 1:
        errors["places"] = _("名额须为正整数。")
    if signup_closes_at <= signup_opens_at:
        errors["signup_closes_at"] = _("报名截止须晚于报名开始。")
    bad_forms = [f for f in employment_forms if f not in EmploymentForm.values]
    if bad_forms:
        errors["employment_forms"] = _("就业形态无效。")
    if not 0 <= repeat_penalty_pct <= 1000:
        errors["repeat_penalty_pct"] = _("降权比例须在0到1000之间。")
    if not isinstance(offer_hours, int) or not 1 <= offer_hours <= 720:
        errors["offer_hours"] = _("候补递补确认时限须在1到720小时之间。")
    seed_hash = (seed_hash or "").strip().lower()
    if seed_hash and not _HEX64.match(seed_hash):
        errors["seed_hash"] = _("种子承诺值须为64位十六进制SHA-256。")
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        activity = Activity.objects.create(
            union=union,
            union_path=union.path,
            title=title,
            kind=kind,
            description=description,
            venue=venue,
            starts_at=starts_at,
            places=places,
            signup_opens_at=signup_opens_at,
            signup_closes_at=signup_closes_at,
            members_only=members_only,
            employment_forms=list(dict.fromkeys(employment_forms)),
            repeat_penalty_pct=repeat_penalty_pct,
            offer_hours=offer_hours,
            seed_hash=seed_hash,
            created_by=actor,
        )
        audit_record(actor=actor, action="activity.create", obj=activity, union_id=union.pk)
        fact_record(metric="activities.created", union_id=union.pk, dim=kind)
    return activity


@transaction.atomic
def activity_commit_seed(*, actor: User, activity_id: Any, seed_hash: str) -> Activity:
    """Publish sha256(seed) before sign-up closes; it can't change once published."""
    activity = _activity_for(actor, activity_id, lock=True)
    seed_hash = (seed_hash or "").strip().lower()
    if not _HEX64.match(seed_hash):
        raise ValidationFailed(fields={"seed_hash": _("种子承诺值须为64位十六进制SHA-256。")})
    if activity.seed_hash:
        raise Conflict(_("种子承诺值已公布，不能修改。"))
    if timeutil.now() >= activity.signup_closes_at:
        raise Conflict(_("报名已截止，不能再公布种子承诺值。"))
    activity.seed_hash = seed_hash
    activity.save(update_fields=["seed_hash"])
    audit_record(actor=actor, action="activity.seed_commit", obj=activity, union_id=activity.union_id)
    return activity


# What may change at any time before the draw, and what only before sign-up opens (the rules the
# entrants signed up under: places, eligibility, weighting).
FREE_FIELDS = ("title", "description", "venue", "starts_at", "offer_hours")
FIXED_AT_OPENING = (
    "places",
    "members_only",
    "employment_forms",
    "repeat_penalty_pct",
    "signup_opens_at",
    "signup_closes_at",
)


@transaction.atomic
def activity_update(*, actor: User, activity_id: Any, **fields: Any) -> Activity:
    activity = _activity_for(actor, activity_id, lock=True)
    unknown = set(fields) - set(FREE_FIELDS) - set(FIXED_AT_OPENING)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if activity.status != Activity.Status.OPEN:
        raise Conflict(_("活动已抽签或取消，不能再修改。"))
    before = {f: getattr(activity, f) for f in (*FREE_FIELDS, *FIXED_AT_OPENING)}
    changed = {k: v for k, v in fields.items() if before.get(k) != v}
    if any(k in FIXED_AT_OPENING for k in changed) and timeutil.now() >= activity.signup_opens_at:
        names = sorted(k for k in changed if k in FIXED_AT_OPENING)
        raise ValidationFailed(
            fields={k: _("报名开始后不能再修改名额、报名条件、时间和降权比例。") for k in names}
        )
    errors: dict[str, str] = {}
    if "title" in changed and not str(changed["title"] or "").strip():
        errors["title"] = _("请填写活动名称。")
    if "places" in changed and (
        not isinstance(changed["places"], int) or changed["places"] < max(1, activity.allocated)
    ):
        errors["places"] = _("名额须为正整数，且不少于已分配给下级的名额。")
    if "offer_hours" in changed and not (
        isinstance(changed["offer_hours"], int) and 1 <= changed["offer_hours"] <= 720
    ):
        errors["offer_hours"] = _("候补递补确认时限须在1到720小时之间。")
    opens = changed.get("signup_opens_at", activity.signup_opens_at)
    closes = changed.get("signup_closes_at", activity.signup_closes_at)
    if closes <= opens:
        errors["signup_closes_at"] = _("报名截止须晚于报名开始。")
    if "employment_forms" in changed and any(
        f not in EmploymentForm.values for f in changed["employment_forms"]
    ):
        errors["employment_forms"] = _("就业形态无效。")
    if "repeat_penalty_pct" in changed and not 0 <= int(changed["repeat_penalty_pct"]) <= 1000:
        errors["repeat_penalty_pct"] = _("降权比例须在0到1000之间。")
    if errors:
        raise ValidationFailed(fields=errors)
    for key, value in changed.items():
        setattr(activity, key, value.strip() if key == "title" else value)
    activity.save()
    audit_record(
        actor=actor,
        action="activity.update",
        obj=activity,
        union_id=activity.union_id,
        changes={k: [str(before[k]), str(v)] for k, v in changed.items()},
    )
    return activity


# --- places --------------------------------------------------------------------------------------


def _take_places(model: type[Activity] | type[Quota], pk: int, n: int) -> bool:
    """Reserve ``n`` of the parent's places for a child: one conditional UPDATE, so two officers
    handing out the last places at once can never push the children's sum past the parent."""
    if _UNGUARDED_QUOTA:  # the control: read, decide, write back (loses updates, oversubscribes)
        row = model.objects.get(pk=pk)
        if row.allocated + n > row.places:
            return False
        model.objects.filter(pk=pk).update(allocated=row.allocated + n)
        return True
    return bool(
        model.objects.filter(pk=pk, allocated__lte=F("places") - n).update(allocated=F("allocated") + n)
    )


def _deepest(quotas: list[Quota]) -> Quota | None:
    best: Quota | None = None
    for q in quotas:
        if best is None or len(q.union_path) > len(best.union_path):
            best = q
    return best


def _parent_quota(activity: Activity, union: Union) -> Quota | None:
    """The deepest existing quota strictly above ``union`` (None: the organiser's own places)."""
    candidates = [
        q
        for q in activity.quotas.select_related("union")
        if union.path.startswith(q.union_path) and q.union_id != union.pk
    ]
    return _deepest(candidates)


def quota_allocate(*, actor: User, activity_id: Any, union_id: Any, places: int) -> Quota:
    """Give ``union`` (strictly below the giver) ``places`` places, or change its quota to that.

    The giver is the organiser (out of the activity's places) or the union holding the nearest quota
    above ``union`` (out of that quota). Raises Conflict when the parent has too few places left."""
    if not isinstance(places, int) or places < 0:
        raise ValidationFailed(fields={"places": _("名额须为非负整数。")})
    # seen by the organiser's officers and by those of any union holding a quota
    activity = access.access_object(
        Activity.objects.select_related("union"),
        actor,
        activity_id,
        path_field=("union_path", "quotas__union_path"),
    )
    union = access.access_union(actor, union_id)
    if union.pk == activity.union_id or not union.path.startswith(activity.union_path):
        raise ValidationFailed(fields={"union_id": _("只能向主办工会的下级工会分配名额。")})
    if activity.status != Activity.Status.OPEN:
        raise Conflict(_("活动已抽签或取消，不能再分配名额。"))
    with transaction.atomic():
        parent = _parent_quota(activity, union)
        giver = parent.union if parent else activity.union
        access.require_role(actor, giver, ORGANISER_ROLES)
        quota = Quota.objects.select_for_update().filter(activity=activity, union=union).first()
        old = quota.places if quota else 0
        delta = places - old
        if quota is not None and places < quota.allocated:
            raise ValidationFailed(fields={"places": _("名额不能少于该工会已分给下级的名额。")})
        if delta > 0:
            ok = (
                _take_places(Quota, parent.pk, delta)
                if parent
                else _take_places(Activity, activity.pk, delta)
            )
            if not ok:
                raise Conflict(_("上级剩余名额不足。"), code="quota_exceeded")
        elif delta < 0:
            model: Any = Quota if parent else Activity
            model.objects.filter(pk=parent.pk if parent else activity.pk).update(
                allocated=F("allocated") + delta
            )
        if quota is None:
            quota = Quota.objects.create(
                activity=activity, union=union, union_path=union.path, parent=parent, places=places
            )
        elif delta:
            quota.places = places
            quota.save(update_fields=["places"])
        audit_record(
            actor=actor,
            action="activity.quota",
            obj=quota,
            union_id=giver.pk,
            changes={"places": [old, places]},
            extra={"activity": activity.pk, "union": union.pk},
        )
    return quota


# --- sign-up -------------------------------------------------------------------------------------


def _eligible(activity: Activity, membership: Membership | None) -> str | None:
    """Why ``membership`` may not sign up (None: it may)."""
    return signup_rules.membership_refusal(
        activity_path=activity.union_path,
        employment_forms=activity.employment_forms,
        status=membership.status if membership else None,
        union_path=membership.union_path if membership else "",
        employment_form=membership.employment_form if membership else "",
    )


def _pool_for(activity: Activity, union_path: str) -> Quota | None:
    quotas = [q for q in activity.quotas.all() if union_path.startswith(q.union_path)]
    return _deepest(quotas)


def _prior_wins(person_id: int) -> int:
    """Earlier wins, plus one more for each of them the member did not turn up to (a no-show weighs
    like a second win against repeat sign-ups). Frozen on the sign-up: the published list's figure."""
    rows = SignUp.objects.filter(person_id=person_id, status=SignUp.Status.WON).aggregate(
        wins=Count("pk"), no_shows=Count("pk", filter=Q(no_show=True))
    )
    return signup_rules.prior_wins(rows["wins"], rows["no_shows"])


def _enter(actor: User, activity: Activity, membership: Membership | None) -> SignUp:
    reason = _eligible(activity, membership)
    if reason or membership is None:
        reason = reason or _("仅限工会会员报名，请先入会。")
        raise ValidationFailed(reason, fields={"activity": reason})
    quota = _pool_for(activity, membership.union_path)
    try:
        with transaction.atomic():
            signup = SignUp.objects.create(
                activity=activity,
                person_id=membership.person_id,
                union_id=membership.union_id,
                quota=quota,
                prior_wins=_prior_wins(membership.person_id),
                signed_up_by=actor,
            )
    except IntegrityError:
        raise signup_rules.already_signed_up() from None
    audit_record(actor=actor, action="activity.signup", obj=signup, union_id=membership.union_id)
    # Every sign-up of a city-wide activity adds to the same few day cells (one per quota union):
    # the fact goes to the buffer (an INSERT that waits for nobody), drained by the cockpit's refresh.
    fact_record(
        metric="activities.signups",
        union_id=membership.union_id,
        dim=activity.kind,
        buffered=signup_rules.SIGNUP_FACT_BUFFERED,
    )
    return signup


def _check_window(activity: Activity) -> None:
    refusal = signup_rules.window_refusal(
        status=activity.status,
        opens=activity.signup_opens_at,
        closes=activity.signup_closes_at,
        at=timeutil.now(),
    )
    if refusal:
        raise refusal


def signup_create(*, actor: User, activity_id: Any) -> SignUp:
    """A member signs up (one sign-up per member per activity: a database constraint). On
    PostgreSQL outside a caller's transaction: one statement (``signup_sql``), same rules."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied()
    if signup_sql.fast_path_applies():
        return signup_sql.signup_one_statement(actor=actor, activity_id=activity_id)
    return _signup_create_orm(actor, activity_id)


@transaction.atomic
def _signup_create_orm(actor: User, activity_id: Any) -> SignUp:
    activity = Activity.objects.filter(pk=activity_id).first() if is_ascii_digits(str(activity_id)) else None
    if activity is None or activity.status == Activity.Status.DRAFT:
        raise NotFound()
    _check_window(activity)
    membership = (
        Membership.objects.filter(person__user_id=actor.pk, status__in=Membership.CURRENT)
        .order_by("-id")
        .first()
    )
    return _enter(actor, activity, membership)


@transaction.atomic
def signup_group(*, actor: User, activity_id: Any, union_id: Any, person_ids: Sequence[int]) -> list[SignUp]:
    """A union officer signs up members of their union's subtree; all or nothing."""
    union = access.access_union(actor, union_id)
    access.require_role(actor, union, ORGANISER_ROLES)
    activity = Activity.objects.filter(pk=activity_id).first() if is_ascii_digits(str(activity_id)) else None
    if activity is None or activity.status == Activity.Status.DRAFT:
        raise NotFound()
    _check_window(activity)
    ids = list(dict.fromkeys(int(p) for p in person_ids))
    if not ids:
        raise ValidationFailed(fields={"person_ids": _("请选择报名的会员。")})
    memberships = {
        m.person_id: m
        for m in access.subtree_filter(
            Membership.objects.filter(person_id__in=ids, status=Membership.Status.ACTIVE),
            union,
            path_field="union_path",
        )
    }
    missing = [p for p in ids if p not in memberships]
    if missing:
        raise ValidationFailed(fields={"person_ids": _("所选人员不是本工会的会员。")})
    return [_enter(actor, activity, memberships[p]) for p in ids]


@transaction.atomic
def signup_withdraw(*, actor: User, signup_id: Any) -> SignUp:
    """The member withdraws; a won place goes to the first on its pool's waiting list."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied()
    signup = (
        SignUp.objects.select_for_update().filter(pk=signup_id, person__user_id=actor.pk).first()
        if is_ascii_digits(str(signup_id))
        else None
    )
    if signup is None:
        raise NotFound()
    if signup.status == SignUp.Status.WITHDRAWN:
        return signup
    was_won = signup.status == SignUp.Status.WON
    was_offered = signup.status == SignUp.Status.OFFERED
    if signup.status == SignUp.Status.EXPIRED:
        return signup
    signup.status = SignUp.Status.WITHDRAWN
    signup.wait_rank = None
    signup.offer_expires_at = None
    signup.save(update_fields=["status", "wait_rank", "offer_expires_at"])
    audit_record(actor=actor, action="activity.withdraw", obj=signup, union_id=signup.union_id)
    if was_won or was_offered:
        _offer_next(actor, signup.activity_id, signup.quota_id)
    return signup


# --- the draw ------------------------------------------------------------------------------------


def pool_places(activity: Activity) -> dict[int, int]:
    """Places each pool draws: a quota's places not handed further down; 0 is the organiser's own."""
    return draw.places_of(activity, activity.quotas.all())


def published_list(activity: Activity) -> tuple[list[int], list[int], list[int]]:
    """The published list the draw ranked (withdrawals after the draw stay in it) as three columns
    in number order: sign-up numbers, pools (0: the organiser's own places), prior wins."""
    numbers: list[int] = []
    pools: list[int] = []
    wins: list[int] = []
    for number, pool, prior, _won in selectors.draw_list(activity):
        numbers.append(number)
        pools.append(pool or 0)
        wins.append(prior)
    return numbers, pools, wins


def entries_of(activity: Activity) -> list[lottery.Entry]:
    """The published list as ``lottery.Entry`` rows."""
    numbers, pools, wins = published_list(activity)
    return [
        lottery.Entry(number=n, pool=p, prior_wins=w) for n, p, w in zip(numbers, pools, wins, strict=True)
    ]


@transaction.atomic
def activity_draw(*, actor: User, activity_id: Any, seed: str) -> lottery.Result:
    """Reveal the seed (it must match the published commitment) and draw every pool."""
    activity = _activity_for(actor, activity_id, lock=True)
    if activity.status != Activity.Status.OPEN:
        raise Conflict(_("本活动已抽签。"), code="already_drawn")
    if timeutil.now() < activity.signup_closes_at:
        raise Conflict(_("报名尚未截止，不能抽签。"))
    if not activity.seed_hash:
        raise Conflict(_("报名截止前未公布种子承诺值，不能抽签。"))
    if lottery.commitment(seed or "") != activity.seed_hash:
        raise ValidationFailed(fields={"seed": _("种子与公布的承诺值不符。")})
    # Pools as the quotas stand now, the pure draw, and every entry's outcome written (one UPDATE
    # on PostgreSQL): ``draw``. Only rows still entered are written; a withdrawal that slipped in
    # between the read and the write makes the counts differ, and the whole draw is rolled back.
    out = draw.outcome(activity, seed)
    if draw.write(out) != len(out.numbers):
        raise Conflict(_("抽签期间报名名单有变化，请重新抽签。"), code="draw_list_changed")
    result = out.result
    activity.seed = seed
    activity.drawn_at = timeutil.now()
    activity.status = Activity.Status.DRAWN
    activity.save(update_fields=["seed", "drawn_at", "status"])
    audit_record(
        actor=actor,
        action="activity.draw",
        obj=activity,
        union_id=activity.union_id,
        extra={"entries": len(out.numbers), "winners": out.winners},
    )
    fact_record(metric="activities.winners", union_id=activity.union_id, value=out.winners, dim=activity.kind)
    return result
