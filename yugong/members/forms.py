"""Page forms of members: they parse what was typed; the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yugong.core.forms import FlagField, IdField, PageForm


def _text(label: Any, max_length: int | None = None) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=False)


class JoinForm(PageForm):
    """Scan-to-join. ``employer_id`` is one of the union's employers offered on the page (any
    other value means "not in the list": the typed ``employer_name`` stands)."""

    name = _text(_("姓名"))
    id_number = _text(_("身份证号"), 40)
    phone = _text(_("手机号"), 40)
    employment_form = _text(_("就业形态"), 20)
    migrant_worker = FlagField(label=_("农民工"))
    employer_name = _text(_("工作单位"), 200)
    employer_id = _text(_("工作单位"), 20)
    education = _text(_("学历"), 20)
    consent = FlagField(
        label=_("入会须知"),
        required=True,
        error_messages={"required": _("请阅读并同意《入会须知及个人信息处理规则》。")},
    )


class TransferForm(PageForm):
    code = _text(_("转入工会编码"), 40)
    reason = _text(_("转会原因"))


class ReasonForm(PageForm):
    """Reject an application, suspend or end a membership: the reason (the service says when it
    is required)."""

    reason = _text(_("理由"))


class BackForm(PageForm):
    """Where a console action returns to: only a console page of this site."""

    next = _text(_("返回地址"), 500)

    def clean_next(self) -> str:
        target = self.cleaned_data.get("next") or ""
        return target if target.startswith("/console/") and "//" not in target else ""


class RosterUploadForm(PageForm):
    """A roster file for a union the uploader may import into (the view checks which)."""

    union = IdField(label=_("工会"))
    mode = _text(_("导入方式"), 30)
    file = forms.FileField(label=_("名册文件"), required=False)
