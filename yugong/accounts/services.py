"""Writes for accounts: SMS sign-in for workers, password (+ TOTP) sign-in for staff, API tokens.

Sign-in attempts are the one place where a *refused* request must still leave a trace: a wrong SMS
code counts toward burning the code, a wrong password toward the lockout and into the audit log.
So the sign-in functions commit their bookkeeping in a durable ``transaction.atomic`` block and
raise only after it: a raise inside the block would roll the count back. ``durable=True`` makes a
caller that wraps them in its own transaction fail loudly instead of silently losing the count.
Every other function here is one ordinary ``@transaction.atomic`` unit.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from yugong.core.audit import audit_record
from yugong.core.errors import (
    ApplicationError,
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from yugong.core.pii import blind_index, mask_phone
from yugong.core.sms import sms_send
from yugong.core.validators import clean_text, is_ascii_digits, normalize_phone, to_halfwidth

from . import ratelimit
from .auth import TOKEN_PREFIX, forget_token, hash_token
from .models import ApiToken, SmsCode, TotpDevice, User
from .system import is_system_actor, system_actor

SMS_PURPOSE_LOGIN = "login"


class RateLimitedFor(RateLimited):
    """A refusal that knows when to try again (pages show a countdown; API clients may wait)."""

    def __init__(self, message: Any = None, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


TOTP_STEP_SECONDS = 30
TOTP_ISSUER = "渝工"
MAX_ACTIVE_TOKENS = 20
MAX_TOKEN_DAYS = 3650


# --- SMS codes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmsCodeSent:
    phone_masked: str
    expires_in: int
    resend_after: int


def sms_code_hash(*, phone_index: str, code: str) -> str:
    """Keyed hash (HMAC-SHA256 under SECRET_KEY) of a code, bound to the phone it was sent to: a
    leaked table of hashes can neither be reversed by trying all 10^6 codes nor reused elsewhere."""
    return salted_hmac("yugong.accounts.sms_code", f"{phone_index}:{code}", algorithm="sha256").hexdigest()


def _new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def _local_day_left() -> tuple[str, int]:
    """Today's date in Asia/Shanghai and the seconds until local midnight (the daily quota)."""
    local = timezone.localtime()
    midnight = (local + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return local.date().isoformat(), max(1, int((midnight - local).total_seconds()))


@transaction.atomic
def sms_code_request(*, phone: str, ip: str | None) -> SmsCodeSent:
    """Send a 6-digit login code to ``phone``, within the resend gap and the per-phone (day) and
    per-IP (hour) quotas. Only a keyed hash of the code is stored; the SMS leaves on commit."""
    phone = normalize_phone(phone, field="phone")
    phone_index = blind_index("phone", phone)

    gap_key = ratelimit.key("sms-gap", phone_index)
    wait = ratelimit.gap_take(gap_key, seconds=settings.SMS_CODE_RESEND_SECONDS)
    if wait:
        raise RateLimitedFor(
            _("验证码已发送，请在 %(wait)s后再重新获取。") % {"wait": ratelimit.wait_text(wait)},
            fields={"phone": _("请求过于频繁。")},
            retry_after=wait,
        )
    try:
        if ip:
            hour = int(ratelimit.now() // 3600)
            count = ratelimit.hit(ratelimit.key("sms-ip", ip, hour), window=3600)
            if count > settings.SMS_CODE_PER_IP_PER_HOUR:
                left = 3600 - int(ratelimit.now() % 3600)
                raise RateLimitedFor(
                    _("当前网络获取验证码过于频繁，请在 %(wait)s后再试。")
                    % {"wait": ratelimit.wait_text(left)},
                    retry_after=left,
                )
        day, day_left = _local_day_left()
        count = ratelimit.hit(ratelimit.key("sms-day", phone_index, day), window=day_left)
        if count > settings.SMS_CODE_PER_PHONE_PER_DAY:
            raise RateLimitedFor(
                _("该手机号今日获取验证码次数已达上限，请在 %(wait)s后再试。")
                % {"wait": ratelimit.wait_text(day_left)},
                fields={"phone": _("今日获取次数已达上限。")},
                retry_after=day_left,
            )
    except RateLimited:
        # A refusal by the quotas must not also start a resend gap.
        ratelimit.forget(gap_key)
        raise

    now = timezone.now()
    # One live code per phone: a new code retires the earlier ones.
    SmsCode.objects.filter(
        phone_index=phone_index, purpose=SMS_PURPOSE_LOGIN, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    code = _new_code()
    sent = SmsCode.objects.create(
        phone_index=phone_index,
        code_hash=sms_code_hash(phone_index=phone_index, code=code),
        purpose=SMS_PURPOSE_LOGIN,
        expires_at=now + dt.timedelta(seconds=settings.SMS_CODE_TTL_SECONDS),
        ip=ip or None,
    )
    # Anonymous (nobody is signed in yet): the row keeps the code row's id and the request's IP.
    audit_record(actor=None, action="accounts.sms_code_request", extra={"sms_code": sent.pk})
    minutes = max(1, settings.SMS_CODE_TTL_SECONDS // 60)
    sms_send(
        phone=phone,
        text=_("【渝工】您的登录验证码为%(code)s，%(minutes)s分钟内有效。如非本人操作请忽略。")
        % {"code": code, "minutes": minutes},
    )
    return SmsCodeSent(
        phone_masked=mask_phone(phone),
        expires_in=settings.SMS_CODE_TTL_SECONDS,
        resend_after=settings.SMS_CODE_RESEND_SECONDS,
    )


def sms_codes_purge(*, now: dt.datetime | None = None) -> int:
    """Delete login codes that expired more than ``SMS_CODE_RETENTION_HOURS`` ago (used or not).

    A code is worthless once expired; the short retention keeps recent rows for looking into a
    complaint ("I never got a code"). The quotas live in the cache, not in these rows, so purging
    changes no limit. Deletes in bounded batches so a long backlog never holds one huge lock."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.SMS_CODE_RETENTION_HOURS)
    deleted = 0
    while True:
        ids = list(
            SmsCode.objects.filter(expires_at__lt=cutoff).order_by("id").values_list("id", flat=True)[:5000]
        )
        if not ids:
            return deleted
        with transaction.atomic():
            batch = SmsCode.objects.filter(id__in=ids).delete()[0]
            deleted += batch
            audit_record(actor=system_actor(), action="accounts.sms_codes_purge", extra={"deleted": batch})


def _clean_code(code: object, *, field: str = "code") -> str:
    value = to_halfwidth(str(code or "")).strip().replace(" ", "")
    if len(value) != 6 or not is_ascii_digits(value):
        raise ValidationFailed(fields={field: _("请输入6位数字验证码。")})
    return value


def _worker_for_phone(phone: str, phone_index: str) -> tuple[User, bool]:
    user = User.objects.filter(phone_index=phone_index).first()
    if user is not None:
        return user, False
    try:
        # A savepoint: a concurrent first sign-in for the same phone loses on the unique
        # constraint and then simply finds the user the other one made.
        with transaction.atomic():
            user = User(username=f"w_{secrets.token_hex(6)}", phone=phone)
            user.set_unusable_password()
            user.save()
            return user, True
    except IntegrityError:
        return User.objects.get(phone_index=phone_index), False


def sms_code_verify_and_login(*, phone: str, code: str, ip: str | None) -> User:
    """Check the code sent to ``phone`` and return its worker (made on first sign-in). The caller
    logs the user into its session. Wrong codes count (SMS_CODE_MAX_ATTEMPTS, then the code is
    burnt) even though the call raises; see the module docstring."""
    phone = normalize_phone(phone, field="phone")
    code = _clean_code(code)
    phone_index = blind_index("phone", phone)
    # Wrong codes are bounded per code (SMS_CODE_MAX_ATTEMPTS) and, across phones, per IP: six
    # phones × five guesses from one address would otherwise meet no limit at all.
    guesses = ratelimit.key("sms-guess-ip", ip or "", int(ratelimit.now() // 3600))
    if ip and ratelimit.count(guesses) >= settings.SMS_CODE_GUESSES_PER_IP_PER_HOUR:
        left = 3600 - int(ratelimit.now() % 3600)
        raise RateLimitedFor(
            _("当前网络输错验证码次数过多，请在 %(wait)s后再试。") % {"wait": ratelimit.wait_text(left)},
            retry_after=left,
        )
    error: ApplicationError | None = None
    user: User | None = None
    with transaction.atomic(durable=True):
        now = timezone.now()
        # The row lock makes "check attempts, then count one more / use it" one step.
        row = (
            SmsCode.objects.select_for_update()
            .filter(phone_index=phone_index, purpose=SMS_PURPOSE_LOGIN, used_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None or row.expires_at <= now:
            error = ValidationFailed(fields={"code": _("验证码已失效，请重新获取。")})
        elif row.attempts >= settings.SMS_CODE_MAX_ATTEMPTS:
            error = ValidationFailed(fields={"code": _("验证码错误次数过多，已失效，请重新获取。")})
        elif not constant_time_compare(row.code_hash, sms_code_hash(phone_index=phone_index, code=code)):
            if ip:
                ratelimit.hit(guesses, window=3600)
            row.attempts += 1
            left = settings.SMS_CODE_MAX_ATTEMPTS - row.attempts
            if left <= 0:
                row.used_at = now  # burnt
                error = ValidationFailed(fields={"code": _("验证码错误次数过多，已失效，请重新获取。")})
            else:
                error = ValidationFailed(
                    fields={"code": _("验证码不正确，还可尝试 %(n)s 次。") % {"n": left}}
                )
            row.save(update_fields=["attempts", "used_at"])
        else:
            row.used_at = now
            row.save(update_fields=["used_at"])
            user, created = _worker_for_phone(phone, phone_index)
            if not user.is_active:
                error = PermissionDenied(_("该账号已停用，请联系所在工会。"))
            else:
                audit_record(
                    actor=user, action="auth.sms_login", obj=user, extra={"created": created, "ip": ip}
                )
    if error is not None:
        raise error
    assert user is not None
    return user


# --- Staff password sign-in with lockout ------------------------------------------------------
#
# The account is locked, never the address: one office (or everyone behind a proxy whose
# TRUSTED_PROXY_COUNT is wrong) shares an IP, and five wrong passwords typed by one person there
# must not lock out the others. A username that belongs to nobody counts and "locks" like any other
# (the answers do not tell which usernames exist) — which locks nobody. Per IP, failures are only
# counted: past LOGIN_IP_FREE_FAILURES in the window, the address may try once every
# LOGIN_IP_SLOW_SECONDS (a 429 with Retry-After) — a password sprayer is slowed to a crawl, a
# colleague at the next desk waits a few seconds.


def _account(username: str) -> str:
    return username.strip().lower()


def _lockout_left(username: str) -> int:
    return ratelimit.lock_left(ratelimit.key("login-lock", "user", _account(username)))


def _locked_error(seconds: int) -> RateLimited:
    return RateLimitedFor(
        _("登录失败次数过多，该账号已临时锁定，请在 %(wait)s后再试。")
        % {"wait": ratelimit.wait_text(seconds)},
        retry_after=seconds,
    )


def _ip_slowdown(ip: str | None) -> int:
    """Seconds this address must wait before its next password attempt (0: go ahead)."""
    if not ip:
        return 0
    if ratelimit.count(ratelimit.key("login-fail", "ip", ip)) < settings.LOGIN_IP_FREE_FAILURES:
        return 0
    return ratelimit.gap_take(ratelimit.key("login-ip-gap", ip), seconds=settings.LOGIN_IP_SLOW_SECONDS)


def _count_failure(*, username: str, ip: str | None, user: User | None, reason: str) -> None:
    """Count one failed sign-in for the account (locking it at the limit) and for the IP (which
    only slows it). Caller is in the durable block so the audit rows commit with the refusal."""
    audit_record(
        actor=None,
        action="auth.login_failed",
        obj=user,
        extra={"username": username[:150], "reason": reason, "ip": ip},
    )
    window = settings.LOGIN_LOCKOUT_SECONDS
    if ip:
        ratelimit.hit(ratelimit.key("login-fail", "ip", ip), window=window)
    account = _account(username)
    failures = ratelimit.hit(ratelimit.key("login-fail", "user", account), window=window)
    if failures >= settings.LOGIN_FAILURE_LIMIT:
        ratelimit.lock_set(ratelimit.key("login-lock", "user", account), seconds=window)
        ratelimit.forget(ratelimit.key("login-fail", "user", account))
        audit_record(
            actor=None,
            action="auth.locked",
            obj=user,
            extra={"scope": "user", "username": username[:150], "ip": ip, "seconds": window},
        )


def staff_login_password(*, username: str, password: str, ip: str | None) -> tuple[User, bool]:
    """First step of a staff sign-in. Returns ``(user, needs_totp)``: with an active TOTP device
    the caller must not log the user in before :func:`staff_login_totp` passes."""
    username = (username or "").strip()
    fields: dict[str, Any] = {}
    if not username:
        fields["username"] = _("请输入用户名。")
    if not password:
        fields["password"] = _("请输入密码。")
    if fields:
        raise ValidationFailed(fields=fields)
    error: ApplicationError | None = None
    user: User | None = None
    needs_totp = False
    slow = _ip_slowdown(ip)
    if slow:
        raise RateLimitedFor(
            _("当前网络登录失败次数较多，请在 %(wait)s后再试。") % {"wait": ratelimit.wait_text(slow)},
            retry_after=slow,
        )
    with transaction.atomic(durable=True):
        left = _lockout_left(username)
        target = User.objects.filter(username=username).first()
        if left:
            audit_record(
                actor=None,
                action="auth.login_failed",
                obj=target,
                extra={"username": username[:150], "reason": "locked", "ip": ip},
            )
            error = _locked_error(left)
        else:
            found = authenticate(username=username, password=password)
            if not isinstance(found, User):
                _count_failure(username=username, ip=ip, user=target, reason="password")
                left = _lockout_left(username)
                error = (
                    _locked_error(left)
                    if left
                    else ValidationFailed(
                        _("用户名或密码不正确。"), fields={"password": _("用户名或密码不正确。")}
                    )
                )
            else:
                user = found
                ratelimit.forget(ratelimit.key("login-fail", "user", _account(username)))
                needs_totp = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()
                if not needs_totp:
                    audit_record(actor=user, action="auth.login", obj=user, extra={"mfa": "", "ip": ip})
    if error is not None:
        raise error
    assert user is not None
    return user, needs_totp


def _totp(device: TotpDevice) -> pyotp.TOTP:
    return pyotp.TOTP(device.secret, interval=TOTP_STEP_SECONDS)


def _totp_accept(device: TotpDevice, code: str) -> bool:
    """Accept a code of the current step or one step either side (clock drift), but only a step
    later than the last one accepted: a code works once. The conditional update makes two
    simultaneous uses of the same code let exactly one through."""
    totp = _totp(device)
    current = int(timezone.now().timestamp()) // TOTP_STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if step <= device.last_step:
            continue
        if constant_time_compare(totp.generate_otp(step), code):
            won = TotpDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step)
            if won:
                device.last_step = step
                return True
            return False
    return False


def staff_login_totp(*, user: User, code: str, ip: str | None) -> User:
    """Second step: the TOTP code of ``user`` (who passed the password step). Wrong codes count
    toward the same lockout as wrong passwords."""
    code = _clean_code(code)
    error: ApplicationError | None = None
    with transaction.atomic(durable=True):
        left = _lockout_left(user.username)
        device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
        if left:
            error = _locked_error(left)
        elif device is None or not user.is_active:
            error = ValidationFailed(fields={"code": _("动态口令未启用，请重新登录。")})
        elif not _totp_accept(device, code):
            _count_failure(username=user.username, ip=ip, user=user, reason="totp")
            left = _lockout_left(user.username)
            error = (
                _locked_error(left)
                if left
                else ValidationFailed(fields={"code": _("动态口令不正确或已使用，请输入新的动态口令。")})
            )
        else:
            ratelimit.forget(ratelimit.key("login-fail", "user", _account(user.username)))
            audit_record(actor=user, action="auth.login", obj=user, extra={"mfa": "totp", "ip": ip})
    if error is not None:
        raise error
    return user


# --- TOTP device --------------------------------------------------------------------------------


def totp_provisioning_uri(device: TotpDevice) -> str:
    return _totp(device).provisioning_uri(name=device.user.username, issuer_name=TOTP_ISSUER)


@transaction.atomic
def totp_setup_begin(*, user: User) -> TotpDevice:
    """A fresh secret for ``user`` (not active until confirmed with a code)."""
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is not None and device.is_active:
        raise Conflict(_("动态口令已启用；如需更换，请先停用。"))
    if device is None:
        device = TotpDevice(user=user)
    device.secret = pyotp.random_base32()
    device.last_step = 0
    device.save()
    audit_record(actor=user, action="accounts.totp_setup_begin", obj=user)
    return device


@transaction.atomic
def totp_confirm(*, user: User, code: str) -> TotpDevice:
    code = _clean_code(code)
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        raise NotFound(_("请先开始设置动态口令。"))
    if device.is_active:
        raise Conflict(_("动态口令已启用。"))
    if not _totp_accept(device, code):
        raise ValidationFailed(fields={"code": _("动态口令不正确，请核对手机时间后重试。")})
    device.confirmed_at = timezone.now()
    device.save(update_fields=["confirmed_at"])
    audit_record(actor=user, action="auth.totp_enabled", obj=user)
    return device


@transaction.atomic
def totp_disable(*, user: User, password: str) -> None:
    if not password or not user.check_password(password):
        raise ValidationFailed(fields={"password": _("密码不正确。")})
    deleted, _detail = TotpDevice.objects.filter(user=user).delete()
    if deleted:
        audit_record(actor=user, action="auth.totp_disabled", obj=user)


# --- API tokens ---------------------------------------------------------------------------------


def _may_manage_tokens_of(actor: User, user: User) -> bool:
    # The system actor: the operator on the command line (manage.py issue_token).
    return is_system_actor(actor) or actor.pk == user.pk or bool(actor.is_superuser)


@transaction.atomic
def api_token_create(*, actor: User, user: User, name: str, expires_in_days: Any = 0) -> tuple[ApiToken, str]:
    """A new bearer token for ``user``. Returns the row and the token itself, which is shown
    once and never stored (only its SHA-256). ``expires_in_days`` 0: valid until revoked."""
    if not _may_manage_tokens_of(actor, user):
        raise PermissionDenied()
    try:
        days = int(expires_in_days or 0)
    except (TypeError, ValueError):
        days = -1
    if not 0 <= days <= MAX_TOKEN_DAYS:
        raise ValidationFailed(
            fields={"expires_in_days": _("有效天数应在0到%(n)s之间（0为长期有效）。") % {"n": MAX_TOKEN_DAYS}}
        )
    name = clean_text(name)
    if not name:
        raise ValidationFailed(fields={"name": _("请填写令牌名称，例如用途。")})
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise ValidationFailed(fields={"name": _("名称不能包含控制字符。")})
    if len(name) > 80:
        raise ValidationFailed(fields={"name": _("名称不能超过80个字符。")})
    if not user.is_active or user.is_system:
        raise ValidationFailed(_("该账号已停用，不能签发令牌。"))
    # Lock the user row so that two requests cannot both slip under the cap.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise Conflict(_("有效令牌已达 %(n)s 个上限，请先吊销不用的令牌。") % {"n": MAX_ACTIVE_TOKENS})
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=plaintext[:10],
        key_hash=hash_token(plaintext),
        expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
    )
    audit_record(actor=actor, action="auth.token_created", obj=token, extra={"user": user.pk})
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke ``token`` (idempotent). Another user's token answers "not found"."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if not _may_manage_tokens_of(actor, token.user):
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="auth.token_revoked", obj=token, extra={"user": token.user_id})
    # The shared token cache (accounts.auth): a tombstone now and again after commit, so that no
    # process serves the token from the cache and a request in flight cannot store it again.
    forget_token(token.key_hash)
    return token
