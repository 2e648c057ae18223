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


KUNAR = "قال التقرير إن القاعدة تدير معسكرات في كونار. وتضم المعسكرات 400 عنصر، بحسب التقرير."


def test_a_quote_naming_none_of_the_subjects_is_queried_through_their_arabic_aliases(
    make_attestation, make_document, make_claim, make_entity
):
    al_qaeda = make_entity("al-Qaeda")
    al_qaeda.aliases.create(name="القاعدة", language="ar")
    claim = make_claim("Al-Qaeda runs camps in Kunar.")
    claim.subjects.add(al_qaeda)
    document = make_document(body=KUNAR)
    make_attestation("تدير معسكرات في كونار", claim=claim, document=document)

    [warning] = curation_warnings()
    assert warning.code == "terms" and "names none of the claim's subjects" in warning.message

    # the alias with its article and a clitic («والقاعدة», «بالقاعدة») is the subject named
    Attestation.objects.update(quote="القاعدة تدير معسكرات في كونار", start=KUNAR.index("القاعدة"))
    Attestation.objects.update(end=KUNAR.index("القاعدة") + len("القاعدة تدير معسكرات في كونار"))
    assert codes() == []


def test_a_subject_named_by_one_of_its_parts_is_named(
    make_attestation, make_document, make_claim, make_entity
):
    al_qaeda = make_entity("al-Qaeda")
    branch = make_entity("AQIS", parent=al_qaeda)
    branch.aliases.create(name="معسكرات", language="ar")  # a stand-in alias found in the quote
    claim = make_claim("Al-Qaeda runs camps in Kunar.")
    claim.subjects.add(al_qaeda)
    make_attestation("تدير معسكرات في كونار", claim=claim, document=make_document(body=KUNAR))

    assert codes() == []


def test_a_quote_sharing_the_words_of_the_claims_other_quotes_is_not_queried(
    make_attestation, make_document, make_claim, make_entity
):
    body = "قال أ إن القاعدة تدير معسكرات في كونار. قال ب إن القاعدة تدير معسكرات هناك. وتدير معسكرات أيضا."
    claim = make_claim("Al-Qaeda runs camps in Kunar.")
    al_qaeda = make_entity("القاعدة")
    claim.subjects.add(al_qaeda)
    document = make_document(body=body)
    make_attestation("القاعدة تدير معسكرات في كونار", claim=claim, document=document)
    make_attestation("القاعدة تدير معسكرات هناك", claim=claim, document=document)
    make_attestation("وتدير معسكرات أيضا", claim=claim, document=document)

    assert codes() == []


def test_a_figure_of_the_statement_missing_from_the_quote_is_queried(
    make_attestation, make_document, make_claim
):
    claim = make_claim("The camps hold 400 to 600 operatives (2023).")
    make_attestation("وتضم المعسكرات 400 عنصر", claim=claim, document=make_document(body=KUNAR))

    [warning] = curation_warnings()

    # the year is a date, held by the claim's period, not a figure the quote must give
    assert warning.code == "terms" and "gives 600, the quote does not" in warning.message


def test_a_subject_speaking_of_itself_marked_not_interested_is_queried(
    make_attestation, make_document, make_claim, make_entity
):
    taliban = make_entity("Taliban")
    taliban.aliases.create(name="طالبان", language="ar")
    spokesman = make_entity("Zabihullah Mujahid", kind="person", parent=taliban)
    claim = make_claim("The Taliban broke with al-Qaeda.")
    claim.subjects.add(taliban)
    make_attestation(
        speaker=spokesman, claim=claim, interested_override=False, interested_reason="He is neutral."
    )

    [warning] = curation_warnings()

    assert warning.code == "interested" and "Zabihullah Mujahid" in warning.message


def test_the_issuer_of_a_report_recorded_as_speaker_of_its_relay_is_queried(
    make_attestation, make_document, make_entity
):
    team = make_entity("UN Monitoring Team")
    report = make_document(body="The report.", title="UN report", outlet=team)
    article = make_document(body=KUNAR)
    attestation = make_attestation(
        "القاعدة تدير معسكرات في كونار", document=article, speaker=team, origin_document=report
    )

    [warning] = curation_warnings()
    assert warning.code == "relay" and "record the article (or its reporter) as speaker" in warning.message

    attestation.speaker, attestation.origin_entity = None, team
    attestation.save()
    assert codes() == []


def test_the_document_page_lists_the_warnings_about_its_quotes(make_attestation, make_document, make_claim):
    from apps.credibility.curation import document_warnings

    hedged, plain = make_document(body=BODY), make_document(body=KUNAR)
    claim = make_claim("Al-Qaeda is in Kunar.")
    queried = make_attestation("ويبدو أن القاعدة ما زالت في كونار", claim=claim, document=hedged)
    make_attestation("القاعدة تدير معسكرات في كونار", claim=claim, document=plain)

    assert [w.attestations for w in document_warnings(hedged.pk)] == [(queried.pk,)]
    assert document_warnings(plain.pk) == []
