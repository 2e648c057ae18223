"""`check_curation` queries what a second editor would: hedges, relays recorded two ways, and
contradictions between claims about different periods."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from apps.claims.models import Attestation, ClaimRelation
from apps.credibility.curation import curation_warnings

BODY = "قال الباحث إن الحركة ويبدو أن القاعدة ما زالت في كونار. وقال التقرير إن القاعدة تدرب عناصرها."


def codes(claim_ids=None) -> list[str]:
    return [warning.code for warning in curation_warnings(claim_ids=claim_ids)]


def test_a_hedged_quote_recorded_as_asserted_is_queried(make_attestation, make_document):
    document = make_document(body=BODY)
    attestation = make_attestation("ويبدو أن القاعدة ما زالت في كونار", document=document)

    assert codes() == ["hedge"]

    attestation.modality = Attestation.Modality.HEDGED
    attestation.save()
    assert codes() == []


def test_a_hedge_left_just_outside_the_quote_is_queried(make_attestation, make_document):
    make_attestation("القاعدة ما زالت في كونار", document=make_document(body=BODY))

    [warning] = curation_warnings()

    assert "just before the quote" in warning.message


def test_one_origin_document_relayed_under_two_origins_is_queried(
    make_attestation, make_document, make_claim, make_entity
):
    document, report = make_document(body=BODY), make_document(body="تقرير الأمم المتحدة", title="UN report")
    team = make_entity("UN Monitoring Team")
    make_attestation("القاعدة تدرب عناصرها", document=document, origin_document=report, origin_entity=team)
    make_attestation(
        "القاعدة تدرب عناصرها", claim=make_claim("Another."), document=document, origin_document=report
    )

    [warning] = curation_warnings()

    assert (warning.code, warning.where) == ("relay", f"document #{report.pk} «UN report»")


def test_a_contradiction_between_different_periods_is_queried(make_claim):
    one = make_claim("In 2020.", point_in_time=datetime.date(2020, 1, 1), point_in_time_precision="year")
    other = make_claim("From 2024.", valid_from=datetime.date(2024, 1, 1), valid_from_precision="year")
    ClaimRelation.objects.create(kind=ClaimRelation.Kind.CONTRADICTS, from_claim=one, to_claim=other)

    [warning] = curation_warnings()

    assert warning.code == "time" and "2020" in warning.message and "2024 – …" in warning.message


def test_the_command_lists_each_warning_and_fails_when_there_is_one(make_attestation, make_document):
    make_attestation("ويبدو أن القاعدة ما زالت في كونار", document=make_document(body=BODY))
    out = StringIO()

    with pytest.raises(SystemExit) as exited:
        call_command("check_curation", stdout=out)

    assert exited.value.code == 1
    assert out.getvalue().startswith("hedge attestation #")


def test_the_command_passes_when_nothing_is_queried(db):
    out = StringIO()

    call_command("check_curation", stdout=out)

    assert "No warning" in out.getvalue()
