"""A local WeChat Pay API v3 that speaks the published protocol, for the tests (and the benchmark):
keys generated here, requests checked (the merchant's signature over the exact method, path,
timestamp, nonce and body), responses and notifications signed with a platform certificate made
here, notification resources encrypted with the APIv3 key. Plug it into the client with
``httpx.MockTransport(fake.handle)``; no network."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from yugong.funds.payments import wechatpay_crypto as crypto
from yugong.funds.payments.wechatpay import WeChatPayClient, WeChatPayConfig
from yugong.funds.payments.wechatpay_bill import BillRow, write_bill

API_BASE = "https://api.mch.weixin.qq.com"


def make_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_certificate(key: rsa.RSAPrivateKey, serial: int) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA (test)")])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )


def pem_private(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def pem_cert(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@dataclass
class Trade:
    out_trade_no: str
    amount_fen: int
    kind: str
    openid: str = ""
    state: str = "NOTPAY"
    transaction_id: str = ""
    refunded_fen: int = 0


@dataclass
class FakeWeChatPay:
    mchid: str = "1900000109"
    appid: str = "wxd678efh567hg6787"
    merchant_serial: str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
    merchant_key: rsa.RSAPrivateKey = field(default_factory=make_key)
    platform_key: rsa.RSAPrivateKey = field(default_factory=make_key)
    apiv3_key: bytes = field(default_factory=lambda: secrets.token_hex(16).encode())
    trades: dict[str, Trade] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    bills: dict[str, bytes] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    tamper_responses: bool = False

    def __post_init__(self) -> None:
        self.platform_cert = make_certificate(self.platform_key, secrets.randbits(64) | 1)
        self.platform_serial = crypto.serial_of(self.platform_cert)

    # --- the merchant's side ---------------------------------------------------------------

    def config(self, **overrides: Any) -> WeChatPayConfig:
        values: dict[str, Any] = {
            "mchid": self.mchid,
            "appid": self.appid,
            "serial_no": self.merchant_serial,
            "private_key": self.merchant_key,
            "apiv3_key": self.apiv3_key,
            "platform_keys": crypto.load_certificates(pem_cert(self.platform_cert)),
            "notify_url": "https://yugong.example.org/api/v1/tourism/payments/notify/wechatpay",
            "api_base": API_BASE,
        }
        values.update(overrides)
        return WeChatPayConfig(**values)

    def client(self, **overrides: Any) -> WeChatPayClient:
        return WeChatPayClient(self.config(**overrides), transport=httpx.MockTransport(self.handle))

    # --- signing as the platform -----------------------------------------------------------

    def signed_headers(self, body: str, *, timestamp: int | None = None) -> dict[str, str]:
        ts, nonce = str(timestamp if timestamp is not None else int(time.time())), secrets.token_hex(16)
        signature = crypto.sign(self.platform_key, crypto.response_message(ts, nonce, body))
        return {
            "Wechatpay-Timestamp": ts,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": signature,
            "Wechatpay-Serial": self.platform_serial,
            "Request-ID": secrets.token_hex(8),
        }

    def _json(self, status: int, data: dict[str, Any] | None) -> httpx.Response:
        body = json.dumps(data, ensure_ascii=False) if data is not None else ""
        headers = self.signed_headers(body)
        if self.tamper_responses and data is not None:
            body = body.replace("}", ',"x":1}', 1)
        if body:
            headers["Content-Type"] = "application/json"
        return httpx.Response(status, content=body.encode(), headers=headers)

    def _error(self, status: int, code: str, message: str) -> httpx.Response:
        return self._json(status, {"code": code, "message": message})

    # --- notifications ---------------------------------------------------------------------

    def transaction(self, trade: Trade) -> dict[str, Any]:
        data: dict[str, Any] = {
            "appid": self.appid,
            "mchid": self.mchid,
            "out_trade_no": trade.out_trade_no,
            "trade_type": trade.kind,
            "trade_state": trade.state,
            "trade_state_desc": trade.state,
            "amount": {"total": trade.amount_fen, "currency": "CNY"},
        }
        if trade.transaction_id:
            data |= {
                "transaction_id": trade.transaction_id,
                "bank_type": "OTHERS",
                "success_time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "payer": {"openid": trade.openid or "o-h5-payer"},
                "amount": {
                    "total": trade.amount_fen,
                    "payer_total": trade.amount_fen,
                    "currency": "CNY",
                    "payer_currency": "CNY",
                },
            }
        return data

    def pay(self, out_trade_no: str, *, success: bool = True) -> tuple[bytes, dict[str, str]]:
        """The payer pays (or fails): the trade changes and the notification WeChat Pay would POST."""
        trade = self.trades[out_trade_no]
        if success:
            trade.state = "SUCCESS"
            trade.transaction_id = trade.transaction_id or f"4200{secrets.randbelow(10**24):024d}"
        else:
            trade.state = "PAYERROR"
        return self.notification(
            self.transaction(trade), event_type="TRANSACTION.SUCCESS" if success else "TRANSACTION.FAIL"
        )

    def notification(
        self,
        resource: dict[str, Any],
        *,
        event_type: str,
        timestamp: int | None = None,
        key: bytes | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        nonce = secrets.token_hex(6)
        envelope = {
            "id": f"EV-{secrets.token_hex(12)}",
            "create_time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "支付成功",
            "resource": {
                "original_type": "transaction",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": crypto.encrypt(
                    key or self.apiv3_key,
                    nonce=nonce,
                    plaintext=json.dumps(resource, ensure_ascii=False).encode(),
                    associated_data="transaction",
                ),
                "associated_data": "transaction",
                "nonce": nonce,
            },
        }
        body = json.dumps(envelope, ensure_ascii=False)
        return body.encode(), self.signed_headers(body, timestamp=timestamp)

    # --- the bill ----------------------------------------------------------------------------

    def put_bill(self, day: dt.date, rows: list[BillRow]) -> None:
        out = io.StringIO()
        write_bill(rows, out)
        self.bills[day.isoformat()] = out.getvalue().encode()

    # --- the API -----------------------------------------------------------------------------

    def _authorised(self, request: httpx.Request) -> bool:
        fields = crypto.parse_authorization(request.headers.get("Authorization", ""))
        if fields.get("mchid") != self.mchid or fields.get("serial_no") != self.merchant_serial:
            return False
        message = crypto.request_message(
            request.method,
            request.url.raw_path.decode(),
            fields.get("timestamp", ""),
            fields.get("nonce_str", ""),
            request.content.decode(),
        )
        return crypto.verify(self.merchant_key.public_key(), message, fields.get("signature", ""))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self._authorised(request):
            return self._error(401, "SIGN_ERROR", "签名错误")
        path = request.url.path
        query = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        data = json.loads(request.content) if request.content else {}
        if request.method == "POST" and path in ("/v3/pay/transactions/jsapi", "/v3/pay/transactions/h5"):
            return self._create(path.rsplit("/", 1)[1].upper(), data)
        if path.startswith("/v3/pay/transactions/out-trade-no/"):
            rest = path.removeprefix("/v3/pay/transactions/out-trade-no/")
            if request.method == "POST" and rest.endswith("/close"):
                return self._close(rest.removesuffix("/close"), data)
            if request.method == "GET":
                trade = self.trades.get(rest)
                if trade is None or query.get("mchid") != self.mchid:
                    return self._error(404, "ORDER_NOT_EXIST", "订单不存在")
                return self._json(200, self.transaction(trade))
        if request.method == "POST" and path == "/v3/refund/domestic/refunds":
            return self._refund(data)
        if request.method == "GET" and path == "/v3/bill/tradebill":
            bill = self.bills.get(query.get("bill_date", ""))
            if bill is None:
                return self._error(400, "NO_STATEMENT_EXIST", "账单文件不存在")
            token = query["bill_date"]
            return self._json(
                200,
                {
                    "hash_type": "SHA1",
                    "hash_value": hashlib.sha1(bill).hexdigest(),  # noqa: S324 - the protocol's hash
                    "download_url": f"{API_BASE}/v3/billdownload/file?token={token}",
                },
            )
        if request.method == "GET" and path == "/v3/billdownload/file":
            bill = self.bills.get(query.get("token", ""))
            if bill is None:
                return self._error(400, "INVALID_REQUEST", "参数错误")
            return httpx.Response(200, content=bill, headers={"Content-Type": "application/octet-stream"})
        return self._error(404, "NOT_FOUND", "no such API")

    def _create(self, kind: str, data: dict[str, Any]) -> httpx.Response:
        required = ["appid", "mchid", "description", "out_trade_no", "notify_url"]
        if any(not data.get(k) for k in required) or not isinstance(
            (data.get("amount") or {}).get("total"), int
        ):
            return self._error(400, "PARAM_ERROR", "参数错误")
        if kind == "JSAPI" and not (data.get("payer") or {}).get("openid"):
            return self._error(400, "PARAM_ERROR", "payer.openid 为必填")
        if kind == "H5" and not ((data.get("scene_info") or {}).get("h5_info") or {}).get("type"):
            return self._error(400, "PARAM_ERROR", "scene_info.h5_info 为必填")
        if data["appid"] != self.appid or data["mchid"] != self.mchid:
            return self._error(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
        no = data["out_trade_no"]
        existing = self.trades.get(no)
        if existing is not None and existing.state == "SUCCESS":
            return self._error(400, "ORDERPAID", "该订单已支付")
        self.trades[no] = Trade(
            no, data["amount"]["total"], kind, (data.get("payer") or {}).get("openid", "")
        )
        prepay_id = f"wx{secrets.token_hex(14)}"
        if kind == "JSAPI":
            return self._json(200, {"prepay_id": prepay_id})
        return self._json(
            200,
            {
                "h5_url": f"https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={prepay_id}&package=1"
            },
        )

    def _close(self, no: str, data: dict[str, Any]) -> httpx.Response:
        trade = self.trades.get(no)
        if trade is None or data.get("mchid") != self.mchid:
            return self._error(404, "ORDER_NOT_EXIST", "订单不存在")
        if trade.state == "SUCCESS":
            return self._error(400, "ORDERPAID", "订单已支付")
        trade.state = "CLOSED"
        return self._json(204, None)

    def _refund(self, data: dict[str, Any]) -> httpx.Response:
        trade = self.trades.get(str(data.get("out_trade_no", "")))
        amount = data.get("amount") or {}
        if trade is None:
            return self._error(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        if trade.state not in ("SUCCESS", "REFUND"):
            return self._error(400, "INVALID_REQUEST", "订单未支付")
        no = str(data.get("out_refund_no", ""))
        if no in self.refunds:
            return self._json(200, self.refunds[no])
        if (
            amount.get("total") != trade.amount_fen
            or not 0 < int(amount.get("refund", 0)) <= trade.amount_fen - trade.refunded_fen
        ):
            return self._error(400, "INVALID_REQUEST", "退款金额不正确")
        trade.refunded_fen += int(amount["refund"])
        trade.state = "REFUND"
        refund = {
            "refund_id": f"5030{secrets.randbelow(10**24):024d}",
            "out_refund_no": no,
            "transaction_id": trade.transaction_id,
            "out_trade_no": trade.out_trade_no,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "status": "PROCESSING",
            "amount": {
                "total": trade.amount_fen,
                "refund": int(amount["refund"]),
                "payer_total": trade.amount_fen,
                "payer_refund": int(amount["refund"]),
                "currency": "CNY",
            },
        }
        self.refunds[no] = refund
        return self._json(200, refund)
