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

from django.utils.translation import gettext_noop

from yugong.core.stored_text import StoredText

# The templates of the timeline texts written by rights.services, rights.routing and rights.notify.
# Keep in step with them: tests/test_timeline.py writes each kind of step and reads it in English.
TEMPLATES = (
    gettext_noop("分派至%(union)s（%(reason)s）"),
    gettext_noop("按分派规则“%(name)s”"),
    gettext_noop("补充材料%(n)s份"),
    gettext_noop("由%(source)s转至%(target)s：%(reason)s"),
    gettext_noop("职工对办理结果不满意，转%(union)s复核。"),
    gettext_noop("移交%(kind)s：%(agency)s"),
    gettext_noop("启动调解，调解员：%(m)s"),
    gettext_noop("调解记录：%(s)s"),
    gettext_noop("【12351督办】诉求%(n)s%(what)s时限将至（%(due)s），请抓紧办理。"),
    gettext_noop("【12351督办】诉求%(n)s已超过%(what)s时限（%(due)s），请立即办理。"),
)
# Written as two messages joined ("移交…：…" + "，承办律师：…"), read back as two.
_JOINED = {
    "移交%(kind)s：%(agency)s，承办律师：%(lawyer)s": (
        gettext_noop("移交%(kind)s：%(agency)s"),
        gettext_noop("，承办律师：%(lawyer)s"),
    )
}
# An appeal number next to another placeholder: match it as a number.
_READER = StoredText(TEMPLATES, joined=_JOINED, params={"n": r"[0-9][0-9-]*"}, prefix_messages=True)


def localize_text(text: str) -> str:
    """``text`` (written in Chinese by a service) in the active language, as far as it is ours; a
    follow-up result or a rating may be followed by someone's words, which stay."""
    return _READER.localize(text)
