"""What a new API user trips on: a date without its precision, a constraint's internal name in an
error, an answer the schema does not list."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import IntegrityError, models, transaction

from apps.api.v1.exceptions import exception_handler
from apps.core.constraints import FieldCheckConstraint, FieldUniqueConstraint, violation_field
from apps.documents.models import Document
from apps.entities.models import Entity
from tests.conftest import BODY


def domain_constraints() -> list[tuple[type[models.Model], models.BaseConstraint]]:
    """The constraints of every model in an `apps/*/models.py`: the rows the admin and the API write
    (bookkeeping that only database triggers write, as the changes feed's, is not among them)."""
    return [
        (model, constraint)
        for model in apps.get_models()
        if model.__module__.startswith("apps.") and model.__module__.endswith(".models")
        for constraint in model._meta.constraints
    ]


# --- a full date is a day, for documents as for claims ---------------------------------------


def test_a_document_posted_with_a_full_date_and_no_precision_is_published_that_day(editor_api_client, db):
    response = editor_api_client.post(
        "/api/v1/documents/",
        {"title": "بيان", "language": "ar", "body": BODY, "published": "2024-05-01"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["published"] == "2024-05-01"
    assert response.json()["published_precision"] == "day"
    assert Document.objects.get().published_precision == "day"


def test_a_precision_without_its_date_is_a_field_error_in_words(
    editor_api_client, make_claim, make_attestation
):
    refused = {
        "/api/v1/documents/": ({"title": "t", "language": "ar", "published_precision": "year"}, "published"),
        "/api/v1/claims/": ({"statement": "s", "point_in_time_precision": "month"}, "point_in_time"),
    }
    for url, (payload, field) in refused.items():
        response = editor_api_client.post(url, payload, format="json")

        assert response.status_code == 400, url
        assert list(response.json()) == [field], response.json()
        assert "Constraint" not in str(response.json())
    attestation = make_attestation()
    response = editor_api_client.patch(
        f"/api/v1/attestations/{attestation.pk}/", {"stated_on_precision": "year"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "stated_on": [
            "A date and its precision go together: give the date it was said on with its precision "
            "(day, month or year), or neither."
        ]
    }


# --- no constraint's name in an error ---------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "constraint"),
    domain_constraints(),
    ids=lambda item: getattr(item, "name", getattr(item, "__name__", "")),
)
def test_every_constraint_is_worded_and_reported_on_a_field(model, constraint):
    message = str(constraint.violation_error_message)

    # Django's default is `Constraint “<name>” is violated.`: the words a client would be shown
    assert message != str(constraint.default_violation_error_message)
    assert constraint.name not in message and "%(name)s" not in message
    if isinstance(constraint, models.CheckConstraint) or constraint.name != "relation_unique_per_pair_kind":
        # a check is about a field; so is a duplicate, but for a relation duplicating another as a whole
        assert isinstance(constraint, FieldCheckConstraint | FieldUniqueConstraint), constraint.name
        model._meta.get_field(constraint.field)


def test_a_violated_check_names_its_field_in_the_models_validation(db):
    entity = Entity(name="", kind=Entity.Kind.ORGANIZATION)

    with pytest.raises(Exception) as raised:
        entity.validate_constraints()

    assert raised.value.message_dict == {"name": ["Give the entity a name."]}


def test_a_check_the_database_holds_against_a_raw_write_is_a_400_on_its_field(make_entity):
    entity = make_entity()

    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        Entity.objects.filter(pk=entity.pk).update(name="")

    assert violation_field(raised.value) == "name"
    response = exception_handler(raised.value, {})
    assert response.status_code == 400
    assert response.data == {"name": ["Give the entity a name."]}


def test_the_constraints_are_djangos_own_in_migrations():
    for _, constraint in domain_constraints():
        path, _, kwargs = constraint.deconstruct()

        assert path in {"django.db.models.CheckConstraint", "django.db.models.UniqueConstraint"}
        assert "field" not in kwargs
        assert constraint.clone() == constraint


# --- every answer is in the schema ------------------------------------------------------------


def test_a_delete_documents_409_and_answers_it_when_rows_still_refer(
    editor_api_client, make_attestation, make_entity, openapi, assert_documented
):
    speaker = make_entity("المتحدث")
    make_attestation(speaker=speaker)

    response = editor_api_client.delete(f"/api/v1/entities/{speaker.pk}/")

    assert {"409", "412", "428"} <= set(
        openapi["/api/v1/entities/{id}/"]["DELETE"].definition.raw["responses"]
    )
    assert response.status_code == 409
    assert_documented(response)


def test_a_versioned_write_without_if_match_is_a_documented_428(
    editor_api_client, make_entity, assert_documented
):
    entity = make_entity()

    response = editor_api_client.patch(f"/api/v1/entities/{entity.pk}/", {"name": "x"}, HTTP_IF_MATCH="")

    assert response.status_code == 428
    assert_documented(response)


def test_an_accept_header_no_renderer_meets_is_a_documented_406(api_client, db, assert_documented):
    response = api_client.get("/api/v1/claims/", HTTP_ACCEPT="image/png")

    assert response.status_code == 406
    assert_documented(response)


def test_ratings_are_never_edited_so_put_and_delete_are_neither_routed_nor_documented(
    editor_api_client, make_entity, openapi
):
    rating = editor_api_client.post(
        "/api/v1/source-ratings/", {"entity": make_entity().pk, "grade": "B", "rationale": "r"}, format="json"
    ).json()

    for method in ("put", "patch", "delete"):
        response = getattr(editor_api_client, method)(
            f"/api/v1/source-ratings/{rating['id']}/", {"grade": "A"}, format="json", HTTP_IF_MATCH=""
        )
        assert response.status_code == 405, (method, response.content)
    assert {method.upper() for method in openapi["/api/v1/source-ratings/{id}/"]} == {"GET"}
