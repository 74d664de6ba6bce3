"""Text a service wrote once, in Chinese, shown later in the reader's language.

Some texts are kept as written (an appeal's timeline entry, a roster import's summary) because
they record what was said at the time. A reader in English must still read them in English, rows
written long ago included. :class:`StoredText` reads such a text back: an exact message is
translated; otherwise it is matched against the message templates the writer uses (the same msgids,
so the catalogue already has their English), the parts are translated where they are messages
themselves (a channel, a routing reason, a status) and kept where they are data (a union's name, a
person's words), and the template is rendered in the active language. A text that matches nothing
is data and is returned as it is. In Chinese every text comes back unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext

_PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")


class StoredText:
    def __init__(
        self,
        templates: Iterable[str],
        *,
        joined: Mapping[str, Sequence[str]] | None = None,
        params: Mapping[str, str] | None = None,
        prefix_messages: bool = False,
    ) -> None:
        """``templates``: the msgids the writer formats; ``joined``: a pattern written as several
        messages concatenated → those messages; ``params``: a regex per placeholder name where the
        default (shortest text) would be ambiguous; ``prefix_messages``: a text may be "<message>
        <data>" (a result, then someone's note)."""
        self._joined = dict(joined or {})
        self._param_patterns = dict(params or {})
        self._prefix = prefix_messages
        # Joined patterns first: they are longer forms of a template ("…：…" + "，承办律师：…").
        self._patterns = [(t, self._compile(t)) for t in [*self._joined, *templates]]

    def _compile(self, template: str) -> re.Pattern[str]:
        regex, last = "", 0
        for match in _PLACEHOLDER.finditer(template):
            name, kind = match.group(1), match.group(2)
            part = self._param_patterns.get(name, r"-?\d+" if kind == "d" else ".+?")
            regex += re.escape(template[last : match.start()]) + f"(?P<{name}>{part})"
            last = match.end()
        return re.compile("^" + regex + re.escape(template[last:]) + "$", re.S)

    def _render(self, template: str, values: dict[str, Any]) -> str:
        kinds = dict(_PLACEHOLDER.findall(template))
        params = {k: int(v) if kinds.get(k) == "d" else self._part(v) for k, v in values.items()}
        if template in self._joined:
            return "".join(gettext(piece) % params for piece in self._joined[template])
        return gettext(template) % params

    def _part(self, value: str) -> str:
        value = value.strip()
        return self.localize(value) if value else value

    def localize(self, text: str | None) -> str:
        if not text:
            return text or ""
        whole = gettext(text)
        if whole != text:
            return whole
        for template, pattern in self._patterns:
            match = pattern.match(text)
            if match is not None:
                return self._render(template, match.groupdict())
        if self._prefix:
            head, sep, rest = text.partition(" ")
            if sep and gettext(head) != head:
                return f"{gettext(head)} {rest}"
        return text
