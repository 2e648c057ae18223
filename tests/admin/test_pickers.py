"""Pickers name each choice by what tells it apart: a document's date and outlet, a claim's number."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.documents.models import Document

AUTOCOMPLETE = "/admin/autocomplete/"


def _labels(client, field: str, term: str) -> list[str]:
    query = {"app_label": "claims", "model_name": "attestation", "field_name": field, "term": term}
    response = client.get(AUTOCOMPLETE, query)
    assert response.status_code == 200, response.content
    return [row["text"] for row in response.json()["results"]]


def test_two_reports_with_one_title_are_told_apart_by_date_and_outlet(editor_client, make_entity):
    team = make_entity("UN Monitoring Team")
    for month in (2, 6):
        Document.objects.create(
            title="UN report on the Taliban",
            outlet=team,
            published=datetime.date(2023, month, 1),
            published_precision="month",
            language="en",
        )

    labels = _labels(editor_client, "origin_document", "UN report")

    assert sorted(label.split(" (#")[0] for label in labels) == [
        "UN report on the Taliban — 2023-02, UN Monitoring Team",
        "UN report on the Taliban — 2023-06, UN Monitoring Team",
    ]


def test_a_claim_is_picked_by_its_number_and_statement(editor_client, make_claim):
    claim = make_claim("Al-Qaeda runs training camps in Kunar.")

    assert _labels(editor_client, "claim", "Kunar") == [f"#{claim.pk} Al-Qaeda runs training camps in Kunar."]


def test_document_labels_cost_no_query_per_choice(editor_client, make_entity):
    outlets = [make_entity(f"Outlet {n}") for n in range(12)]
    for n, outlet in enumerate(outlets):
        Document.objects.create(title=f"Report {n}", outlet=outlet, language="en")

    with CaptureQueriesContext(connection) as few:
        _labels(editor_client, "origin_document", "Report 1")
    with CaptureQueriesContext(connection) as many:
        _labels(editor_client, "origin_document", "Report")

    assert len(many) == len(few)
