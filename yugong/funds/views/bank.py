"""Console pages of bank batches (代发): the list and a new batch, a batch's lines and the payable
requests a draft can pay, export, the bank file (audited: it shows account numbers in clear), the
bank's result file (row-numbered errors), and the follow-up of failed lines — paid again in a new
batch or cancelled with a reason. Thin: forms parse, ``services.bank`` decides, audits and posts to
the ledger; everything is scoped through ``orgs.access`` (the 经审 auditor sees, never writes)."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.audit import audit_pii_view
from yugong.core.errors import ApplicationError, Conflict, NotFound
from yugong.core.pii import mask_account
from yugong.orgs.access import access_union, can_act, require_role
from yugong.orgs.decorators import console_required

from .. import bankfiles, selectors, services
from ..forms import AccountForm, BatchForm, FollowUpForm, PayoutLineForm, ReasonForm, ResultsForm, fen
from ..models import Commitment, PayoutBatch, PayoutLine
from ..services.common import FINANCE_ROLES
from .common import SECTION, flash_error, unions_of

LINE_FILTERS = ("pending", "sent", "paid", "failed", "cancelled")


@console_required
def batch_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.batches_visible(request_user(request))
    status = request.GET.get("status", "")
    if status in PayoutBatch.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    unions = unions_of(request, FINANCE_ROLES)
    form = BatchForm(request.POST or None, unions=unions, initial={"bank_format": "xlsx"})
    if request.method == "POST":
        try:
            data = form.valid_or_raise()
            union = access_union(request.user, data["union"], roles=FINANCE_ROLES)
            batch = services.batch_create(
                actor=request_user(request),
                union=union,
                kind=data["kind"],
                title=data["title"],
                bank_format=data["bank_format"],
            )
        except ApplicationError as exc:
            form.take_errors(exc)
        else:
            messages.success(request, _("已新建代发批次。"))
            return HttpResponseRedirect(reverse("funds:batch", args=[batch.pk]))
    return render(
        request,
        "funds/batch_list.html",
        {
            "section": SECTION,
            "page": page,
            "status": status,
            "statuses": PayoutBatch.Status.choices,
            "form": form if unions else None,
        },
    )


@console_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch; a POST here is the bank's result file (errors shown on this page, by row)."""
    batch = selectors.batch_get(request_user(request), pk)
    may_write = can_act(request.user, batch.union, FINANCE_ROLES)
    results_form = ResultsForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        try:
            data = results_form.valid_or_raise()
            run = services.batch_results_import(actor=request_user(request), batch=batch, data=data["file"])
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            results_form.take_errors(exc)
        else:
            messages.success(
                request,
                _("回执已导入：%(n)s 笔，差异 %(d)s 笔。") % {"n": run.statement_lines, "d": run.differences},
            )
            return HttpResponseRedirect(reverse("funds:batch", args=[batch.pk]))
    lines = selectors.batch_lines(batch)
    shown = request.GET.get("status", "")
    if shown in LINE_FILTERS:
        lines = lines.filter(status=shown)
    page = Paginator(lines, 50).get_page(request.GET.get("page"))
    for line in page.object_list:
        line.account_masked = mask_account(line.account_no)
    draft = batch.status == PayoutBatch.Status.DRAFT
    payable = list(selectors.payable_commitments(batch)[:50]) if draft and may_write else []
    for c in payable:
        c.left_fen = c.reserved_fen - (c.queued or 0)  # type: ignore[attr-defined]
    failed_open = (
        PayoutLine.objects.filter(
            batch=batch, status=PayoutLine.Status.FAILED, retried_by__isnull=True
        ).count()
        if not draft
        else 0
    )
    return render(
        request,
        "funds/batch_detail.html",
        {
            "section": SECTION,
            "batch": batch,
            "page": page,
            "shown": shown,
            "line_filters": [(s, PayoutLine.Status(s).label) for s in LINE_FILTERS],
            "draft": draft,
            "may_write": may_write,
            "payable": [c for c in payable if c.left_fen > 0],  # type: ignore[attr-defined]
            "line_form": PayoutLineForm(),
            "results_form": results_form,
            "follow_up_form": FollowUpForm(),
            "failed_open": failed_open,
            "runs": batch.runs.order_by("-pk")[:20],
            "follow_ups": batch.follow_ups.order_by("pk")[:20],
            "format": bankfiles.formats().get(batch.bank_format),
        },
    )


@console_required
@require_POST
def batch_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    batch = selectors.batch_get(request_user(request), pk)
    actor = request_user(request)
    target = reverse("funds:batch", args=[batch.pk])
    try:
        if action == "line":
            data = PayoutLineForm(request.POST).valid_or_raise()
            commitment = Commitment.objects.filter(pk=data["commitment"], union_id=batch.union_id).first()
            if commitment is None:
                raise NotFound()
            services.batch_line_add(
                actor=actor,
                batch=batch,
                payee_name=data["payee_name"],
                account_no=data["account_no"],
                bank_name=data["bank_name"],
                amount_fen=fen(data["amount_yuan"]),
                purpose=data["purpose"] or commitment.purpose[:100],
                commitment=commitment,
            )
            messages.success(request, _("已加入批次。"))
        elif action == "export":
            services.batch_export(actor=actor, batch=batch)
            messages.success(request, _("批次已发送银行，请下载银行文件。"))
        elif action == "follow-up":
            data = FollowUpForm(request.POST).valid_or_raise()
            follow = services.batch_follow_up(actor=actor, batch=batch, title=data["title"])
            messages.success(request, _("已生成补发批次，请核对收款账号后发送银行。"))
            target = reverse("funds:batch", args=[follow.pk])
        else:
            raise NotFound()
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        flash_error(request, exc)
    return HttpResponseRedirect(target)


@console_required
def batch_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The bank's file of an exported batch, in its format; the same file every time. It carries
    the payees' account numbers in clear: finance only, and each download is an audited view."""
    batch = selectors.batch_get(request_user(request), pk)
    require_role(request.user, batch.union, FINANCE_ROLES)
    if batch.status == PayoutBatch.Status.DRAFT:
        raise Conflict(_("批次尚未发送银行。"), code="not_exported")
    fmt = bankfiles.get_format(batch.bank_format)
    audit_pii_view(
        actor=request_user(request), obj=batch, fields=["account_no", "payee_name"], union_id=batch.union_id
    )
    name = f"payout-{batch.pk}.{fmt.file}"
    response: HttpResponse | StreamingHttpResponse
    if fmt.file == "xlsx":
        out = io.BytesIO()
        bankfiles.write_xlsx(fmt, services.batch_lines_for_file(batch), out)
        response = HttpResponse(out.getvalue(), content_type=fmt.content_type)
    else:
        response = StreamingHttpResponse(
            bankfiles.csv_chunks(fmt, services.batch_lines_for_file(batch)), content_type=fmt.content_type
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response  # type: ignore[return-value]


@console_required
@require_POST
def payout_line_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    line = selectors.payout_line_get(request_user(request), pk)
    actor = request_user(request)
    try:
        if action == "cancel":
            data = ReasonForm(request.POST).valid_or_raise()
            services.payout_line_cancel(actor=actor, line=line, reason=data["reason"])
            messages.success(request, _("已取消该明细，款项已退回。"))
        elif action == "correct":
            data = AccountForm(request.POST).valid_or_raise()
            services.payout_line_correct(
                actor=actor, line=line, account_no=data["account_no"], bank_name=data["bank_name"]
            )
            messages.success(request, _("已更正收款账号。"))
        else:
            raise NotFound()
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        flash_error(request, exc)
    back = request.GET.get("status", "")
    query = f"?status={back}" if back in LINE_FILTERS else ""
    return HttpResponseRedirect(reverse("funds:batch", args=[line.batch_id]) + query)
