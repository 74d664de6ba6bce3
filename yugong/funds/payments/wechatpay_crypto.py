"""The cryptography of WeChat Pay API v3 (微信支付 APIv3), as published:

* request signature: RSA-SHA256 (PKCS#1 v1.5) with the merchant's private key over
  ``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n``, sent as
  ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"``;
* response and notification signature: RSA-SHA256 by the WeChat Pay platform certificate over
  ``TIMESTAMP\\nNONCE\\nBODY\\n`` (headers ``Wechatpay-Timestamp``, ``Wechatpay-Nonce``,
  ``Wechatpay-Signature``, ``Wechatpay-Serial``);
* encrypted resources (notifications, downloaded certificates): AEAD_AES_256_GCM with the
  32-byte APIv3 key, the resource's ``nonce`` and ``associated_data``; ``ciphertext`` is base64 of
  the encrypted bytes followed by the 16-byte tag;
* the JSAPI pay sign: RSA-SHA256 over ``APPID\\nTIMESTAMP\\nNONCE\\nprepay_id=…\\n``.
"""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

AUTH_SCHEMA = "WECHATPAY2-SHA256-RSA2048"


class DecryptError(ValueError):
    pass


def _pem(value: str) -> bytes:
    """PEM text, or the path of a file holding it."""
    text = value.strip()
    if text.startswith("-----BEGIN"):
        return text.encode()
    return Path(text).read_bytes()


def load_private_key(value: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(_pem(value), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the WeChat Pay merchant key must be an RSA private key")
    return key


def load_certificates(value: str) -> dict[str, rsa.RSAPublicKey]:
    """Platform certificates by serial number (upper-case hex, as in ``Wechatpay-Serial``).
    ``value``: PEM text with one or more certificates, or file paths separated by commas."""
    blobs: list[bytes] = []
    text = value.strip()
    if text.startswith("-----BEGIN"):
        blobs.append(text.encode())
    else:
        blobs.extend(_pem(part) for part in text.split(",") if part.strip())
    out: dict[str, rsa.RSAPublicKey] = {}
    for blob in blobs:
        for cert in x509.load_pem_x509_certificates(blob):
            key = cert.public_key()
            if isinstance(key, rsa.RSAPublicKey):
                out[serial_of(cert)] = key
    return out


def serial_of(cert: x509.Certificate) -> str:
    return f"{cert.serial_number:X}"


def sign(private_key: rsa.RSAPrivateKey, message: str) -> str:
    return base64.b64encode(private_key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def verify(public_key: rsa.RSAPublicKey, message: str, signature: str) -> bool:
    try:
        public_key.verify(
            base64.b64decode(signature, validate=True), message.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def request_message(method: str, path: str, timestamp: str, nonce: str, body: str) -> str:
    return f"{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n"


def response_message(timestamp: str, nonce: str, body: str) -> str:
    return f"{timestamp}\n{nonce}\n{body}\n"


def authorization(*, mchid: str, serial_no: str, timestamp: str, nonce: str, signature: str) -> str:
    return (
        f'{AUTH_SCHEMA} mchid="{mchid}",nonce_str="{nonce}",signature="{signature}",'
        f'timestamp="{timestamp}",serial_no="{serial_no}"'
    )


def parse_authorization(header: str) -> dict[str, str]:
    """The fields of an ``Authorization`` header (the fake gateway checks requests with it)."""
    schema, _, rest = header.partition(" ")
    if schema != AUTH_SCHEMA:
        return {}
    out: dict[str, str] = {}
    for part in rest.split(","):
        name, _, value = part.strip().partition("=")
        out[name] = value.strip('"')
    return out


def decrypt(apiv3_key: bytes, *, nonce: str, ciphertext: str, associated_data: str) -> bytes:
    try:
        return AESGCM(apiv3_key).decrypt(
            nonce.encode(), base64.b64decode(ciphertext), associated_data.encode()
        )
    except (InvalidTag, ValueError) as exc:
        raise DecryptError("the resource does not decrypt with the APIv3 key") from exc


def encrypt(apiv3_key: bytes, *, nonce: str, plaintext: bytes, associated_data: str) -> str:
    """The gateway's side (the tests' fake): base64 of ciphertext + tag."""
    return base64.b64encode(
        AESGCM(apiv3_key).encrypt(nonce.encode(), plaintext, associated_data.encode())
    ).decode()
