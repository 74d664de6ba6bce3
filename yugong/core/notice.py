"""公示 with objections, written once for every scenario that puts something on public notice before
it becomes final (a hardship file before it is active, a round's nominees before the award).

A scenario keeps its subject (the file, the nomination), its notice article (news, posted by the
scenario) and its own rules of who may object and who handles; this module holds what is the same:

* :class:`ObjectionBase` — the abstract objection row (who, why, when; handled when, upheld, the
  answer); each app's concrete ``Objection`` adds the foreign key to its subject.
* :class:`NoticeFlow` — an app's description of its notice: the subject's statuses, how to lock
  it, whether it is still on notice, who may object and who may handle (callbacks raising the app's
  own errors), its timeline step, what an upheld objection does and the fact (the audit codes are
  passed at each call, as literals).
* :func:`objection_raise` — an objection during the notice: the subject locked, the objector
  checked, the reason cleaned (500 characters), the subject marked objected, step, audit, fact.
* :func:`objection_handle` — the decision: upheld → the app's rejection; dismissed → back on
  notice once no objection is left open; step and audit.

``core`` imports no domain app: everything app-specific comes in through the flow's callbacks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .audit import audit_record
from .errors import Conflict, NotFound, ValidationFailed
from .facts import fact_record
from .timeutil import now
from .validators import clean_text

S = TypeVar("S", bound=models.Model)

REASON_MAX = 500


class ObjectionBase(models.Model):
    """An objection raised during a 公示 and its handling. Concrete models add ``<subject> =
    ForeignKey(..., related_name="objections")``."""

    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(gettext_lazy("异议理由"))
    created_at = models.DateTimeField(gettext_lazy("提出时间"), auto_now_add=True)
    handled_at = models.DateTimeField(gettext_lazy("处理时间"), null=True, blank=True)
    upheld = models.BooleanField(gettext_lazy("异议成立"), null=True)
    answer = models.TextField(gettext_lazy("处理意见"), blank=True)

    class Meta:
        abstract = True
        verbose_name = gettext_lazy("公示异议")
        verbose_name_plural = gettext_lazy("公示异议")

    @property
    def is_open(self) -> bool:
        return self.handled_at is None


def clean_reason(value: Any) -> str:
    """An objection's reason: required, at most 500 characters (full-width folded, trimmed)."""
    text = clean_text(value)
    if not text or len(text) > REASON_MAX:
        raise ValidationFailed(fields={"reason": _("请填写异议理由（500字以内）。")})
    return text


def clean_answer(value: Any, field: str = "answer") -> str:
    """The handler's answer: required, at most 500 characters."""
    text = clean_text(value)
    if not text:
        raise ValidationFailed(fields={field: _("请填写意见。")})
    if len(text) > REASON_MAX:
        raise ValidationFailed(fields={field: _("意见不能超过%(n)d个字。") % {"n": REASON_MAX}})
    return text


@dataclass(frozen=True)
class NoticeFlow(Generic[S]):
    """How one scenario's subjects go through their notice. Callbacks raise the app's own errors."""

    objection_model: type[ObjectionBase]
    subject_field: str  # the objection's foreign key to the subject ("file", "nomination")
    notice_status: str  # the subject on notice
    objected_status: str  # the subject on notice with an objection open
    metric: str  # the fact counted per objection raised
    not_on_notice: Any  # (lazy) text: the Conflict's message when the subject is not (or no longer) on notice
    lock: Callable[[int], S]  # the subject re-read under its row lock (NotFound when missing)
    union_id: Callable[[S], int]  # the union the audit row and the fact belong to
    on_notice: Callable[[S], bool]  # the notice is running (its own period and any outer state)
    may_object: Callable[[Any, S], None]  # raises when the actor may not object
    may_handle: Callable[[Any, S], None]  # raises when the actor may not handle
    step: Callable[[S, str, Any, str, dict[str, Any]], None]  # timeline: kind, actor, note, data
    reject: Callable[[S, Any, str], None]  # what an upheld objection does to the subject

    def subject_id(self, objection: ObjectionBase) -> int:
        return int(getattr(objection, f"{self.subject_field}_id"))


def _status(subject: models.Model, status: str) -> None:
    subject.status = status  # type: ignore[attr-defined]
    subject.save(update_fields=["status", "updated_at"])


@transaction.atomic
def objection_raise(
    *, flow: NoticeFlow[S], actor: Any, subject: S | int, reason: Any, action: str
) -> ObjectionBase:
    """An objection during the notice: checked, recorded, the subject marked objected, audited as
    ``action`` (the app's code, a literal at the call: ``tests/test_audit_actions.py`` reads it)."""
    s = flow.lock(subject if isinstance(subject, int) else subject.pk)
    flow.may_object(actor, s)
    status = s.status  # type: ignore[attr-defined]
    if status not in (flow.notice_status, flow.objected_status) or not flow.on_notice(s):
        raise Conflict(str(flow.not_on_notice))
    text = clean_reason(reason)
    objection = flow.objection_model._default_manager.create(
        **{flow.subject_field: s, "raised_by": actor, "reason": text}
    )
    _status(s, flow.objected_status)
    flow.step(s, "objection", actor, "", {"objection": objection.pk})
    union_id = flow.union_id(s)
    audit_record(
        actor=actor,
        action=action,
        obj=objection,
        union_id=union_id,
        changes={"status": [status, flow.objected_status]},
    )
    fact_record(metric=flow.metric, union_id=union_id)
    return objection


@transaction.atomic
def objection_handle(
    *, flow: NoticeFlow[S], actor: Any, objection: ObjectionBase | int, upheld: bool, answer: Any, action: str
) -> ObjectionBase:
    """The decision on one objection: upheld → the app's rejection of the subject; dismissed →
    the subject back on notice once no objection is left open."""
    model = flow.objection_model
    pk = objection if isinstance(objection, int) else objection.pk
    found = model._default_manager.filter(pk=pk).only(f"{flow.subject_field}_id").first()
    if found is None:
        raise NotFound()
    s = flow.lock(flow.subject_id(found))
    flow.may_handle(actor, s)
    obj = model._default_manager.select_for_update().get(pk=pk)
    if obj.handled_at is not None:
        raise Conflict(_("该异议已处理。"))
    text = clean_answer(answer)
    obj.handled_at, obj.upheld, obj.answer = now(), bool(upheld), text
    obj.save(update_fields=["handled_at", "upheld", "answer"])
    flow.step(s, "objection_handled", actor, text, {"objection": obj.pk, "upheld": bool(upheld)})
    audit_record(
        actor=actor,
        action=action,
        obj=obj,
        union_id=flow.union_id(s),
        extra={"upheld": bool(upheld)},
    )
    if upheld:
        flow.reject(s, actor, text)
    elif not model._default_manager.filter(**{flow.subject_field: s, "handled_at__isnull": True}).exists():
        _status(s, flow.notice_status)
    return obj
