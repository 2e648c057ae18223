"""When the database is unreachable or read-only: a 503 with Retry-After, in JSON for API clients;
/healthz answers while the process lives, /readyz only while the database answers and is current."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from rest_framework.test import APIClient


@pytest.fixture
def database_down():
    """Point the connection at a port nobody listens on, as if the server had gone."""
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "9"
    yield
    connection.settings_dict["PORT"] = port
    connection.close()


@pytest.fixture
def database_read_only():
    """New connections get read-only transactions, as on a standby or during maintenance."""
    name = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    connection.close()
    yield
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("SET default_transaction_read_only = off")
        cursor.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
    connection.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("accept", ["application/json", "text/html", "*/*"])
def test_an_api_request_while_the_database_is_down_is_a_json_503(database_down, accept):
    response = APIClient().get("/api/v1/claims/", HTTP_ACCEPT=accept)

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "30"
    assert "unavailable" in response.json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_an_admin_page_while_the_database_is_down_is_a_503_page(database_down):
    session = "sessionid=" + "a" * 32  # a logged-in editor's cookie: the session is read from the database

    # as a browser sees it: the test client would re-raise the error the server turned into a page
    response = Client(raise_request_exception=False).get("/admin/claims/claim/", HTTP_COOKIE=session)

    assert response.status_code == 503
    assert "unavailable" in response.content.decode()
    assert response["Retry-After"] == "30"


@pytest.mark.django_db(transaction=True)
def test_a_write_while_the_database_is_read_only_is_a_503_and_reads_go_on(
    django_user_model, database_read_only
):
    # authenticated without the database, as a session or token read before it turned read-only
    editor = django_user_model(username="ed", is_superuser=True, pk=1)
    client = APIClient()
    client.force_authenticate(editor)

    write = client.post("/api/v1/claims/", {"statement": "New."}, format="json")
    read = APIClient().get("/api/v1/claims/")

    assert write.status_code == 503, write.content
    assert write["Retry-After"] == "30"
    assert read.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_without_the_database(client, database_down):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ok_when_the_database_answers_and_is_current(client):
    response = client.get("/readyz", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert set(response.json().values()) == {"OK"}


@pytest.mark.django_db(transaction=True)
def test_readyz_is_a_503_while_the_database_is_down(client, database_down):
    response = client.get("/readyz", HTTP_ACCEPT="application/json")

    assert response.status_code == 503
    assert response["Retry-After"] == "10"


@pytest.mark.django_db
def test_readyz_is_a_503_while_a_migration_is_not_applied(client, monkeypatch):
    def pending(self, targets):
        return [(self.loader.get_migration("claims", "0002_anchor_triggers"), False)]

    monkeypatch.setattr(MigrationExecutor, "migration_plan", pending)

    response = client.get("/readyz", HTTP_ACCEPT="application/json")

    assert response.status_code == 503
    assert "not applied" in str(response.json())
