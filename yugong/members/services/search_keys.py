"""The search keys copied onto every membership row: the repair tool."""

from __future__ import annotations

from django.db import transaction

SEARCH_KEYS_SQL = (
    "UPDATE members_membership SET union_path = u.path, person_name = p.name, "
    "employment_form = p.employment_form, migrant_worker = p.migrant_worker, "
    "employer_name = p.employer_name FROM orgs_union u, members_person p "
    "WHERE u.id = members_membership.union_id AND p.id = members_membership.person_id "
    "AND members_membership.id >= %s AND members_membership.id < %s AND ("
    "members_membership.union_path <> u.path OR members_membership.person_name <> p.name "
    "OR members_membership.employment_form <> p.employment_form "
    "OR members_membership.migrant_worker <> p.migrant_worker "
    "OR members_membership.employer_name <> p.employer_name)"
)


def membership_search_keys_rebuild(*, batch: int = 50_000) -> int:
    """Re-derive the search keys of every membership from its union and person (a repair tool,
    ``manage.py members_search_keys``; the services keep them in step). One id range per
    transaction; only rows that differ are written. Returns the number of rows fixed."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM members_membership")
        low, high = cursor.fetchone()
    fixed = 0
    if low is None:
        return 0
    for start in range(low, high + 1, batch):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(SEARCH_KEYS_SQL, [start, start + batch])
            fixed += max(cursor.rowcount, 0)
    return fixed
