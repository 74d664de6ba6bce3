"""Page forms: one convention for every page that writes.

A page form parses what was typed (types, choices, ids, flags, yuan); the service validates the
rest and decides. Both speak ``ValidationFailed(fields=...)`` with Chinese messages, so a page
shows the same field errors whichever of the two found them, and nothing is written when either
refuses. Action pages (one page, many buttons) keep one small form per action.

A message shown away from its field (the banner over a row of action buttons) names the field:
``named_errors`` gives "金额：金额格式不正确。" rather than a bare "金额格式不正确。"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import ApplicationError, ValidationFailed
from .money import parse_yuan

TRUE_VALUES = frozenset({"1", "on", "true", "True"})


def named(label: object, message: object) -> str:
    """One field's message with the field's name in front (a full-width colon in Chinese)."""
    return _("%(field)s：%(message)s") % {"field": label, "message": message}


# Bulma's class for each widget a page form renders, so a bare ``{{ field }}`` is full width and
# styled on a phone whichever template draws it. Selects are styled by their wrapper (the shared
# ``partials/form_fields.html`` adds it); checkboxes, radios and files keep the browser's look.
_WIDGET_CLASSES: dict[str, str] = {
    "text": "input",
    "number": "input",
    "email": "input",
    "url": "input",
    "tel": "input",
    "password": "input",
    "date": "input",
    "datetime-local": "input",
    "time": "input",
    "search": "input",
}


def style_widgets(form: forms.BaseForm) -> None:
    """Give each visible widget of ``form`` its Bulma class unless the form chose one."""
    for field in form.fields.values():
        widget = field.widget
        if "class" in widget.attrs or widget.is_hidden:
            continue
        if isinstance(widget, forms.Textarea):
            widget.attrs["class"] = "textarea"
        elif isinstance(widget, forms.widgets.Input) and widget.input_type in _WIDGET_CLASSES:
            widget.attrs["class"] = _WIDGET_CLASSES[widget.input_type]


class PageForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def named_errors(self) -> dict[str, list[str]]:
        """The form's errors keyed by field, each message naming its field."""
        out: dict[str, list[str]] = {}
        for name, messages in self.errors.items():
            field = self.fields.get(name)
            label = field.label if field is not None else None
            out[name] = [named(label, m) if label else str(m) for m in messages]
        return out

    def valid_or_raise(self) -> dict[str, Any]:
        """The cleaned data, or ``ValidationFailed`` with the named field errors: the same error
        a service raises, so one ``except ApplicationError`` shows both."""
        if not self.is_valid():
            raise ValidationFailed(fields=self.named_errors())
        return dict(self.cleaned_data)

    def messages_of(self, exc: ApplicationError) -> list[str]:
        """An error as lines for a banner or flash messages, each naming its field: the form's own
        errors are named already; a service's are named here with the form's labels."""
        if not exc.fields:
            return [str(exc.message)]
        if self.is_bound and self.errors:  # the form refused, so the service never ran
            return [str(m) for messages in exc.fields.values() for m in messages]
        out: list[str] = []
        for name, messages in exc.fields.items():
            field = self.fields.get(name.split(".")[0])  # "stages.0.name" is named by "stages"
            label = field.label if field is not None and field.label else name
            out += [named(label, m) for m in messages]
        return out

    def apply_errors(self, exc: ApplicationError, rename: dict[str, str] | None = None) -> None:
        """Show a service's error on the form: per field where the form has it (``rename`` maps
        service argument names to form field names), otherwise above the form."""
        if not exc.fields:
            self.add_error(None, str(exc.message))
        for field, messages in exc.fields.items():
            field = (rename or {}).get(field, field)
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, str(message))


class FlagField(forms.Field):
    """A checkbox or a 1/0 choice: "1", "on" or "true" is yes, anything else (or nothing) no."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> bool:
        return str(value).strip() in TRUE_VALUES if value is not None else False

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class YuanField(forms.CharField):
    """An amount typed in yuan ("12.5", "¥1,200", "12.50元"), cleaned to integer fen; empty is
    ``empty_fen`` (0 unless told)."""

    def __init__(self, *, empty_fen: int | None = 0, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 30)
        self.empty_fen = empty_fen
        super().__init__(**kwargs)

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if not text:
            return self.empty_fen
        try:
            return parse_yuan(text)
        except ValidationFailed as exc:
            raise forms.ValidationError([str(m) for v in exc.fields.values() for m in v]) from None


class IdField(forms.IntegerField):
    """A row id chosen on the page (a select's value); the view resolves it through the access
    layer or the object's own rows, so a foreign id is missing like any other."""

    default_error_messages = {"invalid": gettext_lazy("请选择有效的一项。")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


class TextListField(forms.Field):
    """A field repeated on the page (a table of rows with the same input name): the list of its
    values, in page order."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[str]:
        return [str(v) for v in value] if value else []


class NextForm(PageForm):
    """Where a page sends the user afterwards (the view checks it points back into this site)."""

    next = forms.CharField(label=gettext_lazy("返回地址"), required=False)

    def target(self) -> str:
        return str(self.cleaned_data.get("next") or "") if self.is_valid() else ""
