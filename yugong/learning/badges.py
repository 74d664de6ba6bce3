"""Course certificates as Open Badges 3.0 credentials (``OpenBadgeCredential``), signed as a
VC-JWT (OBv3 §8.2, JOSE): the JWT payload *is* the credential, with the registered claims ``iss``
(issuer id), ``jti`` (credential id) and ``nbf`` (validFrom); the header names the algorithm
(``EdDSA``, Ed25519), the key id (RFC 7638 thumbprint) and carries the public key as ``jwk``.

Why not a Data Integrity proof (``eddsa-rdfc-2022``): it needs RDF dataset canonicalisation of the
JSON-LD, which would mean a JSON-LD processor fetching contexts — no outside calls at run time.
OBv3 allows either proof format; the JOSE one is verifiable with any JWT library.

The key: ``settings.LEARNING_BADGE_KEY`` (environment; generated under ``YUGONG_VAR_DIR`` for
development) is hashed into the 32-byte Ed25519 seed. The public key is published as a JWK set at
``/learning/badges/jwks.json`` and in the issuer profile.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from .models import Certificate

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
ALG = "EdDSA"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@lru_cache(maxsize=4)
def _private_key(secret: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(secret.encode()).digest())


def signing_key() -> Ed25519PrivateKey:
    secret = getattr(settings, "LEARNING_BADGE_KEY", "")
    if not secret:
        raise ImproperlyConfigured("LEARNING_BADGE_KEY must be set in the environment to sign badges.")
    return _private_key(secret)


def public_jwk(key: Ed25519PublicKey | None = None) -> dict[str, str]:
    key = key or signing_key().public_key()
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": b64url(raw)}
    # RFC 7638: the thumbprint is the SHA-256 of the required members, sorted, without spaces.
    thumb = hashlib.sha256(json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode()).digest()
    return {**jwk, "kid": b64url(thumb), "alg": ALG, "use": "sig"}


def absolute(path: str) -> str:
    base = (getattr(settings, "PUBLIC_BASE_URL", "") or "http://127.0.0.1:8000").rstrip("/")
    return base + path


def issuer_profile() -> dict[str, Any]:
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": absolute(reverse("learning:badge_issuer")),
        "type": ["Profile"],
        "name": "重庆市总工会学分银行",
        "url": absolute("/"),
        "description": "重庆市总工会终身教育学分银行（学分互认转换平台）",
    }


def credential_for(cert: Certificate, *, salt: str | None = None) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential of a certificate. The learner is identified by a salted
    hash of their name (an ``IdentityObject``), never by an ID number or a phone number."""
    salt = salt or secrets.token_hex(8)
    name = cert.person.name
    issued = cert.issued_at.astimezone(dt.UTC).isoformat(timespec="seconds")  # RFC 3339
    issuer = issuer_profile()
    issuer.pop("@context")
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": absolute(reverse("learning:verify", args=[cert.code])),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": cert.title,
        "issuer": issuer,
        "validFrom": issued,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": "sha256$" + hashlib.sha256((name + salt).encode()).hexdigest(),
                    "identityType": "name",
                    "hashed": True,
                    "salt": salt,
                }
            ],
            "creditsEarned": float(cert.credits),
            "achievement": {
                "id": absolute(reverse("learning:h5_course", args=[cert.course_id])),
                "type": ["Achievement"],
                "achievementType": "Course",
                "name": cert.title,
                "description": f"{cert.provider_name}课程《{cert.title}》结业",
                "criteria": {"narrative": "完成课程全部微课（观看时长由服务器按心跳记录）并通过测验。"},
                "creditsAvailable": float(cert.credits),
                "creator": {"id": absolute(reverse("learning:badge_issuer")), "type": ["Profile"]},
            },
        },
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }


def sign(credential: dict[str, Any]) -> str:
    """The credential as a compact JWS (VC-JWT)."""
    key = signing_key()
    jwk = public_jwk(key.public_key())
    header = {
        "alg": ALG,
        "typ": "JWT",
        "kid": jwk["kid"],
        "jwk": {k: jwk[k] for k in ("kty", "crv", "x")},
    }
    nbf = int(dt.datetime.fromisoformat(credential["validFrom"]).timestamp())
    payload = {**credential, "iss": credential["issuer"]["id"], "jti": credential["id"], "nbf": nbf}
    signing_input = (
        b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    )
    return signing_input + "." + b64url(key.sign(signing_input.encode("ascii")))


def verify(token: str, public_key: Ed25519PublicKey) -> dict[str, Any]:
    """The payload of a VC-JWT whose signature ``public_key`` verifies (raises otherwise)."""
    head, body, signature = token.split(".")
    header = json.loads(b64url_decode(head))
    if header.get("alg") != ALG:
        raise ValueError("unexpected algorithm")
    public_key.verify(b64url_decode(signature), f"{head}.{body}".encode("ascii"))
    payload: dict[str, Any] = json.loads(b64url_decode(body))
    return payload


def public_key_from_jwk(jwk: dict[str, str]) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
