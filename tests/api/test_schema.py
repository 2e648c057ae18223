"""The OpenAPI schema is generated without a warning and validates; its UI is served; it documents
every answer the API gives, errors included."""

from io import StringIO

import pytest
import yaml
from django.core.management import call_command


def test_the_schema_generates_with_zero_warnings_and_validates(db):
    out = StringIO()

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)

    schema = yaml.safe_load(out.getvalue())
    assert schema["openapi"].startswith("3.")
    for resource in ["entities", "documents", "claims", "attestations", "relations", "source-ratings"]:
        assert f"/api/v1/{resource}/" in schema["paths"]
    assert "/api/v1/claims/{id}/conflicts/" in schema["paths"]


def test_the_schema_and_its_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


# --- every answer is a documented one ------------------------------------------------------


def test_each_operation_documents_the_errors_it_can_answer_with(openapi):
    def codes(method: str, path: str) -> set[str]:
        return set(openapi[path][method].definition.raw["responses"])

    # filters and pages can be refused or run past; every request may carry a bad token or run too long
    assert {"200", "400", "401", "404", "429", "503"} <= codes("GET", "/api/v1/claims/")
    # a read of one claim takes no query: nothing in it to refuse, and reads are open to every role
    assert {"400", "403"}.isdisjoint(codes("GET", "/api/v1/claims/{id}/"))
    assert {"204", "401", "403", "404", "409"} <= codes("DELETE", "/api/v1/entities/{id}/")
    assert {"201", "400", "401", "403"} <= codes("POST", "/api/v1/attestations/")


@pytest.mark.parametrize(
    ("role", "method", "url", "status"),
    [
        ("anonymous", "post", "/api/v1/claims/", 401),
        ("editor", "post", "/api/v1/claims/", 400),
        ("anonymous", "get", "/api/v1/claims/?status=nonsense", 400),
        ("anonymous", "get", "/api/v1/claims/?page=999", 404),
        ("anonymous", "get", "/api/v1/claims/?cursor=nonsense", 404),
        ("anonymous", "get", "/api/v1/claims/999999/", 404),
        ("consumer", "delete", "/api/v1/claims/999999/", 403),
    ],
)
def test_an_error_is_answered_as_documented(client_as, assert_documented, role, method, url, status):
    response = getattr(client_as(role), method)(url, {}, format="json")

    assert response.status_code == status
    assert_documented(response)


def test_a_bad_token_is_a_documented_401_even_on_a_read(db, api_client, assert_documented):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    response = api_client.get("/api/v1/claims/")

    assert response.status_code == 401
    assert_documented(response)


def test_a_quote_without_speaker_or_origin_in_an_undated_document_without_outlet_or_url_is_documented(
    api_client, make_attestation, assert_documented
):
    # speaker, origins and outlet null; the document's url and date precision ""
    attestation = make_attestation()

    for url in [
        f"/api/v1/attestations/{attestation.pk}/",
        f"/api/v1/documents/{attestation.document_id}/",
        f"/api/v1/claims/{attestation.claim_id}/",
    ]:
        response = api_client.get(url)

        assert response.status_code == 200
        assert_documented(response)


def test_the_writes_are_documented_as_answering_with_the_read_representation(
    editor_api_client, make_claim, make_document, make_entity, assert_documented
):
    claim, document, entity = make_claim(), make_document(), make_entity()

    writes = [
        editor_api_client.post(
            "/api/v1/attestations/",
            {"claim": claim.pk, "document": document.pk, "quote": "طالبان قطعت علاقاتها مع القاعدة"},
            format="json",
        ),
        editor_api_client.post("/api/v1/documents/", {"title": "t", "language": "ar"}, format="json"),
        editor_api_client.patch(f"/api/v1/entities/{entity.pk}/", {"description": "d"}, format="json"),
    ]

    assert [response.status_code for response in writes] == [201, 201, 200]
    assert writes[0].json()["document"]["id"] == document.pk  # the document itself, not its id
    for response in writes:
        assert_documented(response)
