"""Timeline entries in the reader's language (issue 12, item 13).

An appeal's timeline text is written once, in Chinese, by the service that made the step
("分派至渝中区总工会（用人单位所属基层工会）"). A reader in English must not see it in Chinese, and
the rows already written must read right too. So the text is translated when shown: it is matched
against the message templates the services write (``TEMPLATES``, the same msgids, so the catalogue
already has their English), the parts are translated where they are messages themselves (a channel,
a routing reason, a follow-up result, a rating, a case status) and left as they are where they are
data (a union's name, a worker's note), and the template is rendered in the active language. Text
that matches nothing (a staff member's note) is data and stays as written.
"""

from __future__ import annotations

import re
from functools import cache

from django.utils.translation import gettext, gettext_noop

# The templates of the timeline texts written by rights.services, rights.routing and rights.notify.
# Keep in step with them: tests/test_timeline.py writes each kind of step and reads it in English.
TEMPLATES = (
    gettext_noop("分派至%(union)s（%(reason)s）"),
    gettext_noop("按分派规则“%(name)s”"),
    gettext_noop("补充材料%(n)s份"),
    gettext_noop("由%(source)s转至%(target)s：%(reason)s"),
    gettext_noop("职工对办理结果不满意，转%(union)s复核。"),
    # Written as two messages joined ("移交…：…" + "，承办律师：…"), read back as two (_JOINED).
    "移交%(kind)s：%(agency)s，承办律师：%(lawyer)s",
    gettext_noop("移交%(kind)s：%(agency)s"),
    gettext_noop("启动调解，调解员：%(m)s"),
    gettext_noop("调解记录：%(s)s"),
    gettext_noop("【12351督办】诉求%(n)s%(what)s时限将至（%(due)s），请抓紧办理。"),
    gettext_noop("【12351督办】诉求%(n)s已超过%(what)s时限（%(due)s），请立即办理。"),
)
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# A number (an appeal number, a count) next to another placeholder: match it as a number.
_PARAM = {"n": r"[0-9][0-9-]*"}
_JOINED = {
    "移交%(kind)s：%(agency)s，承办律师：%(lawyer)s": (
        gettext_noop("移交%(kind)s：%(agency)s"),
        gettext_noop("，承办律师：%(lawyer)s"),
    )
}


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    out = []
    for template in TEMPLATES:
        regex = ""
        last = 0
        for match in _PLACEHOLDER.finditer(template):
            name = match.group(1)
            regex += re.escape(template[last : match.start()]) + f"(?P<{name}>{_PARAM.get(name, '.+?')})"
            last = match.end()
        regex += re.escape(template[last:])
        out.append((template, re.compile(f"^{regex}$", re.S)))
    return tuple(out)


def _part(value: str) -> str:
    """A part of a text: a message of its own is translated, anything else is data."""
    value = value.strip()
    return localize_text(value) if value else value


def localize_text(text: str) -> str:
    """``text`` (written in Chinese by a service) in the active language, as far as it is ours."""
    if not text:
        return text
    whole = gettext(text)
    if whole != text:
        return whole
    for template, pattern in _patterns():
        match = pattern.match(text)
        if match is None:
            continue
        params = {k: _part(v) for k, v in match.groupdict().items()}
        if template in _JOINED:
            return "".join(gettext(piece) % params for piece in _JOINED[template])
        return gettext(template) % params
    # "<a message> <data>": a follow-up result or a rating, then the worker's or staff's words.
    head, sep, rest = text.partition(" ")
    if sep and gettext(head) != head:
        return f"{gettext(head)} {rest}"
    return text
