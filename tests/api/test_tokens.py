"""API tokens: hashed at rest, expiring, revoked by logout and by a new password, one per client."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.api.conftest import PASSWORD


def log_in(user) -> dict:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def sees_drafts(token: str) -> int:
    """The status a token gets where only an authenticated editor may go."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/claims/", {"publication": "draft"}).status_code


def test_a_login_answers_a_token_and_when_it_expires(editor):
    answer = log_in(editor)

    expiry = datetime.datetime.fromisoformat(answer["expiry"])
    assert len(answer["token"]) == 64
    assert (
        timezone.now() + datetime.timedelta(hours=9) < expiry <= timezone.now() + datetime.timedelta(hours=10)
    )


def test_only_a_digest_of_the_token_is_stored(editor):
    token = log_in(editor)["token"]

    stored = AuthToken.objects.get(user=editor)
    assert token not in (stored.digest, stored.token_key)
    assert stored.digest != token and len(stored.digest) == 128
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM knox_authtoken WHERE digest = %s OR token_key = %s", [token, token]
        )
        assert cursor.fetchone()[0] == 0


def test_each_login_is_a_token_of_its_own_and_both_work(editor):
    first, second = log_in(editor)["token"], log_in(editor)["token"]

    assert first != second
    assert sees_drafts(first) == sees_drafts(second) == 200


def test_an_expired_token_is_refused(editor):
    token = log_in(editor)["token"]
    AuthToken.objects.filter(user=editor).update(expiry=timezone.now() - datetime.timedelta(seconds=1))

    assert sees_drafts(token) == 401


def test_logout_revokes_the_token_sent_and_no_other(editor):
    kept, revoked = log_in(editor)["token"], log_in(editor)["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {revoked}")

    response = client.post("/api/v1/auth/logout/")

    assert response.status_code == 204
    assert sees_drafts(revoked) == 401
    assert sees_drafts(kept) == 200


def test_logout_all_revokes_every_token_of_the_user(editor):
    tokens = [log_in(editor)["token"] for _ in range(3)]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[0]}")

    response = client.post("/api/v1/auth/logout-all/")

    assert response.status_code == 204
    assert [sees_drafts(token) for token in tokens] == [401, 401, 401]


def test_a_new_password_revokes_every_token(editor):
    token = log_in(editor)["token"]

    editor.set_password("a-new-password-for-tests")
    editor.save()

    assert sees_drafts(token) == 401
    assert not AuthToken.objects.filter(user=editor).exists()


def test_saving_a_user_without_a_new_password_keeps_the_tokens(editor):
    token = log_in(editor)["token"]

    editor.first_name = "Badria"
    editor.save()

    assert sees_drafts(token) == 200


def test_logout_without_a_token_is_a_401(db):
    assert APIClient().post("/api/v1/auth/logout/").status_code == 401


def test_a_wrong_password_gives_no_token(editor):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": editor.username, "password": "wrong"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with the username and password given."]}
    assert not AuthToken.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_token_made_before_knox_keeps_working_after_the_migration(django_user_model):
    user = django_user_model.objects.create_user(username="script", password=PASSWORD, is_superuser=True)
    legacy = "0123456789abcdef0123456789abcdef01234567"  # 40 hex digits, as DRF's authtoken made them
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz, user_id integer)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, now(), %s)", [legacy, user.pk])
    migration = importlib.import_module("apps.accounts.migrations.0001_knox_tokens")

    with connection.schema_editor() as editor:
        from django.apps import apps

        migration.carry_over(apps, editor)

    assert "authtoken_token" not in connection.introspection.table_names()
    assert sees_drafts(legacy) == 200
    assert not AuthToken.objects.filter(digest=legacy).exists()
