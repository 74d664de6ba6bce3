"""WeChat Pay API v3 (微信支付 APIv3, direct merchant): JSAPI and H5 orders, the signed payment
notification (verified with the platform certificate, its AES-256-GCM resource decrypted with the
APIv3 key), query, close, refund and the daily trade bill. Crypto in :mod:`.wechatpay_crypto`, the
bill file in :mod:`.wechatpay_bill`.

Keys and ids come from the environment (``WECHATPAY_*``, README). Every response WeChat Pay sends is
signed too: the client refuses a response whose signature does not verify (a man in the middle
cannot fake "paid"). Network calls happen outside database transactions (the services call
``create`` after commit of the pending payment and ``refund`` ``on_commit``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlencode, urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.utils.translation import gettext as _

from yugong.core.timeutil import SHANGHAI
from yugong.core.validators import is_ascii_digits

from . import wechatpay_crypto as crypto
from .base import CreateResult, Notice, Payer
from .wechatpay_bill import BillError, BillRow, read_bill

# A notification older (or newer) than this is refused: a replayed old notice cannot be used.
NOTIFY_MAX_SKEW_SECONDS = 300


class WeChatPayError(Exception):
    """WeChat Pay answered an error (``code``/``message`` from its body) or could not be trusted."""

    def __init__(self, status: int, code: str, message: str = "") -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class WeChatPayConfig:
    mchid: str
    appid: str
    serial_no: str
    private_key: rsa.RSAPrivateKey
    apiv3_key: bytes
    platform_keys: Mapping[str, rsa.RSAPublicKey]
    notify_url: str
    api_base: str = "https://api.mch.weixin.qq.com"
    timeout: float = 10.0

    @classmethod
    def from_settings(cls) -> WeChatPayConfig:
        return cls(
            mchid=str(settings.WECHATPAY_MCHID or ""),
            appid=str(settings.WECHATPAY_APPID or ""),
            serial_no=str(settings.WECHATPAY_SERIAL_NO or ""),
            private_key=crypto.load_private_key(str(settings.WECHATPAY_PRIVATE_KEY or "")),
            apiv3_key=str(settings.WECHATPAY_APIV3_KEY).encode(),
            platform_keys=crypto.load_certificates(str(settings.WECHATPAY_PLATFORM_CERTS or "")),
            notify_url=str(settings.WECHATPAY_NOTIFY_URL or ""),
            api_base=str(settings.WECHATPAY_API_BASE or ""),
            timeout=float(settings.WECHATPAY_TIMEOUT_SECONDS),
        )


def rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


def _nonce() -> str:
    return secrets.token_hex(16).upper()


class WeChatPayClient:
    def __init__(self, config: WeChatPayConfig, *, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        self._http = httpx.Client(base_url=config.api_base, timeout=config.timeout, transport=transport)

    # --- signing and verifying -------------------------------------------------------------

    def _authorization(self, method: str, path: str, body: str) -> str:
        timestamp, nonce = str(int(time.time())), _nonce()
        signature = crypto.sign(
            self.config.private_key, crypto.request_message(method, path, timestamp, nonce, body)
        )
        return crypto.authorization(
            mchid=self.config.mchid,
            serial_no=self.config.serial_no,
            timestamp=timestamp,
            nonce=nonce,
            signature=signature,
        )

    def verify(self, headers: Mapping[str, str], body: str, *, max_skew: int | None = None) -> bool:
        """A response or notification signed by a platform certificate we hold."""
        lower = {k.lower(): v for k, v in headers.items()}
        timestamp = lower.get("wechatpay-timestamp", "")
        nonce = lower.get("wechatpay-nonce", "")
        signature = lower.get("wechatpay-signature", "")
        key = self.config.platform_keys.get(lower.get("wechatpay-serial", "").upper())
        if key is None or not is_ascii_digits(timestamp) or not nonce or not signature:
            return False
        if max_skew is not None and abs(time.time() - int(timestamp)) > max_skew:
            return False
        return crypto.verify(key, crypto.response_message(timestamp, nonce, body), signature)

    def _call(
        self,
        method: str,
        path: str,
        *,
        payload: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
    ) -> Any:
        if query:
            path = f"{path}?{urlencode(query)}"
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")) if payload is not None else ""
        headers = {
            "Authorization": self._authorization(method, path, body),
            "Accept": "application/json",
            "User-Agent": "yugong-wechatpay/1",
        }
        if payload is not None:
            headers["Content-Type"] = "application/json"
        response = self._http.request(method, path, content=body.encode() if body else None, headers=headers)
        text = response.text
        if response.status_code >= 400:
            try:
                data = response.json()
            except ValueError:
                data = {}
            raise WeChatPayError(
                response.status_code, str(data.get("code", "HTTP_ERROR")), str(data.get("message", ""))
            )
        if not self.verify(response.headers, text):
            raise WeChatPayError(
                response.status_code, "BAD_RESPONSE_SIGNATURE", "response signature does not verify"
            )
        return response.json() if text else None

    # --- orders ----------------------------------------------------------------------------

    def _order(
        self, out_trade_no: str, description: str, amount_fen: int, expires_at: dt.datetime | None
    ) -> dict[str, Any]:
        order: dict[str, Any] = {
            "appid": self.config.appid,
            "mchid": self.config.mchid,
            "description": description[:127],
            "out_trade_no": out_trade_no,
            "notify_url": self.config.notify_url,
            "amount": {"total": int(amount_fen), "currency": "CNY"},
        }
        if expires_at is not None:
            order["time_expire"] = rfc3339(expires_at)
        return order

    def jsapi(
        self,
        *,
        out_trade_no: str,
        description: str,
        amount_fen: int,
        openid: str,
        expires_at: dt.datetime | None = None,
    ) -> dict[str, str]:
        """A JSAPI (公众号) order; returns what the page passes to ``WeixinJSBridge.invoke('getBrandWCPayRequest', …)``."""
        payload = self._order(out_trade_no, description, amount_fen, expires_at) | {
            "payer": {"openid": openid}
        }
        prepay_id = str(self._call("POST", "/v3/pay/transactions/jsapi", payload=payload)["prepay_id"])
        return self.jsapi_params(prepay_id)

    def jsapi_params(self, prepay_id: str) -> dict[str, str]:
        timestamp, nonce, package = str(int(time.time())), _nonce(), f"prepay_id={prepay_id}"
        message = f"{self.config.appid}\n{timestamp}\n{nonce}\n{package}\n"
        return {
            "appId": self.config.appid,
            "timeStamp": timestamp,
            "nonceStr": nonce,
            "package": package,
            "signType": "RSA",
            "paySign": crypto.sign(self.config.private_key, message),
        }

    def h5(
        self,
        *,
        out_trade_no: str,
        description: str,
        amount_fen: int,
        client_ip: str,
        expires_at: dt.datetime | None = None,
    ) -> str:
        """An H5 order (a phone browser outside WeChat); returns the ``h5_url`` to send the payer to."""
        payload = self._order(out_trade_no, description, amount_fen, expires_at) | {
            "scene_info": {"payer_client_ip": client_ip or "127.0.0.1", "h5_info": {"type": "Wap"}}
        }
        return str(self._call("POST", "/v3/pay/transactions/h5", payload=payload)["h5_url"])

    def query(self, out_trade_no: str) -> dict[str, Any]:
        result = self._call(
            "GET", f"/v3/pay/transactions/out-trade-no/{out_trade_no}", query={"mchid": self.config.mchid}
        )
        return dict(result)

    def close(self, out_trade_no: str) -> None:
        self._call(
            "POST",
            f"/v3/pay/transactions/out-trade-no/{out_trade_no}/close",
            payload={"mchid": self.config.mchid},
        )

    def refund(
        self, *, out_trade_no: str, out_refund_no: str, refund_fen: int, total_fen: int, reason: str = ""
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "out_trade_no": out_trade_no,
            "out_refund_no": out_refund_no,
            "amount": {"refund": int(refund_fen), "total": int(total_fen), "currency": "CNY"},
        }
        if reason:
            payload["reason"] = reason[:80]
        if self.config.notify_url:
            payload["notify_url"] = self.config.notify_url
        return dict(self._call("POST", "/v3/refund/domestic/refunds", payload=payload))

    # --- notifications ---------------------------------------------------------------------

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any] | None:
        """The decrypted resource of a notification (a transaction or a refund) with the event's
        ``id`` and ``event_type`` added, or None when the signature, the age or the decryption
        fails. WeChat Pay signs the exact bytes it sends: verify before parsing."""
        try:
            text = body.decode()
        except UnicodeDecodeError:
            return None
        if not self.verify(headers, text, max_skew=NOTIFY_MAX_SKEW_SECONDS):
            return None
        try:
            envelope = json.loads(text)
            resource = envelope["resource"]
            if resource.get("algorithm") != "AEAD_AES_256_GCM":
                return None
            plain = crypto.decrypt(
                self.config.apiv3_key,
                nonce=str(resource["nonce"]),
                ciphertext=str(resource["ciphertext"]),
                associated_data=str(resource.get("associated_data", "")),
            )
            data = dict(json.loads(plain))
        except (ValueError, KeyError, TypeError, AttributeError, crypto.DecryptError):
            return None
        data["_event_id"] = str(envelope.get("id", ""))
        data["_event_type"] = str(envelope.get("event_type", ""))
        return data

    # --- the daily bill --------------------------------------------------------------------

    def trade_bill(self, bill_date: dt.date, *, bill_type: str = "ALL") -> Iterator[BillRow]:
        """Rows of the day's trade bill, streamed: the file is written to a spooled temporary file
        while its SHA1 is computed (checked against ``hash_value``), then read line by line."""
        with tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024) as spool:
            self.trade_bill_download(bill_date, spool, bill_type=bill_type)
            spool.seek(0)
            yield from read_bill(iter(lambda: spool.read(1 << 20), b""))

    def trade_bill_download(self, bill_date: dt.date, out: IO[bytes], *, bill_type: str = "ALL") -> None:
        """Write the day's trade bill file to ``out`` (chunk by chunk), its SHA1 checked against
        the ``hash_value`` the bill API gave; a mismatch raises :class:`BillError`."""
        info = self._call(
            "GET", "/v3/bill/tradebill", query={"bill_date": bill_date.isoformat(), "bill_type": bill_type}
        )
        url = urlsplit(str(info["download_url"]))
        path = url.path + (f"?{url.query}" if url.query else "")
        headers = {"Authorization": self._authorization("GET", path, ""), "User-Agent": "yugong-wechatpay/1"}
        digest = hashlib.sha1()  # noqa: S324 - the hash WeChat Pay publishes for the bill file
        with self._http.stream("GET", path, headers=headers) as response:
            if response.status_code >= 400:
                raise WeChatPayError(response.status_code, "BILL_DOWNLOAD_FAILED")
            for chunk in response.iter_bytes():
                digest.update(chunk)
                out.write(chunk)
        expected = str(info.get("hash_value", ""))
        if expected and digest.hexdigest().lower() != expected.lower():
            raise BillError(_("账单文件的 SHA1 校验值与 hash_value 不符，文件不完整或被改动。"))


class WeChatPayProvider:
    """WeChat Pay behind the scenario-facing :class:`~.base.Provider` interface. JSAPI when the
    payer has an openid (inside WeChat), H5 otherwise."""

    name = "wechatpay"

    def __init__(self, client: WeChatPayClient | None = None) -> None:
        self._client = client

    @property
    def client(self) -> WeChatPayClient:
        if self._client is None:
            self._client = WeChatPayClient(WeChatPayConfig.from_settings())
        return self._client

    def create(
        self, *, provider_ref: str, amount_fen: int, subject: str, payer: Payer | None = None
    ) -> CreateResult:
        payer = payer or Payer()
        if payer.openid:
            params = self.client.jsapi(
                out_trade_no=provider_ref, description=subject, amount_fen=amount_fen, openid=payer.openid
            )
            return CreateResult(params=params)
        url = self.client.h5(
            out_trade_no=provider_ref, description=subject, amount_fen=amount_fen, client_ip=payer.client_ip
        )
        return CreateResult(pay_url=url)

    def refund(self, *, provider_ref: str, amount_fen: int, total_fen: int | None = None) -> None:
        # The refund number is derived from the payment and the amount, so a retried refund call
        # is the same refund to WeChat Pay (it answers with the first one), never a second.
        self.client.refund(
            out_trade_no=provider_ref,
            out_refund_no=f"R{provider_ref}-{amount_fen}"[:64],
            refund_fen=amount_fen,
            total_fen=total_fen if total_fen is not None else amount_fen,
        )

    def parse(self, *, body: bytes, headers: Mapping[str, str]) -> Notice | None:
        data = self.client.parse_notification(headers, body)
        if data is None or "out_trade_no" not in data or "trade_state" not in data:
            return None
        state = str(data["trade_state"])
        if state not in ("SUCCESS", "PAYERROR", "CLOSED", "REVOKED"):
            return None  # NOTPAY / USERPAYING / REFUND: nothing to settle from this notice
        return Notice(
            event_id=str(data.get("_event_id") or data.get("transaction_id", ""))[:64],
            provider_ref=str(data["out_trade_no"])[:64],
            status="succeeded" if state == "SUCCESS" else "failed",
            amount_fen=int((data.get("amount") or {}).get("total", 0)),
            payload={k: v for k, v in data.items() if k != "payer"},
        )
