"""Console: the certificates issued by the subtree's courses, and revocation with a reason."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, reraise_refusal
from yugong.orgs.access import scope_filter
from yugong.orgs.decorators import console_required

from .certificates import certificate_revoke
from .console import _console
from .forms import RevokeForm
from .models import Certificate


@console_required
def certificates(request: HttpRequest) -> HttpResponse:
    qs = scope_filter(Certificate.objects.select_related("person", "union", "revoked_by"), request.user)
    query = (request.GET.get("q") or "").strip().upper()[:24]
    if query:
        qs = qs.filter(code=query)
    page = Paginator(qs.order_by("-issued_at", "-pk"), 30).get_page(request.GET.get("page"))
    return _console(
        request, "learning/console_certificates.html", {"page": page, "q": query, "form": RevokeForm()}
    )


@console_required
@require_POST
def certificate_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    form = RevokeForm(request.POST)
    try:
        if not form.is_valid():
            messages.error(request, "；".join(str(m) for msgs in form.errors.values() for m in msgs))
        else:
            certificate_revoke(
                actor=request_user(request), certificate_id=pk, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("证书已撤销，验证页将显示撤销原因。"))
    except ApplicationError as exc:
        reraise_refusal(exc)
        details = "；".join(str(m) for msgs in exc.fields.values() for m in msgs)
        messages.error(request, details or str(exc.message))
    return HttpResponseRedirect(reverse("learning:console_certificates"))
