"""One text, one document: the API and the model refuse a body that is already stored."""

from __future__ import annotations

import hashlib
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import pre_save
from rest_framework.test import APIClient

from apps.documents.models import Document
from apps.documents.services import document_create
from tests.conftest import BODY


@pytest.fixture
def editor_api(editor) -> APIClient:
    # tests/api's token clients are that package's fixtures; the role's permissions are what matter here
    client = APIClient()
    client.force_authenticate(editor)
    return client


def test_an_editor_posts_a_document_with_its_body(editor_api):
    response = editor_api.post(
        "/api/v1/documents/", {"title": "مقال", "language": "ar", "body": BODY}, format="json"
    )

    assert response.status_code == 201, response.content
    document = Document.objects.get()
    assert document.body == BODY
    assert response.json()["body_sha256"] == hashlib.sha256(BODY.encode()).hexdigest()


def test_a_body_already_stored_is_a_400_on_body_naming_the_document(editor_api, make_document):
    existing = make_document(body=BODY, title="الأصل")

    response = editor_api.post(
        "/api/v1/documents/", {"title": "نسخة", "language": "ar", "body": BODY}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["body"] == [f"This text is already document #{existing.pk} «الأصل»."]
    assert list(Document.objects.all()) == [existing]


def test_editing_a_document_without_changing_its_body_is_not_a_duplicate_of_itself(editor_api, make_document):
    document = make_document(body=BODY)
    url = f"/api/v1/documents/{document.pk}/"
    etag = editor_api.get(url).headers["ETag"]  # as a careful client does: the version it changes

    response = editor_api.patch(url, {"title": "عنوان جديد"}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 200, response.content
    document.refresh_from_db()
    assert document.title == "عنوان جديد"


def test_documents_known_by_reference_share_the_empty_body(editor_api):
    for title in ("UN report 2020", "UN report 2021"):
        response = editor_api.post(
            "/api/v1/documents/", {"title": title, "language": "en", "kind": "report"}, format="json"
        )
        assert response.status_code == 201, response.content

    assert Document.objects.filter(body="").count() == 2


def test_the_service_refuses_a_duplicate_body_as_the_api_does(make_document):
    make_document(body=BODY)

    with pytest.raises(ValidationError) as raised:
        document_create(title="نسخة", language="ar", body=BODY)

    assert raised.value.error_dict["body"][0].code == "duplicate"
    assert Document.objects.count() == 1


def test_the_database_refuses_a_second_document_with_a_stored_body(make_document):
    make_document(body=BODY)
    copy = Document(
        title="نسخة", language="ar", body=BODY, body_sha256=hashlib.sha256(BODY.encode()).hexdigest()
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.bulk_create([copy])  # no model validation: only the database stands in the way

    assert Document.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_post_that_loses_the_race_for_a_body_gets_the_error_one_after_the_other_gives(editor_api):
    def another_request_commits_the_same_body_first(sender, instance, **kwargs):
        # between this request's duplicate check and its INSERT, another one's commits
        pre_save.disconnect(another_request_commits_the_same_body_first, sender=Document)
        competitor = threading.Thread(target=_create_in_own_connection, args=("الأول",))
        competitor.start()
        competitor.join()

    pre_save.connect(another_request_commits_the_same_body_first, sender=Document, weak=False)
    try:
        response = editor_api.post(
            "/api/v1/documents/", {"title": "الثاني", "language": "ar", "body": BODY}, format="json"
        )
    finally:
        pre_save.disconnect(another_request_commits_the_same_body_first, sender=Document)

    winner = Document.objects.get()
    assert response.status_code == 400, response.content
    assert response.json()["body"] == [f"This text is already document #{winner.pk} «الأول»."]


def _create_in_own_connection(title: str) -> None:
    try:
        Document.objects.create(title=title, language="ar", body=BODY)
    finally:
        connection.close()


def test_every_duplicate_lookup_goes_through_the_unique_index(make_document, tmp_path):
    """`document_body_unique` leaves out the empty body: a lookup by hash alone cannot use it, and
    read the whole table for each document saved or imported (14 imports a second at 100,000)."""
    from apps.documents.ingest import documents_import

    make_document(body=BODY, title="الأصل")
    (tmp_path / "new.txt").write_text(BODY + " ثم", encoding="utf-8")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a table of a few rows: the index, if usable
    lookups = []

    def explain(execute, sql, params, many, context):
        if "body_sha256" in sql and sql.lstrip().startswith("SELECT"):
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN {sql}", params)
                lookups.append("\n".join(row[0] for row in cursor.fetchall()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explain):
        report = documents_import(paths=[tmp_path / "new.txt"])
        with pytest.raises(ValidationError):
            Document(title="نسخة", language="ar", body=BODY).full_clean()

    assert len(report.created) == 1
    assert len(lookups) >= 3 and all("document_body_unique" in plan for plan in lookups), lookups
