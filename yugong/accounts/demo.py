"""Demo accounts (DEVELOPMENT ONLY: well-known passwords, listed in README.md)."""

from __future__ import annotations

from typing import Any

from .models import User

DEMO_PASSWORD = "yugong-demo-2026"  # noqa: S105 - demo data only; seed_demo refuses with DEBUG off

DEMO_USERS = [
    # username, display name, is_staff, admin_role, superuser
    ("sysadmin", "系统管理员", True, User.AdminRole.SYSTEM, True),
    ("secadmin", "安全管理员", True, User.AdminRole.SECURITY, False),
    ("auditadmin", "审计管理员", True, User.AdminRole.AUDIT, False),
    ("city_chair", "王建国", True, "", False),
    ("yuzhong_staff", "李晓梅", True, "", False),
    ("hotline_op", "陈静", True, "", False),
]
DEMO_WORKER_PHONE = "13800138000"  # 张师傅: already an active member with a card (members/demo.py)
# 刘师傅: signed up but in no union, for trying scan-to-join (/join/CQ-YZ-001/) end to end.
DEMO_JOINER_PHONE = "13900139000"


def seed(stdout: Any) -> None:
    for username, name, is_staff, admin_role, superuser in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "display_name": name,
                "is_staff": is_staff,
                "admin_role": admin_role,
                "is_superuser": superuser,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
    worker, created = User.objects.get_or_create(
        phone_index=_phone_index(DEMO_WORKER_PHONE),
        defaults={"username": "w_demo_worker", "display_name": "张师傅", "phone": DEMO_WORKER_PHONE},
    )
    if created:
        worker.set_unusable_password()
        worker.save()
    joiner, created = User.objects.get_or_create(
        phone_index=_phone_index(DEMO_JOINER_PHONE),
        defaults={"username": "w_demo_joiner", "display_name": "刘师傅", "phone": DEMO_JOINER_PHONE},
    )
    if created:
        joiner.set_unusable_password()
        joiner.save()
    stdout.write(
        f"demo accounts: {', '.join(u[0] for u in DEMO_USERS)} (password {DEMO_PASSWORD}); "
        f"worker phones {DEMO_WORKER_PHONE} (a member) and {DEMO_JOINER_PHONE} (not yet: try /join/CQ-YZ-001/) "
        "(SMS code in the console and /console/sms-outbox/)"
    )


def _phone_index(phone: str) -> str:
    from yugong.core.pii import blind_index

    return blind_index("phone", phone)
