"""Twenty identical POSTs at the same moment: one row is stored, the other nineteen are refused.

A uniqueness rule checked in Python before the INSERT lets every racer pass the check; the
database's constraint must decide, and the losers must get a 4xx naming the conflict, never a 500
and never a second row. What won is printed (run with `-s`).
"""

from __future__ import annotations

import itertools

import pytest
import requests

from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.documents.models import Document
from tests.reliability.racing import LiveAPI, server_errors, statuses

RACERS = 20


def post_at_once(api: LiveAPI, path: str, body: dict) -> list[requests.Response]:
    return api.race([api.call("POST", path, json=body)] * RACERS)


def names(response: requests.Response, field: str) -> bool:
    """Whether a refusal's JSON names the field, as a key or in its detail."""
    try:
        data = response.json()
    except ValueError:
        return False
    return isinstance(data, dict) and (field in data or field in str(data.get("detail", "")))


def refused(responses: list[requests.Response]) -> list[requests.Response]:
    return [response for response in responses if response.status_code != 201]


def report(noun: str, responses: list[requests.Response], stored: int) -> None:
    losers = refused(responses)
    sample = losers[0].text[:160] if losers else "-"
    print(f"\n{noun}: {len(responses)} POSTs, {statuses(responses)}, {stored} stored; a refusal: {sample}")


def unrelated_claims() -> tuple[int, int]:
    """Two published claims with no relation of any kind between them, either way."""
    related = {frozenset(pair) for pair in ClaimRelation.objects.values_list("from_claim", "to_claim")}
    pks = Claim.objects.published().order_by("pk").values_list("pk", flat=True)
    return next(pair for pair in itertools.combinations(pks, 2) if frozenset(pair) not in related)


def quote_found_once(body: str, words: int = 6) -> str:
    """The first run of `words` words that occurs exactly once in the body."""
    tokens = body.split()
    runs = (" ".join(tokens[i : i + words]) for i in range(len(tokens) - words))
    return next(run for run in runs if body.count(run) == 1)


@pytest.mark.django_db(transaction=True)
def test_twenty_identical_document_posts_store_one_document_and_refuse_the_rest(seed, editor_api):
    bodies = [
        f"بيان رقم {n}: أعلنت الحكومة المؤقتة أنها ستفتح باب الحوار مع جميع الأطراف في الأسبوع المقبل."
        for n in range(1, 4)
    ]

    rounds = [
        post_at_once(editor_api, "/api/v1/documents/", {"title": "بيان", "language": "ar", "body": body})
        for body in bodies
    ]

    stored = [Document.objects.filter(body=body).count() for body in bodies]
    for number, (responses, count) in enumerate(zip(rounds, stored, strict=True), start=1):
        report(f"documents, round {number}", responses, count)
    everything = [response for responses in rounds for response in responses]
    assert server_errors(everything) == []
    assert [statuses(responses).get(201, 0) for responses in rounds] == [1, 1, 1]
    assert stored == [1, 1, 1]
    assert [
        (r.status_code, r.text[:160])
        for r in refused(everything)
        if r.status_code not in (400, 409) or not names(r, "body")
    ] == []


@pytest.mark.django_db(transaction=True)
def test_twenty_identical_relation_posts_store_one_relation_and_refuse_the_rest(seed, editor_api):
    from_claim, to_claim = unrelated_claims()
    relation = {"from_claim": from_claim, "to_claim": to_claim, "kind": "supports"}

    responses = post_at_once(editor_api, "/api/v1/relations/", relation)

    stored = ClaimRelation.objects.filter(**relation).count()
    report(f"relations #{from_claim} supports #{to_claim}", responses, stored)
    assert server_errors(responses) == []
    assert statuses(responses).get(201, 0) == 1
    assert [r.status_code for r in refused(responses) if r.status_code not in (400, 409)] == []
    assert stored == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_posts_of_one_quote_anchor_store_one_attestation_and_refuse_the_rest(seed, editor_api):
    document = Document.objects.with_body().order_by("pk").first()
    claim = Claim.objects.published().exclude(attestations__document=document).order_by("pk").first()
    quote = quote_found_once(document.body)

    responses = post_at_once(
        editor_api, "/api/v1/attestations/", {"claim": claim.pk, "document": document.pk, "quote": quote}
    )

    stored = Attestation.objects.filter(claim=claim, document=document, quote=quote).count()
    report(f"attestations of claim #{claim.pk} in document #{document.pk}", responses, stored)
    assert server_errors(responses) == []
    assert statuses(responses).get(201, 0) == 1
    assert [r.status_code for r in refused(responses) if r.status_code not in (400, 409)] == []
    assert stored == 1
