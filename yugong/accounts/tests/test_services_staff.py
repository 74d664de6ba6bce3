from __future__ import annotations

import datetime as dt
from typing import Any

import pyotp
import pytest
import time_machine

from tests.helpers import UserFactory
from yugong.accounts.models import TotpDevice, User
from yugong.accounts.services import (
    staff_login_password,
    staff_login_totp,
    totp_confirm,
    totp_disable,
    totp_setup_begin,
)
from yugong.core.errors import Conflict, RateLimited, ValidationFailed
from yugong.core.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
T0 = dt.datetime(2026, 5, 6, 4, 0, 10, tzinfo=dt.UTC)


@pytest.fixture
def staff(db: Any) -> User:
    return UserFactory(username="li.xiaomei", is_staff=True)


@pytest.fixture
def limits(settings: Any) -> Any:
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_LOCKOUT_SECONDS = 900
    return settings


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def test_password_login_succeeds_and_is_audited(staff: User) -> None:
    user, needs_totp = staff_login_password(username="li.xiaomei", password=PASSWORD, ip="10.1.1.1")
    assert user == staff
    assert needs_totp is False
    assert _actions() == ["auth.login"]


def test_wrong_password_names_the_field_and_is_audited(staff: User) -> None:
    with pytest.raises(ValidationFailed) as exc:
        staff_login_password(username="li.xiaomei", password="nope", ip="10.1.1.1")
    assert exc.value.fields == {"password": ["用户名或密码不正确。"]}
    # Committed although the call raised.
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.extra["username"] == "li.xiaomei"
    assert event.object_id == str(staff.pk)


def test_missing_fields_are_named(staff: User) -> None:
    with pytest.raises(ValidationFailed) as exc:
        staff_login_password(username=" ", password="", ip=None)
    assert set(exc.value.fields) == {"username", "password"}


def test_lockout_per_username_and_its_expiry(staff: User, limits: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        for n in range(3):
            with pytest.raises((ValidationFailed, RateLimited)):
                # each from another IP: only the username counter can lock
                staff_login_password(username="Li.XiaoMei", password="wrong", ip=f"10.1.1.{n}")
        # Locked: even the right password is refused, with how long to wait.
        with pytest.raises(RateLimited) as exc:
            staff_login_password(username="li.xiaomei", password=PASSWORD, ip="10.9.9.9")
        assert "15 分钟" in str(exc.value.message)
        assert "锁定" in str(exc.value.message)
        assert _actions().count("auth.locked") == 1
        assert _actions().count("auth.login_failed") == 4
        traveller.shift(dt.timedelta(seconds=899))
        with pytest.raises(RateLimited) as exc:
            staff_login_password(username="li.xiaomei", password=PASSWORD, ip="10.9.9.9")
        assert "1 秒" in str(exc.value.message)
        traveller.shift(dt.timedelta(seconds=2))
        assert staff_login_password(username="li.xiaomei", password=PASSWORD, ip="10.9.9.9")[0] == staff


def test_wrong_passwords_from_one_address_lock_only_that_account(staff: User, limits: Any) -> None:
    """One office, one IP: a colleague's lockout (or a stranger trying made-up usernames) must not
    lock everyone behind the address."""
    other = UserFactory(username="other")
    with time_machine.travel(T0, tick=False):
        for _ in range(3):
            with pytest.raises((ValidationFailed, RateLimited)):
                staff_login_password(username="li.xiaomei", password="wrong", ip="10.2.2.2")
        for name in ("ghost1", "ghost2", "ghost3", "ghost1", "ghost1", "ghost1"):
            with pytest.raises((ValidationFailed, RateLimited)):
                staff_login_password(username=name, password="wrong", ip="10.2.2.2")
        assert staff_login_password(username="other", password=PASSWORD, ip="10.2.2.2")[0] == other
        with pytest.raises(RateLimited):  # the account with the wrong passwords is locked everywhere
            staff_login_password(username="li.xiaomei", password=PASSWORD, ip="10.4.4.4")
    locks = AuditEvent.objects.filter(action="auth.locked")
    assert {e.extra["scope"] for e in locks} == {"user"}


def test_many_failures_from_one_address_slow_it_but_never_lock_it(staff: User, settings: Any) -> None:
    settings.LOGIN_FAILURE_LIMIT = 100
    settings.LOGIN_IP_FREE_FAILURES = 4
    settings.LOGIN_IP_SLOW_SECONDS = 5
    with time_machine.travel(T0, tick=False) as traveller:
        for n in range(4):
            with pytest.raises(ValidationFailed):
                staff_login_password(username=f"spray{n}", password="wrong", ip="10.5.5.5")
        with pytest.raises(ValidationFailed):  # the first attempt past the free ones goes through
            staff_login_password(username="spray9", password="wrong", ip="10.5.5.5")
        with pytest.raises(RateLimited) as slowed:  # the next one must wait a few seconds
            staff_login_password(username="li.xiaomei", password=PASSWORD, ip="10.5.5.5")
        assert slowed.value.retry_after == 5 and "锁定" not in str(slowed.value.message)
        # Another address is not slowed; this one is again after the gap.
        assert staff_login_password(username="li.xiaomei", password=PASSWORD, ip="10.6.6.6")[0] == staff
        traveller.shift(dt.timedelta(seconds=5))
        assert staff_login_password(username="li.xiaomei", password=PASSWORD, ip="10.5.5.5")[0] == staff


def test_success_resets_the_username_counter(staff: User, limits: Any) -> None:
    with time_machine.travel(T0, tick=False):
        for _ in range(2):
            with pytest.raises(ValidationFailed):
                staff_login_password(username="li.xiaomei", password="wrong", ip=None)
        staff_login_password(username="li.xiaomei", password=PASSWORD, ip=None)
        for _ in range(2):
            with pytest.raises(ValidationFailed):
                staff_login_password(username="li.xiaomei", password="wrong", ip=None)
        assert staff_login_password(username="li.xiaomei", password=PASSWORD, ip=None)


def test_inactive_user_cannot_log_in(staff: User) -> None:
    User.objects.filter(pk=staff.pk).update(is_active=False)
    with pytest.raises(ValidationFailed):
        staff_login_password(username="li.xiaomei", password=PASSWORD, ip=None)


# --- TOTP ---------------------------------------------------------------------------------------


def _enable_totp(user: User, at: dt.datetime) -> TotpDevice:
    device = totp_setup_begin(user=user)
    totp_confirm(user=user, code=pyotp.TOTP(device.secret).at(at))
    device.refresh_from_db()
    return device


def test_totp_setup_confirm_and_replay_refused(staff: User) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        device = totp_setup_begin(user=staff)
        assert not device.is_active
        with pytest.raises(ValidationFailed) as exc:
            totp_confirm(
                user=staff, code="000000" if pyotp.TOTP(device.secret).now() != "000000" else "111111"
            )
        assert "code" in exc.value.fields
        code = pyotp.TOTP(device.secret).now()
        totp_confirm(user=staff, code=code)
        assert "auth.totp_enabled" in _actions()
        with pytest.raises(Conflict):
            totp_setup_begin(user=staff)

        user, needs_totp = staff_login_password(username="li.xiaomei", password=PASSWORD, ip=None)
        assert needs_totp is True
        assert "auth.login" not in _actions()  # not signed in before the second factor
        # The code used to confirm is spent: the same step cannot be used again.
        with pytest.raises(ValidationFailed) as exc:
            staff_login_totp(user=user, code=code, ip=None)
        assert "已使用" in str(exc.value.fields["code"][0])
        traveller.shift(30)
        fresh = pyotp.TOTP(device.secret).now()
        assert staff_login_totp(user=user, code=fresh, ip=None) == staff
        assert _actions()[-1] == "auth.login"
        with pytest.raises(ValidationFailed):
            staff_login_totp(user=user, code=fresh, ip=None)  # replay of a used code


def test_totp_accepts_one_step_of_clock_drift(staff: User) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        device = _enable_totp(staff, T0)
        traveller.shift(60)
        previous = pyotp.TOTP(device.secret).at(T0 + dt.timedelta(seconds=30))
        assert staff_login_totp(user=staff, code=previous, ip=None)
        traveller.shift(30)
        stale = pyotp.TOTP(device.secret).at(T0 + dt.timedelta(seconds=30))
        with pytest.raises(ValidationFailed):
            staff_login_totp(user=staff, code=stale, ip=None)


def test_wrong_totp_codes_count_toward_lockout(staff: User, limits: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        device = _enable_totp(staff, T0)
        traveller.shift(30)
        good = pyotp.TOTP(device.secret).now()
        wrong = "000000" if good != "000000" else "111111"
        for _ in range(3):
            with pytest.raises((ValidationFailed, RateLimited)):
                staff_login_totp(user=staff, code=wrong, ip="10.4.4.4")
        with pytest.raises(RateLimited):
            staff_login_totp(user=staff, code=good, ip="10.4.4.4")
        with pytest.raises(RateLimited):
            staff_login_password(username="li.xiaomei", password=PASSWORD, ip="10.5.5.5")


def test_totp_disable_needs_the_password(staff: User) -> None:
    with time_machine.travel(T0, tick=False):
        _enable_totp(staff, T0)
    with pytest.raises(ValidationFailed) as exc:
        totp_disable(user=staff, password="wrong")
    assert exc.value.fields == {"password": ["密码不正确。"]}
    assert TotpDevice.objects.filter(user=staff).exists()
    totp_disable(user=staff, password=PASSWORD)
    assert not TotpDevice.objects.filter(user=staff).exists()
    assert "auth.totp_disabled" in _actions()
    assert staff_login_password(username="li.xiaomei", password=PASSWORD, ip=None)[1] is False


def test_totp_secret_is_encrypted_at_rest(staff: User) -> None:
    from django.db import connection

    device = totp_setup_begin(user=staff)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM accounts_totpdevice WHERE id = %s", [device.pk])
        stored = cursor.fetchone()[0]
    assert device.secret not in stored
    assert stored.startswith("v1$")
