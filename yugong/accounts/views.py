"""Sign-in pages (worker SMS code, staff password + TOTP), TOTP setup and the API token page.

Thin: parse the form, call the service, render. Every page works without JavaScript; app.js only
adds the countdown on the "resend" button."""

from __future__ import annotations

import time
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from yugong.core import nav
from yugong.core.context import client_ip
from yugong.core.errors import ApplicationError
from yugong.core.forms import NextForm
from yugong.core.middleware import with_retry_after
from yugong.core.validators import normalize_phone

from . import selectors, services
from .forms import TOTP_FORMS, CodeForm, EmptyForm, StaffLoginForm, TokenForm, WorkerLoginForm
from .models import TotpDevice, User, request_user

TOTP_PENDING_KEY = "accounts_totp_pending"
TOTP_PENDING_SECONDS = 300


def _safe_next(request: HttpRequest) -> str:
    """The ``next`` target if it points back into this site, else ""."""
    target = NextForm(request.POST).target() or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _with_retry_after(response: HttpResponse, error: ApplicationError | None) -> HttpResponse:
    """A sign-in page refused for a while (429: locked, slowed, quota) says when to come back."""
    return with_retry_after(response, error) if error is not None else response


def _shell(request: HttpRequest) -> dict[str, Any]:
    """Which face a signed-in page wears: the staff console or the worker H5. The shell's context
    processor fills in the navigation the user may see; accounts names only the face and where in
    it the page sits."""
    if nav.allowed(request, [nav.console()]):
        return {"base_template": "console/base.html", "section": "system"}
    return {"base_template": "h5/base.html", "tab": "me"}


def _landing(request: HttpRequest) -> str:
    """Where a signed-in staff user starts: their own work queue, as the apps declare it
    (``nav.Landing``: the hotline operator on the appeal queue, a merchant on the workbench, …)."""
    return nav.landing_url(request) or reverse("web:console")


# --- Worker sign-in (SMS code) ----------------------------------------------------------------


@never_cache
@sensitive_post_parameters("code")
def worker_login(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.method == "GET" and request.user.is_authenticated:
        return HttpResponseRedirect(next_url or reverse("web:home"))
    ctx: dict[str, Any] = {
        "step": "phone",
        "phone": "",
        "next": next_url,
        "error": None,
        "resend_after": 0,
        "sent_to": "",
        "demo_hint": settings.DEBUG and settings.SMS_BACKEND == "outbox",
    }
    status = 200
    if request.method == "POST":
        d = WorkerLoginForm(request.POST).valid_or_raise()  # every field optional: never refuses
        action, step, phone = d["action"], d["step"], d["phone"]
        ctx.update(step=step, phone=phone)
        ip = client_ip(request.META)
        try:
            if action == "login":
                ctx["step"] = "code"
                user = services.sms_code_verify_and_login(phone=phone, code=d["code"], ip=ip)
                login(request, user)
                return HttpResponseRedirect(next_url or reverse("web:home"))
            sent = services.sms_code_request(phone=phone, ip=ip)
            ctx.update(
                step="code",
                phone=normalize_phone(phone),
                sent_to=sent.phone_masked,
                resend_after=sent.resend_after,
            )
        except services.RateLimitedFor as exc:
            ctx["error"] = exc
            status = exc.status
            if action == "send":
                # A code was sent a moment ago (or the quota is used up): offer the code field
                # anyway, with the countdown, rather than trapping the user on the phone step.
                ctx.update(step="code", phone=normalize_phone(phone), resend_after=exc.retry_after)
        except ApplicationError as exc:
            ctx["error"] = exc
            status = exc.status
            if "phone" in exc.fields and action == "login":
                ctx["step"] = "phone"
    return _with_retry_after(render(request, "accounts/worker_login.html", ctx, status=status), ctx["error"])


# --- Staff sign-in (password, then TOTP when active) ------------------------------------------


@never_cache
@sensitive_post_parameters("password")
def staff_login(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    ctx: dict[str, Any] = {"next": next_url, "username": "", "error": None}
    status = 200
    if request.method == "POST":
        d = StaffLoginForm(request.POST).valid_or_raise()  # every field optional: never refuses
        username = d["username"]
        ctx["username"] = username
        try:
            user, needs_totp = services.staff_login_password(
                username=username, password=d["password"], ip=client_ip(request.META)
            )
        except ApplicationError as exc:
            ctx["error"] = exc
            status = exc.status
        else:
            if needs_totp:
                # Half signed in: only the user id waits in the session; no login until the code.
                request.session[TOTP_PENDING_KEY] = {"uid": user.pk, "at": int(time.time()), "next": next_url}
                return HttpResponseRedirect(reverse("accounts:staff_login_totp"))
            login(request, user)
            return HttpResponseRedirect(next_url or _landing(request))
    return _with_retry_after(render(request, "accounts/staff_login.html", ctx, status=status), ctx["error"])


def _pending_user(request: HttpRequest) -> tuple[User | None, str]:
    pending = request.session.get(TOTP_PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > TOTP_PENDING_SECONDS:
        request.session.pop(TOTP_PENDING_KEY, None)
        return None, ""
    uid = pending.get("uid")
    if not isinstance(uid, int):
        return None, ""
    user = User.objects.filter(pk=uid, is_active=True).first()
    return user, str(pending.get("next") or "")


@never_cache
@sensitive_post_parameters("code")
def staff_login_totp(request: HttpRequest) -> HttpResponse:
    user, next_url = _pending_user(request)
    if user is None:
        messages.warning(request, _("登录已超时，请重新输入用户名和密码。"))
        return HttpResponseRedirect(reverse("accounts:staff_login"))
    ctx: dict[str, Any] = {"error": None}
    status = 200
    if request.method == "POST":
        try:
            code = CodeForm(request.POST).valid_or_raise()["code"]
            services.staff_login_totp(user=user, code=code, ip=client_ip(request.META))
        except ApplicationError as exc:
            ctx["error"] = exc
            status = exc.status
        else:
            request.session.pop(TOTP_PENDING_KEY, None)
            login(request, user)
            return HttpResponseRedirect(next_url or _landing(request))
    return _with_retry_after(
        render(request, "accounts/staff_login_totp.html", ctx, status=status), ctx["error"]
    )


# --- TOTP setup -------------------------------------------------------------------------------


def _qr_data_uri(text: str) -> str:
    # Drawn here (segno, SVG data URI): no outside QR service sees the secret.
    return str(segno.make(text, error="m").svg_data_uri(scale=5, border=2))


@never_cache
@sensitive_post_parameters("password", "code")
@login_required(login_url="accounts:staff_login")
def totp_setup(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    error: ApplicationError | None = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            d = TOTP_FORMS.get(action, EmptyForm)(request.POST).valid_or_raise()
            if action == "begin":
                services.totp_setup_begin(user=user)
            elif action == "confirm":
                services.totp_confirm(user=user, code=d["code"])
                messages.success(request, _("动态口令已启用，下次登录时需要输入。"))
                return HttpResponseRedirect(reverse("accounts:totp"))
            elif action == "disable":
                services.totp_disable(user=user, password=d["password"])
                messages.success(request, _("动态口令已停用。"))
                return HttpResponseRedirect(reverse("accounts:totp"))
        except ApplicationError as exc:
            error = exc
            status = exc.status
    device = TotpDevice.objects.filter(user=user).first()
    ctx: dict[str, Any] = {**_shell(request), "device": device, "error": error}
    if device is not None and not device.is_active:
        uri = services.totp_provisioning_uri(device)
        ctx.update(qr=_qr_data_uri(uri), secret=device.secret)
    return render(request, "accounts/totp.html", ctx, status=status)


# --- API tokens -------------------------------------------------------------------------------


@never_cache
@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    ctx: dict[str, Any] = {**_shell(request), "error": None, "created": None, "plaintext": ""}
    status = 200
    if request.method == "POST":
        try:
            name = TokenForm(request.POST).valid_or_raise()["name"]
            token, plaintext = services.api_token_create(actor=user, user=user, name=name)
        except ApplicationError as exc:
            ctx["error"] = exc
            status = exc.status
        else:
            # Shown in this response only (no redirect, never cached): the token is not stored.
            ctx.update(created=token, plaintext=plaintext)
    ctx["tokens"] = list(selectors.api_tokens_of(user))
    return render(request, "accounts/tokens.html", ctx, status=status)


@require_POST
@login_required
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = request_user(request)
    token = selectors.api_token_of(user=user, token_id=token_id)
    services.api_token_revoke(actor=user, token=token)
    messages.success(request, _("令牌“%(name)s”已吊销，使用它的程序将无法再访问。") % {"name": token.name})
    return HttpResponseRedirect(reverse("accounts:tokens"))
