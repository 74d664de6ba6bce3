"""Where a new appeal goes first (分级主办: handled level by level).

In order, the first that gives an active union wins:

1. active :class:`~yugong.rights.models.RoutingRule` rows with ``overrides_employer`` whose criteria
   (category, district, industry; blank = any) all match — by ``priority``, then id;
2. the employer's covering grassroots (or joint) union (``Employer.union``);
3. the other active rules, the same way (typically "industry C → 机械冶金工会");
4. the district federation (``Union.kind = district``) of the district where the employer sits (or
   the district the caller named);
5. the root of the tree (the city federation's own 12351 centre handles it).

The district and industry come from the registered employer when there is one, else from the
intake form. Routing reads only; the caller (appeal_create) records the decision and its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from yugong.orgs.models import Employer, Union

from .models import RoutingRule


@dataclass(frozen=True)
class Route:
    union: Union
    reason: str


def _rule_target(
    rules: list[RoutingRule], *, category: str, district: str, industry: str
) -> RoutingRule | None:
    for rule in rules:
        if (
            rule.matches(category=category, district=district, industry=industry)
            and rule.target.status == Union.Status.ACTIVE
        ):
            return rule
    return None


def route_appeal(*, category: str, district: str, industry: str, employer: Employer | None) -> Route:
    rules = list(RoutingRule.objects.filter(active=True).select_related("target").order_by("priority", "id"))
    first = [r for r in rules if r.overrides_employer]
    rest = [r for r in rules if not r.overrides_employer]
    rule = _rule_target(first, category=category, district=district, industry=industry)
    if rule:
        return Route(rule.target, _("按分派规则“%(name)s”") % {"name": rule.name})
    if employer is not None and employer.union_id:
        union = Union.objects.filter(pk=employer.union_id, status=Union.Status.ACTIVE).first()
        if union is not None:
            return Route(union, _("用人单位所属基层工会"))
    rule = _rule_target(rest, category=category, district=district, industry=industry)
    if rule:
        return Route(rule.target, _("按分派规则“%(name)s”") % {"name": rule.name})
    if district:
        union = (
            Union.objects.filter(kind=Union.Kind.DISTRICT, district=district, status=Union.Status.ACTIVE)
            .order_by("depth", "id")
            .first()
        )
        if union is not None:
            return Route(union, _("用人单位所在区县总工会"))
    root = Union.objects.filter(parent__isnull=True, status=Union.Status.ACTIVE).order_by("id").first()
    if root is None:
        raise RuntimeError("no active root union to route appeals to")
    return Route(root, _("无匹配的基层、区县或产业工会，由市总工会12351中心承办"))
