"""Pages read what was posted through forms (issue 11, item 6): a view hands ``request.POST`` to a
form from its app's ``forms.py`` (``yugong.core.forms``) and never picks values out of it by hand.
The one value a view may read itself is which button was pressed (``action``, or ``form`` on a
page with two forms), because it only chooses the form."""

from __future__ import annotations

import re
from pathlib import Path

import yugong

ROOT = Path(yugong.__file__).resolve().parent
# request.POST.get("x"), request.POST["x"], request.POST.getlist(...), request.POST.dict(), …
HAND_PARSED = re.compile(r"request\.POST\s*(?:\.\s*(?P<method>\w+)\s*\(\s*(?P<arg>[^,)]*)|\[)")
CHOOSERS = {'"action"', '"form"'}


def hand_parsed(source: str) -> list[tuple[int, str]]:
    found = []
    for match in HAND_PARSED.finditer(source):
        method, arg = match.group("method"), (match.group("arg") or "").strip()
        if method == "get" and arg in CHOOSERS:
            continue
        found.append((source.count("\n", 0, match.start()) + 1, match.group(0)))
    return found


def test_no_view_picks_values_out_of_request_post() -> None:
    problems = [
        f"{path.relative_to(ROOT)}:{line}: {text}"
        for path in sorted(ROOT.rglob("*.py"))
        if "tests" not in path.parts and "migrations" not in path.parts
        for line, text in hand_parsed(path.read_text(encoding="utf-8"))
    ]
    assert not problems, "use a form (yugong.core.forms):\n" + "\n".join(problems)


def test_the_scanner_sees_hand_parsing() -> None:
    assert [t for _n, t in hand_parsed('x = request.POST.get("amount", "")')] == ['request.POST.get("amount"']
    assert hand_parsed("request.POST['a']") and hand_parsed('request.POST.getlist("rows")')
    assert hand_parsed("data = request.POST.dict()")
    assert not hand_parsed('action = request.POST.get("action", "")')
    assert not hand_parsed("form = StationForm(request.POST)")
