"""Article bodies are HTML written by staff (or plain text): only a safe subset survives.

nh3 (the Ammonia sanitizer) keeps an allow-list of tags and attributes; links get
``rel="noopener noreferrer"``; pictures may only come from this site's own media or static files
(the CSP would block others anyway, and a picture from elsewhere would leak the reader's visit)."""

from __future__ import annotations

import html
import re

import nh3

TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "h2", "h3", "h4", "ul", "ol", "li", "blockquote",
    "a", "img", "table", "thead", "tbody", "tr", "th", "td", "hr", "figure", "figcaption", "span",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
LOCAL_PREFIXES = ("/media/", "/static/")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _attribute(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src" and not value.startswith(LOCAL_PREFIXES):
        return None
    return value


def clean_body(raw: str) -> str:
    """Safe HTML for an article body. Plain text (no tags) becomes paragraphs."""
    raw = (raw or "").replace("\x00", "").strip()
    if not raw:
        return ""
    if not _TAG.search(raw):
        paragraphs = [p.strip() for p in raw.replace("\r\n", "\n").split("\n\n") if p.strip()]
        raw = "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)
    return nh3.clean(
        raw,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        attribute_filter=_attribute,
    )


def plain_text(body_html: str) -> str:
    """The words of a body, for the search index and summaries."""
    return html.unescape(nh3.clean(body_html or "", tags=set())).strip()
