"""What funds declares: its console pages (budgets, spending requests, reports, bank batches,
reconciliation runs) for the roles
that hold the union's money — and the 经审 auditor, who reads them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yugong.core import nav

from .services.common import READ_ROLES

nav.register(
    nav.ConsolePage(
        section="orgs",
        label=_("经费预算"),
        url_name="funds:budgets",
        order=70,
        audience=(nav.staff(*READ_ROLES),),
    ),
    nav.ConsolePage(
        section="orgs",
        label=_("支出申请"),
        url_name="funds:commitments",
        order=71,
        audience=(nav.staff(*READ_ROLES),),
    ),
    nav.ConsolePage(
        section="orgs",
        label=_("经费报表"),
        url_name="funds:report",
        order=72,
        audience=(nav.staff(*READ_ROLES),),
    ),
    nav.ConsolePage(
        section="orgs",
        label=_("代发批次"),
        url_name="funds:batches",
        order=73,
        audience=(nav.staff(*READ_ROLES),),
    ),
    nav.ConsolePage(
        section="orgs",
        label=_("对账"),
        url_name="funds:runs",
        order=74,
        audience=(nav.staff(*READ_ROLES),),
    ),
)
