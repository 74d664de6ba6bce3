"""What jobs declares: the 就业服务 tile and the worker's entries, the console pages (一站享), the
``recruiter`` audience, the employer workbench pages and the recruiter's landing."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yugong.core import nav

from .access import REVIEW_ROLES, recruiter_employer_ids


def _recruiter(request: HttpRequest, args: tuple[str, ...]) -> bool:
    """A recruiter of some employer; with ``("here",)``, of the employer whose pages are viewed (the
    pages themselves let any recruiter in and answer 404 for another employer, like missing)."""
    ids = recruiter_employer_ids(getattr(request, "user", None))
    current = (getattr(getattr(request, "resolver_match", None), "kwargs", None) or {}).get("employer_id")
    if "here" in args and current is not None:
        return current in ids
    return bool(ids)


nav.register_audience("recruiter", _recruiter)

RECRUITER = (nav.Audience("recruiter"),)
HERE = (nav.Audience("recruiter", ("here",)),)
REVIEWERS = (nav.staff(*REVIEW_ROLES),)
IN_EMPLOYER = ("employer_id",)

nav.register(
    nav.HomeTile(
        label=_("就业服务"),
        url_name="jobs:h5_list",
        icon="jobs",
        order=65,
        description=_("岗位、招聘会与直播带岗"),
    ),
    nav.TabEntry(tab="services", label=_("找工作"), url_name="jobs:h5_list", icon="jobs", order=60),
    nav.TabEntry(tab="services", label=_("招聘会"), url_name="jobs:h5_fairs", icon="jobs", order=61),
    nav.TabEntry(tab="me", label=_("我的求职"), url_name="jobs:h5_mine", order=65, login_required=True),
    nav.TabEntry(tab="me", label=_("我的简历"), url_name="jobs:h5_resumes", order=66, login_required=True),
    nav.ConsolePage(
        section="services", label=_("招聘岗位审核"), url_name="jobs:c_posts", order=80, audience=REVIEWERS
    ),
    nav.ConsolePage(
        section="services", label=_("招聘会"), url_name="jobs:c_fairs", order=81, audience=REVIEWERS
    ),
    nav.ConsolePage(
        section="services", label=_("招聘单位账号"), url_name="jobs:c_employers", order=82, audience=REVIEWERS
    ),
    nav.MerchantPage(label=_("招聘工作台"), url_name="jobs:e_home", order=110, audience=RECRUITER),
    nav.MerchantPage(
        label=_("招聘岗位"),
        url_name="jobs:e_posts",
        url_kwargs_from=IN_EMPLOYER,
        order=120,
        audience=HERE,
    ),
    nav.MerchantPage(
        label=_("收到的求职意向"),
        url_name="jobs:e_intents",
        url_kwargs_from=IN_EMPLOYER,
        order=130,
        audience=HERE,
    ),
    nav.Landing(audience=RECRUITER, url_name="jobs:e_home", order=60),
)
