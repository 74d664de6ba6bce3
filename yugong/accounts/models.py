from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yugong.core.pii import BlindIndexField, EncryptedTextField, mask_phone


class User(AbstractUser):
    """One user model for workers and staff.

    Workers sign in with their mobile number and an SMS code (``username`` is generated); staff sign
    in with username and password (argon2), optionally with TOTP. ``is_staff`` opens the staff
    console; business rights come from roles at union nodes (orgs). System administration is a
    separate axis (``admin_role``): system, security and audit administrators are different people
    (MLPS level 3 "three administrators" separation)."""

    class AdminRole(models.TextChoices):
        NONE = "", _("无")
        SYSTEM = "system", _("系统管理员")
        SECURITY = "security", _("安全管理员")
        AUDIT = "audit", _("审计管理员")

    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    phone = EncryptedTextField(_("手机号"), blank=True, default="")
    phone_index = BlindIndexField(source="phone", purpose="phone")
    admin_role = models.CharField(
        _("系统管理角色"), max_length=16, choices=AdminRole.choices, blank=True, default=""
    )
    large_font = models.BooleanField(_("大字模式"), default=False)
    # The one system actor (yugong.accounts.system): jobs, imports, seeds and event handlers act as
    # it instead of passing actor=None. It cannot sign in (no password, no phone).
    is_system = models.BooleanField(_("系统账号"), default=False, editable=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.UniqueConstraint(
                fields=["phone_index"], condition=~Q(phone_index=""), name="accounts_user_phone_unique"
            ),
        ]

    def __str__(self) -> str:
        # Workers signed in by SMS have a generated username: greet them by their masked number.
        if self.display_name:
            return self.display_name
        return mask_phone(self.phone) if self.phone else self.username

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class SmsCode(models.Model):
    """A one-time login code. Only a keyed hash of the code is kept; it expires and allows a few
    wrong tries before it is burnt."""

    phone_index = models.CharField(max_length=40, db_index=True)
    code_hash = models.CharField(max_length=64)
    purpose = models.CharField(max_length=20, default="login")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [models.Index(fields=["phone_index", "created_at"])]

    def __str__(self) -> str:
        return f"{self.phone_index[:8]}… {self.created_at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """A bearer token for API clients, with exactly the rights of its user. Only a SHA-256 of the
    token is stored; the token itself is shown once, when made."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户")
    )
    name = models.CharField(_("名称"), max_length=80)
    prefix = models.CharField(_("前缀"), max_length=12)
    # Unique by a constraint, not ``unique=True``: on PostgreSQL that adds a second (pattern-ops)
    # index nobody reads, written on every new token.
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    # Past this moment the token is refused (null: until revoked).
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["key_hash"], name="apitoken_key_hash_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class TotpDevice(models.Model):
    """Optional TOTP second factor for staff (RFC 6238, 30 s steps)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp", verbose_name=_("用户"))
    secret = EncryptedTextField(_("密钥"))
    confirmed_at = models.DateTimeField(_("启用时间"), null=True, blank=True)
    last_step = models.BigIntegerField(default=0)  # the last accepted time step: a code works once

    class Meta:
        verbose_name = _("动态口令设备")
        verbose_name_plural = _("动态口令设备")

    def __str__(self) -> str:
        return f"TOTP {self.user}"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None


def request_user(request: Any) -> User:
    """The signed-in user of a request that authentication already vouched for."""
    user = request.user
    if not isinstance(user, User):
        raise TypeError("request is not authenticated")
    return user
