"""Staff console: the policy library (查政策 for staff, and the editor for the city federation)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, NotFound, PermissionDenied
from yugong.orgs.decorators import console_required

from .. import services
from ..forms import FaqForm, PolicyForm
from ..models import (
    Category,
    Faq,
    Policy,
)
from ..search import faq_search, policy_search
from .common import _console


@console_required
def policies(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    ctx: dict[str, Any] = {
        "q": q,
        "hits": policy_search(q) if q else [],
        "faqs": faq_search(q) if q else [],
        "can_edit": services.can_edit_library(request_user(request)),
    }
    if not q:
        ctx["page"] = Paginator(
            Policy.objects.defer("search_text").order_by("-effective_on", "-id"), 30
        ).get_page(request.GET.get("page"))
    return _console(request, "rights/console_policies.html", ctx)


# --- Policy library editor (staff with a managing role at the city root) ---------------------

MAX_SECTIONS = 200


def _require_library_editor(request: HttpRequest) -> None:
    if not services.can_edit_library(request_user(request)):
        raise PermissionDenied(_("只有市总工会工作人员可以维护政策库。"))


def _error_map(exc: ApplicationError) -> dict[str, str]:
    return {k: "；".join(str(m) for m in v) for k, v in exc.fields.items()}


@console_required
def policy_edit(request: HttpRequest, policy_id: int | None = None) -> HttpResponse:
    """Create or edit a policy and its sections (every save re-indexes it and is audited by
    ``services.policy_save``). Sections are the paired ``section_heading`` / ``section_body``
    rows of the form, in order; blank bodies are dropped."""
    _require_library_editor(request)
    policy = None
    if policy_id is not None:
        policy = Policy.objects.filter(pk=policy_id).first()
        if policy is None:
            raise NotFound()
    errors: dict[str, str] = {}
    if request.method == "POST":
        posted = PolicyForm(request.POST)
        posted.is_valid()  # the sections are kept for the page even when a date is wrong
        d = posted.cleaned_data
        sections = list(zip(d.get("section_heading", []), d.get("section_body", []), strict=False))
        sections = sections[:MAX_SECTIONS]
        try:
            d = posted.valid_or_raise()
            saved = services.policy_save(
                actor=request_user(request),
                policy=policy,
                sections=sections,
                effective_on=d["effective_on"],
                expires_on=d["expires_on"],
                **{k: d[k] for k in ("title", "issuer", "doc_number", "topic", "summary", "published")},
            )
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            errors = _error_map(exc) or {"form": str(exc.message)}
            form = {**dict(posted.data.items()), "published": d.get("published", False)}
            rows = [{"heading": h, "body": b} for h, b in sections]
        else:
            return HttpResponseRedirect(reverse("rights:policy_edit", args=[saved.pk]) + "?saved=1")
    else:
        form = {
            "title": policy.title if policy else "",
            "issuer": policy.issuer if policy else "",
            "doc_number": policy.doc_number if policy else "",
            "topic": policy.topic if policy else Policy.Topic.RIGHTS,
            "effective_on": policy.effective_on.isoformat() if policy and policy.effective_on else "",
            "expires_on": policy.expires_on.isoformat() if policy and policy.expires_on else "",
            "summary": policy.summary if policy else "",
            "published": policy.published if policy else True,
        }
        rows = (
            [{"heading": s.heading, "body": s.body} for s in policy.sections.order_by("seq")]
            if policy
            else []
        )
    rows = rows + [{"heading": "", "body": ""} for _i in range(3)]
    return _console(
        request,
        "rights/console_policy_form.html",
        {
            "policy": policy,
            "form": form,
            "rows": rows,
            "errors": errors,
            "topics": Policy.Topic.choices,
            "saved": request.GET.get("saved") == "1",
        },
    )


@console_required
def faqs(request: HttpRequest) -> HttpResponse:
    page = Paginator(Faq.objects.defer("search_text").order_by("seq", "id"), 50).get_page(
        request.GET.get("page")
    )
    return _console(
        request,
        "rights/console_faqs.html",
        {"page": page, "can_edit": services.can_edit_library(request_user(request))},
    )


@console_required
def faq_edit(request: HttpRequest, faq_id: int | None = None) -> HttpResponse:
    _require_library_editor(request)
    faq = None
    if faq_id is not None:
        faq = Faq.objects.filter(pk=faq_id).first()
        if faq is None:
            raise NotFound()
    errors: dict[str, str] = {}
    if request.method == "POST":
        posted = FaqForm(request.POST)
        form = {**dict(posted.data.items()), "published": posted.data.get("published") == "on"}
        if not posted.is_valid():
            errors = {k: "；".join(str(m) for m in v) for k, v in posted.errors.items()}
        else:
            d = posted.cleaned_data
            try:
                services.faq_save(
                    actor=request_user(request),
                    faq=faq,
                    question=d["question"],
                    answer=d["answer"],
                    category=d["category"],
                    seq=d["seq"] or 0,
                    published=d["published"],
                )
            except ApplicationError as exc:
                if exc.status == 404:
                    raise
                errors = _error_map(exc) or {"form": str(exc.message)}
            else:
                return HttpResponseRedirect(reverse("rights:faqs") + "?saved=1")
    else:
        form = {
            "question": faq.question if faq else "",
            "answer": faq.answer if faq else "",
            "category": faq.category if faq else "",
            "seq": faq.seq if faq else 0,
            "published": faq.published if faq else True,
        }
    return _console(
        request,
        "rights/console_faq_form.html",
        {"faq": faq, "form": form, "errors": errors, "categories": Category.choices},
    )
