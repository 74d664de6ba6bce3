"""On the day and after: the check-in page's offline queue synced with the browser's own scan ids
(the server idempotent on them), and the survey afterwards (questions by staff, one response per
participant, results for staff). Keyword-only, atomic, audited, as ``services``."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core import timeutil
from yugong.core.audit import audit_record
from yugong.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.validators import is_ascii_digits

from .attendance import signup_checkin
from .models import Activity, SignUp
from .models_kinds import CheckinScan, SurveyQuestion, SurveyResponse
from .services import _activity_for

CLIENT_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")
MAX_BATCH = 200


def checkin_sync(*, actor: User, activity_id: Any, scans: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Record the scans a check-in phone queued (``client_id``, ``token``, ``scanned_at``), each in
    its own savepoint. A scan whose ``client_id`` was already synced returns its first result and
    changes nothing (a phone that lost the answer re-sends the whole queue); two scans of the same
    code check in once (``signup_checkin`` is idempotent too)."""
    activity = _activity_for(actor, activity_id)
    if len(scans) > MAX_BATCH:
        raise ValidationFailed(fields={"scans": _("一次最多同步200条扫码记录。")})
    results = []
    for scan in scans:
        client_id = str(scan.get("client_id") or "")
        if not CLIENT_ID.match(client_id):
            results.append({"client_id": client_id, "result": "refused", "message": _("扫码记录编号无效。")})
            continue
        known = CheckinScan.objects.filter(client_id=client_id).first()
        if known is not None:
            results.append(_answer(known))
            continue
        results.append(_answer(_record(actor, activity, client_id, scan)))
    return results


def _answer(scan: CheckinScan) -> dict[str, Any]:
    return {
        "client_id": scan.client_id,
        "result": scan.result,
        "message": scan.message,
        "signup": scan.signup_id,
    }


def _scanned_at(value: Any) -> dt.datetime:
    now = timeutil.now()
    try:
        at = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return now
    if at.tzinfo is None:
        at = at.replace(tzinfo=timeutil.SHANGHAI)
    return min(at, now)


@transaction.atomic
def _record(actor: User, activity: Activity, client_id: str, scan: dict[str, Any]) -> CheckinScan:
    signup_id, message = None, ""
    try:
        with transaction.atomic():
            signup, first = signup_checkin(
                actor=actor, activity_id=activity.pk, token=str(scan.get("token") or "")
            )
        signup_id, result = signup.pk, "checked_in" if first else "again"
    except ApplicationError as exc:
        result, message = (
            "refused",
            str(exc.fields.get("token") or exc.message) if exc.fields else str(exc.message),
        )
    try:
        with transaction.atomic():
            return CheckinScan.objects.create(
                client_id=client_id,
                activity=activity,
                signup_id=signup_id,
                scanned_by=actor,
                scanned_at=_scanned_at(scan.get("scanned_at")),
                result=result,
                message=message[:200],
            )
    except IntegrityError:  # the same queue synced from two tabs at once: the first one's answer
        return CheckinScan.objects.get(client_id=client_id)


# --- the survey ------------------------------------------------------------------------------------


@transaction.atomic
def survey_question_add(
    *, actor: User, activity_id: Any, text: str, kind: str, options: Sequence[str] = ()
) -> SurveyQuestion:
    activity = _activity_for(actor, activity_id)
    opts = [o.strip()[:40] for o in options if o.strip()]
    errors = {}
    if not text.strip():
        errors["text"] = _("请填写问题。")
    if kind not in SurveyQuestion.Kind.values:
        errors["kind"] = _("题型无效。")
    elif kind == SurveyQuestion.Kind.CHOICE and len(opts) < 2:
        errors["options"] = _("单选题至少需要两个选项（每行一个）。")
    if activity.survey_responses.exists():
        errors["text"] = _("已有人填写问卷，不能再修改问题。")
    if errors:
        raise ValidationFailed(fields=errors)
    question = SurveyQuestion.objects.create(
        activity=activity,
        text=text.strip()[:200],
        kind=kind,
        options=opts if kind == SurveyQuestion.Kind.CHOICE else [],
        position=activity.survey_questions.count() + 1,
    )
    audit_record(actor=actor, action="activity.survey_question", obj=question, union_id=activity.union_id)
    return question


def _check_answers(questions: list[SurveyQuestion], answers: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for q in questions:
        key, value = str(q.pk), str(answers.get(str(q.pk), "") or "").strip()
        if q.kind == SurveyQuestion.Kind.SCORE:
            if value not in {"1", "2", "3", "4", "5"}:
                errors[f"q{q.pk}"] = _("请为“%(q)s”打1到5分。") % {"q": q.text}
            else:
                clean[key] = int(value)
        elif q.kind == SurveyQuestion.Kind.CHOICE:
            if value not in q.options:
                errors[f"q{q.pk}"] = _("请为“%(q)s”选择一项。") % {"q": q.text}
            else:
                clean[key] = value
        else:
            clean[key] = value[:500]
    if errors:
        raise ValidationFailed(fields=errors)
    return clean


@transaction.atomic
def survey_respond(*, actor: User, activity_id: Any, answers: dict[str, Any]) -> SurveyResponse:
    """A participant (a winner) answers once, after the activity began."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied()
    signup = (
        SignUp.objects.select_related("activity")
        .filter(activity_id=activity_id, person__user_id=actor.pk, status=SignUp.Status.WON)
        .first()
        if is_ascii_digits(str(activity_id))
        else None
    )
    if signup is None:
        raise NotFound()
    activity = signup.activity
    if activity.starts_at is None or timeutil.now() < activity.starts_at:
        raise Conflict(_("活动开始后才能填写问卷。"))
    questions = list(activity.survey_questions.all())
    if not questions:
        raise NotFound()
    clean = _check_answers(questions, answers)
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(activity=activity, signup=signup, answers=clean)
    except IntegrityError:
        raise Conflict(_("已经填写过问卷，谢谢。"), code="already_answered") from None
    audit_record(actor=actor, action="activity.survey_respond", obj=response, union_id=signup.union_id)
    return response


def survey_results(activity: Activity) -> list[dict[str, Any]]:
    """Per question: the average score, the count per option, or the texts (staff only; the caller
    checked access). Two queries."""
    questions = list(activity.survey_questions.all())
    responses = list(activity.survey_responses.values_list("answers", flat=True))
    out = []
    for q in questions:
        values = [r[str(q.pk)] for r in responses if str(q.pk) in r]
        row: dict[str, Any] = {"question": q, "count": len(values)}
        if q.kind == SurveyQuestion.Kind.SCORE:
            row["average"] = round(sum(values) / len(values), 2) if values else None
        elif q.kind == SurveyQuestion.Kind.CHOICE:
            counts = Counter(values)
            row["options"] = [(o, counts.get(o, 0)) for o in q.options]
        else:
            row["texts"] = [v for v in values if v][:200]
        out.append(row)
    return out
