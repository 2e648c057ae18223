"""Credibility v2 through the API: sources counted by family, opinions and hedges weighed as such,
a subject's own word weighed below an independent source, and every grade move said."""

from __future__ import annotations

import pytest

from apps.claims.models import Attestation, Claim, Credibility
from apps.credibility.services import credibility_recompute
from apps.entities.models import Entity
from apps.entities.services import entity_merge

BODY = (
    "قال المبعوث إن طالبان قطعت علاقتها بالقاعدة. وقال الوزير إن طالبان قطعت علاقتها بالقاعدة أيضا. "
    "وقال الباحث إن العلاقة ما زالت قائمة. ويبدو أن العلاقة ما زالت قائمة بحسب تقارير. "
    "ووصف الرئيس الاتفاق بأنه قصة نجاح. ونفت طالبان أي علاقة بالقاعدة."
)
ENVOY = "المبعوث إن طالبان قطعت علاقتها بالقاعدة"
MINISTER = "الوزير إن طالبان قطعت علاقتها بالقاعدة أيضا"
RESEARCHER = "الباحث إن العلاقة ما زالت قائمة"
HEDGED = "ويبدو أن العلاقة ما زالت قائمة بحسب تقارير"
OPINION = "ووصف الرئيس الاتفاق بأنه قصة نجاح"
DENIAL = "ونفت طالبان أي علاقة بالقاعدة"


@pytest.fixture
def world(make_entity, make_document, make_claim):
    us = make_entity("United States", kind=Entity.Kind.GOVERNMENT)
    return {
        "us": us,
        "envoy": make_entity("Zalmay Khalilzad", kind=Entity.Kind.PERSON, parent=us),
        "minister": make_entity("Mike Pompeo", kind=Entity.Kind.PERSON, parent=us),
        "researcher": make_entity("An independent researcher", kind=Entity.Kind.PERSON),
        "taliban": make_entity("Taliban"),
        "document": make_document(body=BODY),
        "claim": make_claim("The Taliban broke with al-Qaeda."),
    }


def attest(world, quote, speaker=None, claim=None, **fields) -> Attestation:
    attestation = Attestation(
        claim=claim or world["claim"], document=world["document"], quote=quote, speaker=speaker, **fields
    )
    attestation.full_clean()
    attestation.save()
    credibility_recompute(claim_ids=[attestation.claim_id])
    return attestation


def credibility(client, claim) -> dict:
    return client.get(f"/api/v1/claims/{claim.pk}/").json()["credibility"]


def test_two_speakers_of_one_government_are_one_root(api_client, world):
    attest(world, ENVOY, world["envoy"])
    attest(world, MINISTER, world["minister"])

    found = credibility(api_client, world["claim"])

    [root] = found["independent_affirming"]
    assert root["root"]["name"] == "United States"
    assert [m["name"] for m in root["members"]] == ["Zalmay Khalilzad", "Mike Pompeo"]
    assert found["grade"] == Credibility.POSSIBLY_TRUE  # one source, not two


def test_under_a_parent_an_editor_marks_as_no_boundary_each_speaks_for_himself(api_client, world):
    world["us"].independence_boundary = False
    world["us"].save()
    attest(world, ENVOY, world["envoy"])
    attest(world, MINISTER, world["minister"])

    found = credibility(api_client, world["claim"])

    assert sorted(r["root"]["name"] for r in found["independent_affirming"]) == [
        "Mike Pompeo",
        "Zalmay Khalilzad",
    ]


def test_a_draws_on_link_merges_two_roots(editor_api_client, api_client, world):
    attest(world, ENVOY, world["envoy"])
    attest(world, RESEARCHER, world["researcher"])
    assert len(credibility(api_client, world["claim"])["independent_affirming"]) == 2
    url = f"/api/v1/entities/{world['researcher'].pk}/"

    response = editor_api_client.patch(url, {"draws_on": [world["us"].pk]}, format="json")

    assert response.status_code == 200, response.content
    [root] = credibility(api_client, world["claim"])["independent_affirming"]
    assert root["root"]["name"] == "United States"


def test_a_loop_of_draws_on_is_refused_naming_it(editor_api_client, world):
    world["researcher"].draws_on.add(world["us"])

    response = editor_api_client.patch(
        f"/api/v1/entities/{world['us'].pk}/", {"draws_on": [world["researcher"].pk]}, format="json"
    )

    assert response.status_code == 400
    assert "United States → An independent researcher → United States" in response.json()["draws_on"][0]


def test_a_merge_that_would_make_a_parent_loop_is_refused(world):
    world["us"].parent = world["envoy"]  # the US inside its own envoy, through a duplicate below
    world["us"].save()
    duplicate = Entity.objects.create(name="Khalilzad (dup)", kind=Entity.Kind.PERSON, parent=world["us"])
    Entity.objects.filter(pk=world["us"].pk).update(parent=duplicate)

    with pytest.raises(Exception, match="inside itself"):
        entity_merge(keep=world["envoy"], duplicate=duplicate)


def test_an_opinion_is_listed_but_counted_nowhere(api_client, world):
    opinion = attest(world, OPINION, world["envoy"], modality=Attestation.Modality.OPINION)

    found = credibility(api_client, world["claim"])

    assert found["independent_affirming"] == []
    assert [o["attestation"] for o in found["opinions"]] == [opinion.pk]
    assert found["grade"] == Credibility.CANNOT_BE_JUDGED


def test_hedged_reports_cannot_confirm(api_client, world, make_claim):
    claim = make_claim("The ties remain.")
    for entity in (world["researcher"], world["envoy"]):
        from apps.credibility.models import SourceRating

        SourceRating.objects.create(entity=entity, grade="A", rationale="reliable")
    attest(world, RESEARCHER, world["researcher"], claim=claim, modality=Attestation.Modality.HEDGED)
    attest(world, HEDGED, world["envoy"], claim=claim, modality=Attestation.Modality.HEDGED)

    found = credibility(api_client, claim)

    assert found["grade"] == Credibility.POSSIBLY_TRUE
    assert all(root["hedged"] for root in found["independent_affirming"])


def test_a_subjects_own_denial_does_not_make_an_independent_finding_doubtful(api_client, world):
    world["claim"].subjects.add(world["taliban"])
    attest(world, RESEARCHER, world["researcher"])
    attest(world, DENIAL, world["taliban"], stance=Attestation.Stance.DENIES)

    found = credibility(api_client, world["claim"])

    [denial] = found["independent_denying"]
    assert denial["interested"] is True
    assert found["grade"] == Credibility.POSSIBLY_TRUE
    assert any(reason.startswith("E8:") for reason in found["reasons"])


def test_an_editor_can_say_a_subject_speaks_as_an_independent_source(api_client, world):
    world["claim"].subjects.add(world["taliban"])
    attest(world, RESEARCHER, world["researcher"])
    attest(
        world,
        DENIAL,
        world["taliban"],
        stance=Attestation.Stance.DENIES,
        interested_override=False,
        interested_reason="Quoting a court record, not defending itself.",
    )

    found = credibility(api_client, world["claim"])

    assert found["grade"] == Credibility.DOUBTFUL


def test_the_pair_is_the_best_roots_reliability_and_the_grade(api_client, world):
    from apps.credibility.models import SourceRating

    SourceRating.objects.create(entity=world["researcher"], grade="B", rationale="usually reliable")
    attest(world, RESEARCHER, world["researcher"])

    found = credibility(api_client, world["claim"])

    assert found["pair"] == "B2"
    assert found["independent_affirming"][0]["pair"] == "B2"


def test_a_write_that_moves_a_grade_says_so(editor_api_client, world):
    attest(world, ENVOY, world["envoy"])
    claim = Claim.objects.get(pk=world["claim"].pk)
    assert claim.credibility == Credibility.POSSIBLY_TRUE

    response = editor_api_client.patch(f"/api/v1/claims/{claim.pk}/", {"status": "refuted"}, format="json")

    assert response.status_code == 200
    assert response.json()["regraded"] == [
        {"claim": claim.pk, "from": 3, "to": 5, "reason": "S1: an editor has refuted it."}
    ]


def test_a_write_that_moves_no_grade_says_so_too(editor_api_client, world):
    response = editor_api_client.patch(
        f"/api/v1/claims/{world['claim'].pk}/", {"status_note": "read"}, format="json"
    )

    assert response.json()["regraded"] == []


def contradicting_pair(world, make_claim, first: dict, second: dict):
    from apps.claims.models import ClaimRelation

    one = make_claim("The Taliban host al-Qaeda's leaders.", **first)
    other = make_claim("The Taliban expelled al-Qaeda's leaders.", **second)
    attest(world, RESEARCHER, world["researcher"], claim=one)
    attest(world, ENVOY, world["envoy"], claim=other)
    attest(world, MINISTER, world["researcher"], claim=other)
    ClaimRelation.objects.create(kind=ClaimRelation.Kind.CONTRADICTS, from_claim=one, to_claim=other)
    credibility_recompute(claim_ids=[one.pk, other.pk])
    return one, other


def test_claims_about_periods_that_do_not_overlap_are_a_change_not_a_conflict(api_client, world, make_claim):
    import datetime

    one, other = contradicting_pair(
        world,
        make_claim,
        {
            "valid_from": datetime.date(2020, 1, 1),
            "valid_until": datetime.date(2020, 1, 1),
            "valid_until_precision": "year",
        },
        {"valid_from": datetime.date(2024, 1, 1), "valid_from_precision": "year"},
    )

    found = credibility(api_client, one)

    assert found["conflicts"] == []
    assert found["changes_over_time"] == [{"claim": other.pk, "statement": other.statement}]
    assert found["grade"] == Credibility.POSSIBLY_TRUE  # its own evidence, not weighed against 2024's
    assert any(reason.startswith("C5:") for reason in found["reasons"])


def test_claims_about_overlapping_periods_are_weighed_against_each_other(api_client, world, make_claim):
    import datetime

    one, other = contradicting_pair(
        world,
        make_claim,
        {"valid_from": datetime.date(2020, 1, 1), "valid_from_precision": "year"},  # from 2020 on
        {"point_in_time": datetime.date(2024, 6, 1), "point_in_time_precision": "month"},
    )

    found = credibility(api_client, one)

    assert [c["claim"] for c in found["conflicts"]] == [other.pk]
    assert found["changes_over_time"] == []
    assert found["grade"] == Credibility.IMPROBABLE  # two independent roots against one


def test_a_year_only_date_is_the_whole_year(world, make_claim):
    import datetime

    claim = make_claim("In 2023.", point_in_time=datetime.date(2023, 1, 1), point_in_time_precision="year")

    assert claim.period == (datetime.date(2023, 1, 1), datetime.date(2023, 12, 31))


def test_a_claim_states_when_it_holds_was_first_reported_and_last_retrieved(api_client, world):
    import datetime

    world["document"].published, world["document"].published_precision = datetime.date(2021, 6, 5), "day"
    world["document"].retrieved = datetime.date(2026, 11, 1)
    world["document"].save()
    attest(world, ENVOY, world["envoy"], stated_on=datetime.date(2020, 3, 1), stated_on_precision="month")
    attest(world, MINISTER, world["minister"])

    dates = api_client.get(f"/api/v1/claims/{world['claim'].pk}/").json()["dates"]

    assert dates == {"holds": "", "first_reported": "2020-03", "latest_retrieved": "2026-11-01"}


def test_a_period_that_ends_before_it_starts_is_refused(editor_api_client, world):
    response = editor_api_client.patch(
        f"/api/v1/claims/{world['claim'].pk}/",
        {"valid_from": "2024-01-01", "valid_until": "2020-01-01"},
        format="json",
    )

    assert response.status_code == 400
    assert "valid_until" in response.json()


def test_a_supporting_claim_is_listed_and_moves_nothing(api_client, world, make_claim):
    from apps.claims.models import ClaimRelation

    attest(world, RESEARCHER, world["researcher"])
    before = credibility(api_client, world["claim"])
    helper = make_claim("Al-Qaeda's leaders left Afghanistan in 2021.")
    attest(world, ENVOY, world["envoy"], claim=helper)
    ClaimRelation.objects.create(kind=ClaimRelation.Kind.SUPPORTS, from_claim=helper, to_claim=world["claim"])
    credibility_recompute(claim_ids=[world["claim"].pk])

    found = credibility(api_client, world["claim"])

    assert found["supported_by"] == [{"claim": helper.pk, "statement": helper.statement}]
    assert (found["grade"], found["reasons"]) == (before["grade"], before["reasons"])


def test_a_translation_counts_with_its_original(api_client, world, make_document):
    paper = Entity.objects.create(name="Asharq Al-Awsat", kind=Entity.Kind.OUTLET)
    original = make_document(body="Original English text.", title="Original", language="en", outlet=paper)
    translation = world["document"]
    translation.translation_of = original
    translation.save()
    attest(world, RESEARCHER)  # the article's own voice: its issuer, the original's outlet

    [root] = credibility(api_client, world["claim"])["independent_affirming"]

    assert root["root"]["name"] == "Asharq Al-Awsat"


def test_a_document_that_draws_on_another_counts_with_it(editor_api_client, api_client, world, make_document):
    un = Entity.objects.create(name="United Nations", kind=Entity.Kind.ORGANIZATION)
    report = make_document(body="The UN report.", title="UN report", language="en", outlet=un)
    brief_outlet = Entity.objects.create(name="A think tank", kind=Entity.Kind.ORGANIZATION)
    world["document"].outlet = brief_outlet
    world["document"].save()
    attest(world, RESEARCHER)  # the brief's own voice: the think tank
    attest(world, ENVOY, un)

    assert len(credibility(api_client, world["claim"])["independent_affirming"]) == 2
    response = editor_api_client.patch(
        f"/api/v1/documents/{world['document'].pk}/", {"draws_on": [report.pk]}, format="json"
    )

    assert response.status_code == 200, response.content
    [root] = credibility(api_client, world["claim"])["independent_affirming"]
    assert root["root"]["name"] == "United Nations"


def test_a_loop_of_documents_drawing_on_each_other_is_refused(editor_api_client, world, make_document):
    report = make_document(body="The UN report.", title="UN report", language="en")
    report.draws_on.add(world["document"])

    response = editor_api_client.patch(
        f"/api/v1/documents/{world['document'].pk}/", {"draws_on": [report.pk]}, format="json"
    )

    assert response.status_code == 400
    assert "«UN report»" in response.json()["draws_on"][0]


def test_a_loop_of_translations_is_refused(world, make_document):
    from django.core.exceptions import ValidationError

    other = make_document(body="Another text.", title="Another", translation_of=world["document"])
    world["document"].translation_of = other

    with pytest.raises(ValidationError, match="loop of translations"):
        world["document"].full_clean()
