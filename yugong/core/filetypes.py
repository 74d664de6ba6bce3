"""What an uploaded file is, judged by its first bytes — never by its name or the browser's claim.

One rule for every upload of the platform: 12351 attachments (photos, PDF, Word), résumés, 职工之家
evidence, contest videos and micro-lesson media all ask :func:`sniff`, then each caller keeps its own
list of what it accepts (``kinds``/``extensions``) and its own wording.

* ISO base media files say ``ftyp`` at offset 4 followed by a brand: audio brands (M4A…) are audio,
  ``qt  `` is a QuickTime MOV as phones record it, the HEIF brands are HEIC photos, the MP4 brands
  that browsers play are MP4; any other brand is a video container that only a transcoder may read
  (``plays_in_browser`` False).
* EBML (``1A 45 DF A3``) is WebM when its document type says ``webm`` (browsers play it), else
  Matroska.
* Word: ``.doc`` is an OLE2 compound file; ``.docx`` is a zip container (the name tells it apart
  from other Office zips, as Word itself does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

HEAD_BYTES = 64

# ISO base media brands of MP4 / M4V / 3GP files that browsers play.
MP4_BRANDS = frozenset(
    {
        b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
        b"M4V ", b"M4VH", b"M4VP", b"MSNV", b"dash", b"mmp4", b"3gp4", b"3gp5",
    }
)  # fmt: skip
AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P ", b"F4A "})
HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1"})
QUICKTIME_BRAND = b"qt  "
EBML_MAGIC = b"\x1a\x45\xdf\xa3"

# The usual spellings of one canonical extension.
EXTENSION_ALIASES = {"jpeg": "jpg", "jpe": "jpg", "heif": "heic", "m4v": "mp4"}


@dataclass(frozen=True)
class FileType:
    kind: str  # image / video / audio / pdf / document
    ext: str  # canonical extension, without the dot
    content_type: str
    plays_in_browser: bool = True


def _ft(kind: str, ext: str, content_type: str, plays: bool = True) -> FileType:
    return FileType(kind, ext, content_type, plays)


PDF = _ft("pdf", "pdf", "application/pdf")
JPG = _ft("image", "jpg", "image/jpeg")
PNG = _ft("image", "png", "image/png")
WEBP = _ft("image", "webp", "image/webp")
HEIC = _ft("image", "heic", "image/heic")
DOC = _ft("document", "doc", "application/msword")
DOCX = _ft("document", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
MP4 = _ft("video", "mp4", "video/mp4")
MOV = _ft("video", "mov", "video/quicktime")
OTHER_ISO_VIDEO = _ft("video", "mp4", "video/mp4", plays=False)
WEBM = _ft("video", "webm", "video/webm")
MKV = _ft("video", "mkv", "video/x-matroska", plays=False)
AVI = _ft("video", "avi", "video/x-msvideo", plays=False)
M4A = _ft("audio", "m4a", "audio/mp4")
WAV = _ft("audio", "wav", "audio/wav")
OGG = _ft("audio", "ogg", "audio/ogg")
FLAC = _ft("audio", "flac", "audio/flac")
MP3 = _ft("audio", "mp3", "audio/mpeg")
AAC = _ft("audio", "aac", "audio/aac")


def _iso_media(brand: bytes) -> FileType:
    if brand in AUDIO_BRANDS:
        return M4A
    if brand == QUICKTIME_BRAND:
        return MOV
    if brand in HEIF_BRANDS:
        return HEIC
    if brand in MP4_BRANDS:
        return MP4
    return OTHER_ISO_VIDEO


def _riff(head: bytes) -> FileType | None:
    return {b"WEBP": WEBP, b"WAVE": WAV, b"AVI ": AVI}.get(head[8:12])


def sniff(head: bytes) -> FileType | None:
    """What a file's first bytes (:data:`HEAD_BYTES` of them suffice) say it is; None for anything
    the platform never accepts (executables, HTML, archives other than Office's…)."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _iso_media(head[8:12])
    if head.startswith(b"RIFF") and len(head) >= 12:
        return _riff(head)
    if head.startswith(EBML_MAGIC):
        return WEBM if b"webm" in head[:HEAD_BYTES] else MKV
    prefixes = (
        (b"%PDF-", PDF),
        (b"\xff\xd8\xff", JPG),
        (b"\x89PNG\r\n\x1a\n", PNG),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", DOC),
        (b"PK\x03\x04", DOCX),
        (b"OggS", OGG),
        (b"fLaC", FLAC),
        (b"ID3", MP3),
    )
    for prefix, found in prefixes:
        if head.startswith(prefix):
            return found
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:  # ADTS AAC frame
        return AAC
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:  # MPEG audio frame sync
        return MP3
    return None


def read_head(upload: Any, size: int = HEAD_BYTES) -> bytes:
    """The first bytes of an uploaded file, leaving it at its start for whoever stores it."""
    upload.seek(0)
    head = bytes(upload.read(size))
    upload.seek(0)
    return head


def extension_of(name: str) -> str:
    """The canonical extension of a file name ("" when it has none): ``IMG.JPEG`` → ``jpg``."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return EXTENSION_ALIASES.get(ext, ext)


def content_matches_name(upload: Any, ext: str) -> FileType | None:
    """The file's type when its content is what its extension says (canonical or alias), else None."""
    found = sniff(read_head(upload))
    if found is None or found.ext != EXTENSION_ALIASES.get(ext, ext):
        return None
    return found
