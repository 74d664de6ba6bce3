"""PDFs with Chinese text (reportlab).

reportlab embeds TrueType outlines only; the CFF-based Noto CJK ``.ttc`` files Debian installs by
default cannot be used. :func:`cjk_font_name` registers the first TrueType CJK font it finds
(``fonts-wqy-zenhei`` / ``fonts-wqy-microhei``, installed by ``scripts/test.sh`` in CI and by the
deployment image; set ``YUGONG_CJK_FONT`` to a .ttf/.ttc path to choose another) and otherwise
falls back to reportlab's built-in CID font ``STSong-Light`` — not embedded, rendered by the
reader's own Chinese font — so a PDF can always be made.
"""

from __future__ import annotations

import os
from functools import lru_cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "YugongCJK"
FALLBACK_CID_FONT = "STSong-Light"

CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansSC-Regular.ttf",
)


def _try_register(path: str) -> bool:
    if not os.path.isfile(path):
        return False
    try:
        # subfontIndex 0: the first face of a collection (.ttc).
        pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
    except Exception:  # noqa: BLE001 - a CFF or damaged font: try the next one
        return False
    return True


@lru_cache(maxsize=1)
def cjk_font_name() -> str:
    """The name of a registered font that can draw Chinese text (registered on first use)."""
    paths = [os.environ.get("YUGONG_CJK_FONT", ""), *CANDIDATES]
    for path in paths:
        if path and _try_register(path):
            return FONT_NAME
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID_FONT))
    return FALLBACK_CID_FONT
