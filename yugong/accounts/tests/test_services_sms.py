from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from tests.helpers import requires_postgres
from tests.race import race
from yugong.accounts.models import SmsCode, User
from yugong.accounts.services import (
    sms_code_hash,
    sms_code_request,
    sms_code_verify_and_login,
    sms_codes_purge,
)
from yugong.core import sms
from yugong.core.errors import PermissionDenied, RateLimited, ValidationFailed
from yugong.core.models import AuditEvent
from yugong.core.pii import blind_index

from .conftest import last_code

pytestmark = pytest.mark.django_db
PHONE = "13800001111"
# The middle of a local hour, far from midnight: the hourly and daily windows cannot roll over.
NOON = dt.datetime(2026, 5, 6, 12, 20, tzinfo=dt.UTC) - dt.timedelta(hours=8)


def test_only_a_keyed_hash_of_the_code_is_stored(send_code: Any) -> None:
    code = send_code(PHONE)
    row = SmsCode.objects.get()
    assert code not in row.code_hash
    assert row.code_hash == sms_code_hash(phone_index=blind_index("phone", PHONE), code=code)
    # Bound to the phone: the same code for another number hashes differently.
    assert row.code_hash != sms_code_hash(phone_index=blind_index("phone", "13900002222"), code=code)
    assert "【渝工】您的登录验证码为" in sms.outbox[-1].text
    assert "5分钟内有效" in sms.outbox[-1].text


def test_sms_is_sent_only_after_commit(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sms_code_request(phone=PHONE, ip=None)
        assert sms.outbox == []
    assert len(callbacks) == 1


def test_phone_is_normalised_and_bad_phone_names_the_field(send_code: Any) -> None:
    send_code("+86 138-0000-1111")
    assert sms.outbox[-1].phone == PHONE
    with pytest.raises(ValidationFailed) as exc:
        sms_code_request(phone="12345", ip=None)
    assert "phone" in exc.value.fields
    assert "手机号" in str(exc.value.fields["phone"][0])


def test_login_creates_worker_once_and_audits(send_code: Any) -> None:
    user = sms_code_verify_and_login(phone=PHONE, code=send_code(), ip="10.0.0.1")
    assert user.username.startswith("w_")
    assert user.phone == PHONE
    assert not user.has_usable_password()
    assert AuditEvent.objects.filter(action="auth.sms_login", actor=user).count() == 1

    with time_machine.travel(timezone.now() + dt.timedelta(seconds=settings.SMS_CODE_RESEND_SECONDS + 1)):
        again = sms_code_verify_and_login(phone=PHONE, code=send_code(), ip="10.0.0.1")
    assert again.pk == user.pk
    assert User.objects.count() == 1


def test_code_works_once(send_code: Any) -> None:
    code = send_code()
    sms_code_verify_and_login(phone=PHONE, code=code, ip=None)
    with pytest.raises(ValidationFailed) as exc:
        sms_code_verify_and_login(phone=PHONE, code=code, ip=None)
    assert "失效" in str(exc.value.fields["code"][0])


def test_expired_code_is_refused(send_code: Any) -> None:
    with time_machine.travel(NOON, tick=False) as traveller:
        code = send_code()
        traveller.shift(settings.SMS_CODE_TTL_SECONDS - 1)
        # still fine one second before the end: prove it with a wrong code (counts an attempt)
        with pytest.raises(ValidationFailed) as exc:
            sms_code_verify_and_login(phone=PHONE, code="000000" if code != "000000" else "111111", ip=None)
        assert "不正确" in str(exc.value.fields["code"][0])
        traveller.shift(2)
        with pytest.raises(ValidationFailed) as exc:
            sms_code_verify_and_login(phone=PHONE, code=code, ip=None)
    assert exc.value.fields["code"] == ["验证码已失效，请重新获取。"]


def test_wrong_tries_burn_the_code(send_code: Any) -> None:
    code = send_code()
    wrong = "000000" if code != "000000" else "111111"
    for n in range(settings.SMS_CODE_MAX_ATTEMPTS):
        with pytest.raises(ValidationFailed) as exc:
            sms_code_verify_and_login(phone=PHONE, code=wrong, ip=None)
        left = settings.SMS_CODE_MAX_ATTEMPTS - n - 1
        if left:
            assert f"还可尝试 {left} 次" in str(exc.value.fields["code"][0])
    # The attempts were committed although every call raised.
    row = SmsCode.objects.get()
    assert row.attempts == settings.SMS_CODE_MAX_ATTEMPTS
    assert row.used_at is not None
    with pytest.raises(ValidationFailed):
        sms_code_verify_and_login(phone=PHONE, code=code, ip=None)  # even the right code now
    assert not User.objects.exists()


def test_new_code_retires_the_old_one(send_code: Any) -> None:
    with time_machine.travel(NOON, tick=False) as traveller:
        first = send_code()
        traveller.shift(settings.SMS_CODE_RESEND_SECONDS + 1)
        second = send_code()
        if first != second:
            with pytest.raises(ValidationFailed):
                sms_code_verify_and_login(phone=PHONE, code=first, ip=None)
        assert sms_code_verify_and_login(phone=PHONE, code=second, ip=None)


def test_malformed_code_names_the_field() -> None:
    with pytest.raises(ValidationFailed) as exc:
        sms_code_verify_and_login(phone=PHONE, code="12ab", ip=None)
    assert exc.value.fields == {"code": ["请输入6位数字验证码。"]}


def test_full_width_code_is_accepted(send_code: Any) -> None:
    code = send_code()
    full = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert sms_code_verify_and_login(phone=PHONE, code=full, ip=None)


def test_resend_gap_says_how_long_to_wait(send_code: Any) -> None:
    with time_machine.travel(NOON, tick=False) as traveller:
        send_code()
        traveller.shift(15)
        with pytest.raises(RateLimited) as exc:
            sms_code_request(phone=PHONE, ip="10.0.0.1")
        assert "45 秒" in str(exc.value.message)
        assert "phone" in exc.value.fields
        traveller.shift(46)
        send_code()
    assert len(sms.outbox) == 2


def test_per_phone_daily_limit(send_code: Any, settings: Any) -> None:
    settings.SMS_CODE_PER_PHONE_PER_DAY = 3
    with time_machine.travel(NOON, tick=False) as traveller:
        for _ in range(3):
            send_code(ip=None)
            traveller.shift(settings.SMS_CODE_RESEND_SECONDS + 1)
        with pytest.raises(RateLimited) as exc:
            sms_code_request(phone=PHONE, ip=None)
        assert "今日" in str(exc.value.message)
        assert "小时" in str(exc.value.message)
        assert "phone" in exc.value.fields
        # Another number is not affected.
        send_code("13900002222", ip=None)
        # The quota is per local (Asia/Shanghai) day.
        traveller.shift(dt.timedelta(hours=12))
        send_code(ip=None)


def test_refused_request_does_not_start_a_resend_gap(send_code: Any, settings: Any) -> None:
    settings.SMS_CODE_PER_IP_PER_HOUR = 1
    with time_machine.travel(NOON, tick=False):
        send_code("13900002222", ip="10.0.0.9")
        with pytest.raises(RateLimited):
            sms_code_request(phone=PHONE, ip="10.0.0.9")
        send_code(PHONE, ip="10.0.0.10")  # same phone, other network: no "wait 60 s" left over


def test_per_ip_hourly_limit(send_code: Any, settings: Any) -> None:
    settings.SMS_CODE_PER_IP_PER_HOUR = 3
    with time_machine.travel(NOON, tick=False) as traveller:
        for n in range(3):
            send_code(f"1380000000{n}", ip="10.0.0.7")
        with pytest.raises(RateLimited) as exc:
            sms_code_request(phone="13800000009", ip="10.0.0.7")
        # 12:20 local: the hour window ends at 13:00.
        assert "40 分钟" in str(exc.value.message)
        assert exc.value.status == 429
        send_code("13800000009", ip="10.0.0.8")
        traveller.shift(dt.timedelta(minutes=41))
        send_code("13800000008", ip="10.0.0.7")


def test_wrong_codes_are_bounded_per_ip_across_phones(send_code: Any, settings: Any) -> None:
    """Five guesses per code is no bound when one address spreads its guesses over many phones."""
    settings.SMS_CODE_GUESSES_PER_IP_PER_HOUR = 12
    phones = [f"1380000010{n}" for n in range(6)]
    with time_machine.travel(NOON, tick=False) as traveller:
        codes = {phone: send_code(phone, ip=f"10.0.1.{n}") for n, phone in enumerate(phones)}
        refused_at = None
        for n in range(6 * 4):
            phone = phones[n % 6]
            wrong = "000000" if codes[phone] != "000000" else "111111"
            try:
                sms_code_verify_and_login(phone=phone, code=wrong, ip="10.0.0.66")
            except RateLimited as exc:
                refused_at = n
                assert getattr(exc, "retry_after", 0) > 0
                break
            except ValidationFailed:
                pass
        assert refused_at == 12
        # The right code from that address waits too; another address is not affected.
        with pytest.raises(RateLimited):
            sms_code_verify_and_login(phone=phones[5], code=codes[phones[5]], ip="10.0.0.66")
        assert sms_code_verify_and_login(phone=phones[5], code=codes[phones[5]], ip="10.0.0.67")
        traveller.shift(dt.timedelta(hours=1))  # the next clock hour: guessing is checked again
        with pytest.raises(ValidationFailed):
            sms_code_verify_and_login(phone=phones[0], code="123456", ip="10.0.0.66")


def test_inactive_worker_cannot_sign_in(send_code: Any) -> None:
    user = sms_code_verify_and_login(phone=PHONE, code=send_code(), ip=None)
    User.objects.filter(pk=user.pk).update(is_active=False)
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
        code = send_code()
        with pytest.raises(PermissionDenied):
            sms_code_verify_and_login(phone=PHONE, code=code, ip=None)


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_one_code_signs_in_once_under_a_race(django_capture_on_commit_callbacks: Any) -> None:
    """Two requests racing with the same right code: the row lock lets exactly one through."""
    sms_code_request(phone=PHONE, ip=None)  # no surrounding transaction: the SMS goes at once
    code = last_code(PHONE)
    got = race(2, lambda _i: sms_code_verify_and_login(phone=PHONE, code=code, ip=None))
    assert not [r for r in got if isinstance(r, Exception) and not isinstance(r, ValidationFailed)], got
    results = ["refused" if isinstance(r, ValidationFailed) else "ok" for r in got]
    assert sorted(results) == ["ok", "refused"]
    assert User.objects.count() == 1


def test_purge_deletes_only_codes_long_expired(send_code: Any) -> None:
    send_code(PHONE)
    fresh = SmsCode.objects.get()
    now = timezone.now()
    old = SmsCode.objects.create(
        phone_index=fresh.phone_index, code_hash="x", expires_at=now - dt.timedelta(hours=25)
    )
    recent = SmsCode.objects.create(
        phone_index=fresh.phone_index, code_hash="y", expires_at=now - dt.timedelta(hours=23)
    )
    assert sms_codes_purge(now=now) == 1
    assert set(SmsCode.objects.values_list("id", flat=True)) == {fresh.id, recent.id}
    assert not SmsCode.objects.filter(id=old.id).exists()
    # The command and a second run find nothing more; the live code still signs in.
    call_command("purge_sms_codes", stdout=io.StringIO())
    assert SmsCode.objects.count() == 2
