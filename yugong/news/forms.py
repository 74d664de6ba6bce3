from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yugong.core.errors import ApplicationError

from .models import Article


class ArticleForm(forms.Form):
    """The page edge of ``services.article_create`` / ``article_update``: the form types the
    fields, the service judges them, and the service's Chinese field errors land on the form."""

    union = forms.TypedChoiceField(label=_("发布单位"), coerce=int, required=False)
    kind = forms.ChoiceField(label=_("类别"), choices=Article.Kind.choices)
    audience = forms.ChoiceField(label=_("阅读对象"), choices=Article.Audience.choices)
    title = forms.CharField(label=_("标题"), max_length=120)
    summary = forms.CharField(label=_("摘要"), max_length=200, required=False)
    body_html = forms.CharField(
        label=_("正文"),
        widget=forms.Textarea(attrs={"rows": 14}),
        required=False,
        help_text=_("可直接粘贴文字，空一行分段；也可使用简单的 HTML（标题、加粗、列表、表格、链接）。"),
    )
    pinned = forms.BooleanField(label=_("在首页轮播展示（需有封面图）"), required=False)
    requires_receipt = forms.BooleanField(label=_("要求工会干部阅读回执"), required=False)

    def __init__(self, *args: Any, unions: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if unions is None:
            del self.fields["union"]
        else:
            field = self.fields["union"]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = unions
            self.fields["union"].required = True

    def take_errors(self, exc: ApplicationError) -> None:
        for field, messages in exc.fields.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, str(message))
        if not exc.fields:
            self.add_error(None, str(exc.message))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因"), max_length=200)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("文件"))
