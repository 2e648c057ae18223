"""The document workspace's page and its suggestions for a selected passage."""

from __future__ import annotations

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.claims.models import Attestation
from apps.documents.models import Document

BODY = "قال المتحدث باسم الأمم المتحدة إن القاعدة ما زالت في كونار. وقال آخر إن طالبان نفت ذلك."


def _page_data(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="ct-ws-data" type="application/json">') + len(
        '<script id="ct-ws-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_the_workspace_carries_the_body_as_stored_and_every_quote(seed, editor_client):
    document = Document.objects.exclude(body="").order_by("pk").first()

    response = editor_client.get(f"/admin/documents/document/{document.pk}/workspace/")

    assert response.status_code == 200
    data = _page_data(response)
    assert data["body"] == document.body and data["document"]["dir"] == "rtl"
    assert {a["id"] for a in data["attestations"]} == set(document.attestations.values_list("pk", flat=True))
    for a in data["attestations"]:
        assert document.body[a["start"] : a["end"]] == a["quote"]
    assert data["may_edit"] is True


def test_the_workspace_page_runs_the_same_queries_for_3_quotes_or_30(
    editor_client, make_document, make_attestation, make_claim
):
    counts = []
    for n in (3, 30):
        document = make_document(body=" ".join(f"جملة رقم {i} عن القاعدة." for i in range(n)))
        for i in range(n):
            make_attestation(f"جملة رقم {i} عن", claim=make_claim(f"Claim {n}-{i}."), document=document)
        editor_client.get(f"/admin/documents/document/{document.pk}/workspace/")  # caches warmed up
        with CaptureQueriesContext(connection) as queries:
            assert editor_client.get(f"/admin/documents/document/{document.pk}/workspace/").status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_a_passage_suggests_its_claims_and_the_entities_named_near_it(
    editor_client, make_document, make_attestation, make_claim, make_entity
):
    document = make_document(body=BODY)
    un = make_entity("United Nations")
    un.aliases.create(name="الأمم المتحدة", language="ar")
    make_entity("Taliban").aliases.create(name="طالبان", language="ar")
    quoted = make_claim("Al-Qaeda is still in Kunar.")
    make_attestation("القاعدة ما زالت في كونار", claim=quoted, document=document)
    start = BODY.index("إن القاعدة")
    end = BODY.index(".", start)

    response = editor_client.get(
        f"/admin/documents/document/{document.pk}/workspace/suggest/", {"start": start, "end": end}
    )

    assert response.status_code == 200
    found = response.json()
    assert found["claims"][0] == {"id": quoted.pk, "label": quoted.statement, "why": "quoted in this passage"}
    # the UN is named in the same sentence, the Taliban in the next: nearest first
    assert [e["label"] for e in found["entities"]][:2] == ["United Nations", "Taliban"]


def test_a_passage_outside_the_body_is_a_400_in_words(editor_client, make_document):
    document = make_document(body=BODY)
    url = f"/admin/documents/document/{document.pk}/workspace/suggest/"

    for query in ({"start": "x", "end": "3"}, {"start": 5, "end": 5}, {"start": 0, "end": len(BODY) + 1}):
        response = editor_client.get(url, query)
        assert response.status_code == 400
        assert "start and end" in response.json()["detail"]


def test_a_reader_without_the_right_to_edit_sees_the_quotes_but_cannot_record(
    seed, client, django_user_model
):
    from django.contrib.auth.models import Permission

    reader = django_user_model.objects.create_user(
        username="reader", password="pw-for-tests-only", is_staff=True
    )
    reader.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_document", "view_attestation"])
    )
    client.force_login(reader)
    document = Document.objects.exclude(body="").order_by("pk").first()

    data = _page_data(client.get(f"/admin/documents/document/{document.pk}/workspace/"))

    assert data["may_edit"] is False and data["attestations"]


def test_a_user_who_may_not_view_documents_gets_no_workspace(client, django_user_model, make_document):
    staff = django_user_model.objects.create_user(
        username="staff", password="pw-for-tests-only", is_staff=True
    )
    client.force_login(staff)

    response = client.get(f"/admin/documents/document/{make_document().pk}/workspace/")

    assert response.status_code == 403
    assert not Attestation.objects.exists()


def test_the_document_page_runs_the_same_queries_for_3_quotes_or_30(
    editor_client, make_document, make_attestation, make_claim
):
    counts = []
    for n in (3, 30):
        document = make_document(body=" ".join(f"جملة رقم {i} عن القاعدة." for i in range(n)))
        for i in range(n):
            make_attestation(f"جملة رقم {i} عن", claim=make_claim(f"Claim {n}-{i}."), document=document)
        editor_client.get(f"/admin/documents/document/{document.pk}/change/")  # caches warmed up
        with CaptureQueriesContext(connection) as queries:
            page = editor_client.get(f"/admin/documents/document/{document.pk}/change/")
        assert page.status_code == 200 and page.content.decode().count("in the workspace") == n
        counts.append(len(queries))

    assert counts[0] == counts[1]
