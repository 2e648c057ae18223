"""The role groups, as `make seed` and every migrate make them."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.roles import EDITOR, ROLE_PERMISSIONS, roles_ensure


def _roles() -> dict[str, set[tuple[str, str]]]:
    return {
        group.name: set(group.permissions.values_list("content_type__app_label", "codename"))
        for group in Group.objects.all()
    }


def test_the_roles_are_made_with_exactly_their_permissions_in_a_few_queries(db):
    Group.objects.filter(name=EDITOR).delete()
    Group.objects.get(name="fact-checker").permissions.clear()

    with CaptureQueriesContext(connection) as queries:
        groups = roles_ensure()

    assert _roles() == ROLE_PERMISSIONS
    assert set(groups) == set(ROLE_PERMISSIONS)
    # one query for every permission the roles name, not one a permission (there are 45 of them)
    assert len(queries) < 25
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "auth_permission"."id", "auth_permission"."name"')
    ]
    assert len(reads) == 1, reads


def test_making_the_roles_again_changes_nothing(db):
    before = _roles()

    roles_ensure()

    assert _roles() == before == ROLE_PERMISSIONS
