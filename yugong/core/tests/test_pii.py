import pytest
from django.db import connection

from yugong.accounts.models import User
from yugong.core import pii


def test_encrypt_roundtrip_and_random_nonce():
    a, b = pii.encrypt("13800138000"), pii.encrypt("13800138000")
    assert a != b
    assert pii.decrypt(a) == pii.decrypt(b) == "13800138000"


def test_blind_index_is_keyed_per_purpose():
    assert pii.blind_index("phone", "13800138000") == pii.blind_index("phone", "13800138000")
    assert pii.blind_index("phone", "13800138000") != pii.blind_index("id_number", "13800138000")
    assert pii.blind_index("phone", "") == ""


def test_key_rotation_keeps_old_values_readable(settings):
    token = pii.encrypt("500101199001011234")
    settings.FIELD_ENCRYPTION_KEYS = ["a-brand-new-master-key", *settings.FIELD_ENCRYPTION_KEYS]
    assert pii.decrypt(token) == "500101199001011234"
    assert pii.encrypt("x").split("$")[1] != token.split("$")[1]


@pytest.mark.django_db
def test_phone_is_ciphertext_in_the_database_and_found_by_blind_index():
    user = User.objects.create(username="w1", phone="13912345678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM accounts_user WHERE id = %s", [user.pk])
        stored = cursor.fetchone()[0]
    assert "13912345678" not in stored and stored.startswith("v1$")
    found = User.objects.get(phone_index=pii.blind_index("phone", "13912345678"))
    assert found.phone == "13912345678"
    with pytest.raises(TypeError):
        User.objects.filter(phone="13912345678")


def test_masks():
    assert pii.mask_phone("13812345678") == "138****5678"
    assert pii.mask_id_number("11010519491231002X") == "1101**********002X"
    assert pii.mask_name("张三丰") == "张*丰"
    assert pii.mask_name("李四") == "李*"
