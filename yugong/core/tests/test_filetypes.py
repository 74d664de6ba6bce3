"""One rule for what an uploaded file is (core.filetypes): by its first bytes, every caller alike."""

from __future__ import annotations

import io

import pytest

from yugong.core import filetypes
from yugong.core.filetypes import content_matches_name, extension_of, read_head, sniff

MP4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00"
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm"
MKV = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska"


@pytest.mark.parametrize(
    ("head", "kind", "ext", "plays"),
    [
        (MP4, "video", "mp4", True),
        (b"\x00\x00\x00\x18ftypmp42", "video", "mp4", True),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", "video", "mov", True),
        (b"\x00\x00\x00\x18ftypXAVC", "video", "mp4", False),  # a camera's brand: transcode only
        (b"\x00\x00\x00\x18ftypM4A ", "audio", "m4a", True),
        (b"\x00\x00\x00\x18ftypheic", "image", "heic", True),
        (b"\x00\x00\x00\x18ftypmif1", "image", "heic", True),
        (WEBM, "video", "webm", True),
        (MKV, "video", "mkv", False),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "video", "avi", False),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "audio", "wav", True),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image", "webp", True),
        (b"%PDF-1.7\n", "pdf", "pdf", True),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image", "jpg", True),
        (b"\x89PNG\r\n\x1a\n\x00", "image", "png", True),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "document", "doc", True),
        (b"PK\x03\x04\x14\x00", "document", "docx", True),
        (b"OggS\x00", "audio", "ogg", True),
        (b"fLaC\x00", "audio", "flac", True),
        (b"ID3\x04\x00", "audio", "mp3", True),
        (b"\xff\xfb\x90\x00", "audio", "mp3", True),
        (b"\xff\xf1\x50\x80", "audio", "aac", True),
    ],
)
def test_sniff_names_what_the_bytes_are(head: bytes, kind: str, ext: str, plays: bool) -> None:
    found = sniff(head)
    assert found is not None
    assert (found.kind, found.ext, found.plays_in_browser) == (kind, ext, plays)
    assert "/" in found.content_type


@pytest.mark.parametrize(
    "head",
    [b"", b"MZ\x90\x00", b"<html><body>", b"GIF89a\x00", b"%PDF", b"RIFF\x00\x00\x00\x00XXXX", b"\x00\x00"],
)
def test_sniff_refuses_what_the_platform_never_takes(head: bytes) -> None:
    assert sniff(head) is None


def test_the_name_must_say_what_the_content_is() -> None:
    pdf = io.BytesIO(b"%PDF-1.4\n" + b"0" * 100)
    pdf.read(5)  # a caller that read before: the head is read from the start, and left there
    assert read_head(pdf)[:5] == b"%PDF-" and pdf.tell() == 0
    assert content_matches_name(pdf, "pdf") == filetypes.PDF
    assert content_matches_name(pdf, "docx") is None
    jpeg = io.BytesIO(b"\xff\xd8\xff\xe0" + b"0" * 60)
    assert content_matches_name(jpeg, "jpeg") == filetypes.JPG  # an alias of the canonical name
    assert content_matches_name(jpeg, "png") is None
    exe = io.BytesIO(b"MZ\x90\x00" + b"0" * 60)
    assert content_matches_name(exe, "pdf") is None


def test_extension_of_is_canonical() -> None:
    assert extension_of("IMG_0001.JPEG") == "jpg"
    assert extension_of("合同.docx") == "docx"
    assert extension_of("no-extension") == ""
