"""Page forms of accounts: they carry what was typed to the services, which validate it (the
sign-in services answer the same way whichever part is wrong, so the forms add no rules)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yugong.core.forms import PageForm


def _text(label: Any, *, strip: bool = True) -> forms.CharField:
    return forms.CharField(label=label, required=False, strip=strip)


class WorkerLoginForm(PageForm):
    action = _text(_("操作"))
    step = _text(_("步骤"))
    phone = _text(_("手机号"))
    code = _text(_("验证码"), strip=False)

    def clean_action(self) -> str:
        return "login" if self.cleaned_data.get("action") == "login" else "send"

    def clean_step(self) -> str:
        return "code" if self.cleaned_data.get("step") == "code" else "phone"


class StaffLoginForm(PageForm):
    username = _text(_("用户名"))
    password = _text(_("密码"), strip=False)


class CodeForm(PageForm):
    code = _text(_("动态口令"), strip=False)


class PasswordForm(PageForm):
    password = _text(_("密码"), strip=False)


class EmptyForm(PageForm):
    """An action with nothing to type."""


TOTP_FORMS: dict[str, type[PageForm]] = {"begin": EmptyForm, "confirm": CodeForm, "disable": PasswordForm}


class TokenForm(PageForm):
    name = _text(_("名称"), strip=False)
