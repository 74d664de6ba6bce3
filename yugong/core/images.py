"""Uploaded pictures: checked to be what they say, and resized on upload into the widths pages
ask for (``srcset``), so a phone downloads a picture of its own size and the page reserves the
box from the stored width and height (no layout shift).

The file name and the browser's content type are not trusted: Pillow decodes the upload as a JPEG,
PNG or WebP within size and pixel bounds. Renditions are JPEG (photos) or PNG (with transparency)
at the widths of :data:`WIDTHS` smaller than the original."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ValidationFailed

FORMATS = {"JPEG", "PNG", "WEBP"}
WIDTHS = (480, 960)
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000


@dataclass
class StoredPicture:
    """Where a picture and its renditions were stored, and its size in pixels."""

    name: str
    width: int
    height: int
    renditions: dict[int, str] = field(default_factory=dict)  # width -> storage name

    def all_names(self) -> list[str]:
        return [self.name, *self.renditions.values()]


def srcset(name: str, width: int, renditions: dict[str, str]) -> str:
    """The ``srcset`` of a stored picture: each rendition (``{"480": name}``) and the original."""
    parts = [f"{default_storage.url(n)} {w}w" for w, n in sorted((int(w), n) for w, n in renditions.items())]
    parts.append(f"{default_storage.url(name)} {width}w")
    return ", ".join(parts)


def inspect_image(
    upload: Any, *, field: str, label: str, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS
) -> tuple[str, int, int]:
    """(format, width, height) of an upload, or ValidationFailed naming ``field``."""

    def refuse(message: Any) -> ValidationFailed:
        return ValidationFailed(fields={field: message})

    if upload is None:
        raise refuse(_("请选择要上传的%(label)s。") % {"label": label})
    size = int(getattr(upload, "size", 0) or 0)
    if size <= 0:
        raise refuse(_("%(label)s是空文件，请重新选择。") % {"label": label})
    if size > max_bytes:
        raise refuse(
            _("%(label)s不能超过 %(max)s MB（所选文件 %(got).1f MB）。")
            % {"label": label, "max": max_bytes // (1024 * 1024), "got": size / (1024 * 1024)}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as img:
            fmt, (width, height) = str(img.format or ""), img.size
            if fmt not in FORMATS:
                raise refuse(_("%(label)s只能是 JPG、PNG 或 WebP 格式。") % {"label": label})
            if width * height > max_pixels:
                raise refuse(
                    _("%(label)s尺寸过大（%(w)s×%(h)s）。") % {"label": label, "w": width, "h": height}
                )
            img.verify()
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning):
        raise refuse(
            _("所选文件不是有效的图片，请上传 JPG、PNG 或 WebP 格式的%(label)s。") % {"label": label}
        ) from None
    finally:
        upload.seek(0)
    return fmt, width, height


def store_picture(
    upload: Any,
    *,
    folder: str,
    field: str,
    label: str,
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
) -> StoredPicture:
    """Check, then store the original (EXIF orientation applied) and its smaller renditions under
    random names. Call it BEFORE the database transaction (storage may be a network call); delete
    the files with :func:`delete_picture` when the transaction does not commit."""
    inspect_image(upload, field=field, label=label, max_bytes=max_bytes, max_pixels=max_pixels)
    upload.seek(0)
    with Image.open(upload) as opened:
        img = ImageOps.exif_transpose(opened)
        img.load()
    has_alpha = img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info)
    fmt, ext = ("PNG", "png") if has_alpha else ("JPEG", "jpg")
    if not has_alpha and img.mode != "RGB":
        img = img.convert("RGB")
    stem = f"{folder.rstrip('/')}/{secrets.token_hex(12)}"
    stored = StoredPicture(
        name=default_storage.save(f"{stem}.{ext}", ContentFile(_encode(img, fmt))),
        width=img.width,
        height=img.height,
    )
    try:
        for width in WIDTHS:
            if width >= img.width:
                continue
            small = img.resize(
                (width, max(1, round(img.height * width / img.width))), Image.Resampling.LANCZOS
            )
            stored.renditions[width] = default_storage.save(
                f"{stem}-{width}.{ext}", ContentFile(_encode(small, fmt))
            )
    except Exception:
        delete_picture(stored.all_names())
        raise
    return stored


def _encode(img: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        img.save(buf, "JPEG", quality=82, optimize=True, progressive=True)
    else:
        img.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def delete_picture(names: list[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)
