"""WeChat Pay API v3 against a local fake speaking the same protocol with keys made in the test:
signatures and decryption against vectors generated here, every call, the bill download."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from yugong.funds.payments import wechatpay_crypto as crypto
from yugong.funds.payments.base import Payer
from yugong.funds.payments.wechatpay import WeChatPayError, WeChatPayProvider
from yugong.funds.payments.wechatpay_bill import BillError, BillRow, yuan_to_fen

from .wechatpay_fake import FakeWeChatPay, make_key


@pytest.fixture(scope="module")
def fake() -> FakeWeChatPay:
    return FakeWeChatPay()


def test_request_signature_vector(fake: FakeWeChatPay) -> None:
    message = crypto.request_message(
        "POST", "/v3/pay/transactions/jsapi", "1554208460", "593BEC0C930BF1AF", '{"a":1}'
    )
    assert message == 'POST\n/v3/pay/transactions/jsapi\n1554208460\n593BEC0C930BF1AF\n{"a":1}\n'
    signature = crypto.sign(fake.merchant_key, message)
    # What any RSA-SHA256 (PKCS#1 v1.5) verifier accepts: check with the raw primitive too.
    fake.merchant_key.public_key().verify(
        base64.b64decode(signature), message.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    assert crypto.verify(fake.merchant_key.public_key(), message, signature)
    assert not crypto.verify(fake.merchant_key.public_key(), message.replace("1}", "2}"), signature)
    assert not crypto.verify(fake.merchant_key.public_key(), message, "not base64!")
    header = crypto.authorization(
        mchid="1900000109", serial_no="ABC", timestamp="1", nonce="N", signature=signature
    )
    assert header.startswith('WECHATPAY2-SHA256-RSA2048 mchid="1900000109",nonce_str="N",signature="')
    assert crypto.parse_authorization(header)["signature"] == signature


def test_resource_decryption_vector(fake: FakeWeChatPay) -> None:
    key = b"0123456789abcdef0123456789abcdef"
    ciphertext = crypto.encrypt(
        key, nonce="fdasflkja484", plaintext=b'{"x":1}', associated_data="transaction"
    )
    assert len(base64.b64decode(ciphertext)) == len(b'{"x":1}') + 16  # ciphertext then the 16-byte tag
    assert (
        crypto.decrypt(key, nonce="fdasflkja484", ciphertext=ciphertext, associated_data="transaction")
        == b'{"x":1}'
    )
    with pytest.raises(crypto.DecryptError):
        crypto.decrypt(b"f" * 32, nonce="fdasflkja484", ciphertext=ciphertext, associated_data="transaction")
    with pytest.raises(crypto.DecryptError):
        crypto.decrypt(key, nonce="fdasflkja484", ciphertext=ciphertext, associated_data="certificate")


def test_jsapi_order_and_pay_sign(fake: FakeWeChatPay) -> None:
    client = fake.client()
    params = client.jsapi(out_trade_no="T1001", description="门票", amount_fen=1990, openid="oUpF8uMuAJO")
    assert fake.trades["T1001"].amount_fen == 1990 and fake.trades["T1001"].kind == "JSAPI"
    assert params["package"].startswith("prepay_id=wx") and params["signType"] == "RSA"
    message = f"{params['appId']}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    assert crypto.verify(fake.merchant_key.public_key(), message, params["paySign"])
    sent = json.loads(fake.requests[-1].content)
    assert sent["amount"] == {"total": 1990, "currency": "CNY"} and sent["payer"] == {"openid": "oUpF8uMuAJO"}


def test_h5_order_query_close(fake: FakeWeChatPay) -> None:
    client = fake.client()
    expires = dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC)
    url = client.h5(
        out_trade_no="T1002", description="年票", amount_fen=500, client_ip="10.1.2.3", expires_at=expires
    )
    assert url.startswith("https://wx.tenpay.com/")
    sent = json.loads(fake.requests[-1].content)
    assert sent["time_expire"] == "2026-12-06T18:00:00+08:00"
    assert sent["scene_info"] == {"payer_client_ip": "10.1.2.3", "h5_info": {"type": "Wap"}}
    assert client.query("T1002")["trade_state"] == "NOTPAY"
    client.close("T1002")
    assert client.query("T1002")["trade_state"] == "CLOSED"
    with pytest.raises(WeChatPayError) as err:
        client.query("NOPE")
    assert err.value.status == 404 and err.value.code == "ORDER_NOT_EXIST"


def test_refund_is_idempotent_per_refund_number(fake: FakeWeChatPay) -> None:
    client = fake.client()
    client.h5(out_trade_no="T1003", description="x", amount_fen=800, client_ip="1.1.1.1")
    fake.pay("T1003")
    first = client.refund(out_trade_no="T1003", out_refund_no="R1", refund_fen=300, total_fen=800)
    again = client.refund(out_trade_no="T1003", out_refund_no="R1", refund_fen=300, total_fen=800)
    assert first["refund_id"] == again["refund_id"] and fake.trades["T1003"].refunded_fen == 300
    with pytest.raises(WeChatPayError):  # more than what is left
        client.refund(out_trade_no="T1003", out_refund_no="R2", refund_fen=600, total_fen=800)


def test_a_wrong_merchant_key_is_refused_by_the_gateway(fake: FakeWeChatPay) -> None:
    client = fake.client(private_key=make_key())
    with pytest.raises(WeChatPayError) as err:
        client.query("T1001")
    assert err.value.status == 401 and err.value.code == "SIGN_ERROR"


def test_a_response_with_a_bad_signature_is_not_trusted() -> None:
    fake = FakeWeChatPay(tamper_responses=True)
    with pytest.raises(WeChatPayError) as err:
        fake.client().h5(out_trade_no="T1", description="x", amount_fen=1, client_ip="1.1.1.1")
    assert err.value.code == "BAD_RESPONSE_SIGNATURE"
    other = FakeWeChatPay()
    # Signed, but by a certificate we do not hold.
    with pytest.raises(WeChatPayError):
        other.client(platform_keys={}).h5(
            out_trade_no="T1", description="x", amount_fen=1, client_ip="1.1.1.1"
        )


def test_notification_verified_and_decrypted(fake: FakeWeChatPay) -> None:
    provider = WeChatPayProvider(fake.client())
    result = provider.create(provider_ref="T2001", amount_fen=4200, subject="包场", payer=Payer(openid="o1"))
    assert result.params["package"].startswith("prepay_id=")
    body, headers = fake.pay("T2001")
    notice = provider.parse(body=body, headers=headers)
    assert notice is not None and notice.status == "succeeded" and notice.amount_fen == 4200
    assert notice.provider_ref == "T2001" and notice.event_id.startswith("EV-")
    assert "payer" not in notice.payload  # the payer's openid is not kept
    # Tampered body, wrong serial, an old timestamp, the wrong APIv3 key: all refused.
    assert provider.parse(body=body.replace(b"EV-", b"EX-"), headers=headers) is None
    assert provider.parse(body=body, headers=headers | {"Wechatpay-Serial": "00"}) is None
    old_body, old_headers = fake.notification(
        fake.transaction(fake.trades["T2001"]),
        event_type="TRANSACTION.SUCCESS",
        timestamp=int(time.time()) - 3600,
    )
    assert provider.parse(body=old_body, headers=old_headers) is None
    bad_body, bad_headers = fake.notification(
        fake.transaction(fake.trades["T2001"]), event_type="TRANSACTION.SUCCESS", key=b"k" * 32
    )
    assert provider.parse(body=bad_body, headers=bad_headers) is None
    fail_body, fail_headers = FakeWeChatPay.pay(fake, "T2001", success=False)
    failed = provider.parse(body=fail_body, headers=fail_headers)
    assert failed is not None and failed.status == "failed"


def test_provider_h5_and_refund(fake: FakeWeChatPay) -> None:
    provider = WeChatPayProvider(fake.client())
    result = provider.create(
        provider_ref="T2002", amount_fen=100, subject="x", payer=Payer(client_ip="2.2.2.2")
    )
    assert result.pay_url.startswith("https://wx.tenpay.com/") and not result.immediate
    fake.pay("T2002")
    provider.refund(provider_ref="T2002", amount_fen=100, total_fen=100)
    provider.refund(provider_ref="T2002", amount_fen=100, total_fen=100)  # a retry: the same refund
    assert fake.trades["T2002"].refunded_fen == 100


def test_trade_bill_download_streams_and_checks_the_hash(fake: FakeWeChatPay) -> None:
    day = dt.date(2026, 12, 5)
    rows = [
        BillRow("2026-12-05 10:00:00", f"42{i:026d}", f"T{i}", "SUCCESS", 1234 + i, "", "", 0, 7)
        for i in range(50)
    ] + [BillRow("2026-12-05 11:00:00", "4299", "T3", "REFUND", 0, "5099", "R1", 500, 0)]
    fake.put_bill(day, rows)
    got = list(fake.client().trade_bill(day))
    assert got == rows
    fake.bills[day.isoformat()] = fake.bills[day.isoformat()].replace(b"`T1,", b"`T9,")
    client = fake.client()
    original = client._call

    def stale_hash(*args: object, **kwargs: object) -> object:
        info = original(*args, **kwargs)  # type: ignore[arg-type]
        return info | {"hash_value": "0" * 40}

    client._call = stale_hash  # type: ignore[method-assign]
    with pytest.raises(BillError):
        list(client.trade_bill(day))


def test_yuan_to_fen() -> None:
    assert yuan_to_fen("`12.30") == 1230 and yuan_to_fen("0.01") == 1 and yuan_to_fen("-5") == -500
    assert yuan_to_fen("") == 0
    with pytest.raises(BillError):
        yuan_to_fen("1.234")


def test_configuration_from_the_environment(settings: object, fake: FakeWeChatPay) -> None:
    from yugong.funds.checks import payment_gateway_check
    from yugong.funds.payments.wechatpay import WeChatPayConfig

    from .wechatpay_fake import pem_cert, pem_private

    s = settings
    s.PAYMENT_GATEWAY = "wechatpay"  # type: ignore[attr-defined]
    s.WECHATPAY_MCHID = fake.mchid  # type: ignore[attr-defined]
    s.WECHATPAY_APPID = fake.appid  # type: ignore[attr-defined]
    s.WECHATPAY_SERIAL_NO = fake.merchant_serial  # type: ignore[attr-defined]
    s.WECHATPAY_PRIVATE_KEY = pem_private(fake.merchant_key)  # type: ignore[attr-defined]
    s.WECHATPAY_APIV3_KEY = fake.apiv3_key.decode()  # type: ignore[attr-defined]
    s.WECHATPAY_PLATFORM_CERTS = pem_cert(fake.platform_cert)  # type: ignore[attr-defined]
    s.WECHATPAY_NOTIFY_URL = "https://yugong.example.org/notify"  # type: ignore[attr-defined]
    assert payment_gateway_check() == []
    config = WeChatPayConfig.from_settings()
    assert config.mchid == fake.mchid and fake.platform_serial in config.platform_keys
    s.WECHATPAY_APIV3_KEY = "short"  # type: ignore[attr-defined]
    assert [e.id for e in payment_gateway_check()] == ["funds.E002"]
    s.PAYMENT_GATEWAY = "sim"  # type: ignore[attr-defined]
    s.DEBUG = False  # type: ignore[attr-defined]
    assert [e.id for e in payment_gateway_check()] == ["funds.E001"]
