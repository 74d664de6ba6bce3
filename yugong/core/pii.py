"""Personal data at rest: encryption, keyed blind index, masking.

* Values are encrypted with AES-256-GCM under a key derived (HKDF-SHA256) from the master key in
  ``FIELD_ENCRYPTION_KEY``. The stored form is ``v1$<key id>$<base64(nonce || ciphertext)>`` so
  keys can be rotated: the first key encrypts, every listed key can decrypt.
* Exact look-ups go through a *blind index*: HMAC-SHA256 over the normalised value under a second
  derived key, per purpose ("phone", "id_number"), so equal values can be found without the
  database ever holding the plaintext. Rotating the index key means re-indexing (``manage.py
  reindex_pii``), so the index always uses the first key.
* Screens and exports show masked values (138****5678) unless the viewer has the right to see them,
  and each such view is audited (core.audit.audit_pii_view).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

_PREFIX = "v1"


def _derive(master: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"yugong-pii", info=info).derive(master.encode())


@lru_cache(maxsize=8)
def _keys(masters: tuple[str, ...]) -> tuple[list[tuple[str, AESGCM]], bytes]:
    if not masters:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is not set.")
    enc = []
    for master in masters:
        key = _derive(master, b"enc")
        key_id = hashlib.sha256(key).hexdigest()[:8]
        enc.append((key_id, AESGCM(key)))
    return enc, _derive(masters[0], b"index")


def _current_keys() -> tuple[list[tuple[str, AESGCM]], bytes]:
    return _keys(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    enc, _ = _current_keys()
    key_id, aead = enc[0]
    nonce = os.urandom(12)
    blob = nonce + aead.encrypt(nonce, plaintext.encode(), key_id.encode())
    return f"{_PREFIX}${key_id}${base64.urlsafe_b64encode(blob).decode()}"


def decrypt(token: str) -> str:
    try:
        prefix, key_id, data = token.split("$", 2)
    except ValueError as exc:
        raise ValueError("not an encrypted value") from exc
    if prefix != _PREFIX:
        raise ValueError("unknown encryption format")
    blob = base64.urlsafe_b64decode(data.encode())
    for kid, aead in _current_keys()[0]:
        if kid == key_id:
            return aead.decrypt(blob[:12], blob[12:], key_id.encode()).decode()
    raise ValueError("no key for this value (was the key rotated out?)")


def blind_index(purpose: str, value: str | None) -> str:
    """Keyed digest for exact look-ups. ``value`` must already be normalised by the caller."""
    if not value:
        return ""
    _, index_key = _current_keys()
    return hmac.new(index_key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()[:40]


# --- Model fields ---------------------------------------------------------------------------


class EncryptedTextField(models.TextField):
    """Plaintext in Python, ciphertext in the database. No lookups but ``isnull``: use the blind
    index field beside it for exact matches."""

    description = "Encrypted text"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(_PREFIX + "$"):
            return decrypt(value)
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in {"isnull"}:
            raise TypeError(f"encrypted fields cannot be searched with '{lookup_name}'; use the blind index")
        return super().get_lookup(lookup_name)


class BlindIndexField(models.CharField):
    """Filled on save from the encrypted field named by ``source`` (``purpose`` keys the digest)."""

    def __init__(self, *args: Any, source: str = "", purpose: str = "", **kwargs: Any) -> None:
        self.source = source
        self.purpose = purpose or source
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["purpose"] = self.purpose
        for key, default in (
            ("max_length", 40),
            ("db_index", True),
            ("editable", False),
            ("blank", True),
            ("default", ""),
        ):
            if kwargs.get(key) == default:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = blind_index(self.purpose, getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


# --- Masking --------------------------------------------------------------------------------


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def mask_id_number(id_number: str | None) -> str:
    if not id_number:
        return ""
    if len(id_number) < 8:
        return "*" * len(id_number)
    return f"{id_number[:4]}{'*' * (len(id_number) - 8)}{id_number[-4:]}"


def mask_name(name: str | None) -> str:
    if not name:
        return ""
    if len(name) == 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_account(number: str | None) -> str:
    if not number:
        return ""
    return f"{'*' * max(len(number) - 4, 0)}{number[-4:]}"
