"""Credibility on the seed corpus: one UN report repeated by four articles is one confirmation."""

from __future__ import annotations

import pytest

from apps.claims.models import Claim, Credibility
from apps.claims.services import (
    attestation_create,
    claims_set_publication,
    claims_set_status,
    relation_create,
)
from apps.credibility.selectors import claim_ids_with_conflicts, claims_for_comparison
from apps.credibility.services import credibility_recompute, source_rating_create
from apps.documents.models import Document
from apps.entities.models import Entity
from apps.entities.services import entity_merge

TIES_REMAIN_CLOSE = "The relationship between the Taliban and al-Qaeda remains close."
POMPEO_BROKE = "The Taliban have succeeded in breaking with terrorist groups."
UN_MONITORING_TEAM = "UN Analytical Support and Sanctions Monitoring Team"

# A report by someone the seed does not know, to attest claims independently of the UN.
INDEPENDENT_BODY = "قال الباحث إن العلاقات بين طالبان والقاعدة ما زالت وثيقة. ونفى المتحدث ذلك."
AFFIRMING_QUOTE = "العلاقات بين طالبان والقاعدة ما زالت وثيقة"
DENYING_QUOTE = "ونفى المتحدث ذلك"


def explanation(claim: Claim) -> dict:
    claim.refresh_from_db()
    return claim.credibility_explanation


def affirming_roots(claim: Claim) -> list[str]:
    return [item["root"]["name"] for item in explanation(claim)["independent_affirming"]]


@pytest.fixture
def ties(seed) -> Claim:
    return Claim.objects.get(statement=TIES_REMAIN_CLOSE)


@pytest.fixture
def independent_report(seed, make_entity) -> tuple[Document, Entity]:
    researcher = make_entity("باحث مستقل", kind=Entity.Kind.PERSON)
    document = Document.objects.create(title="تقرير مستقل", language="ar", body=INDEPENDENT_BODY)
    return document, researcher


def test_four_articles_relaying_the_un_team_are_one_independent_root(ties):
    roots = explanation(ties)["independent_affirming"]

    # the team is part of the UN, an independence boundary: the family is the UN's, and the
    # researcher's own assessment is the second, independent root
    assert [root["root"]["name"] for root in roots] == ["United Nations", "Hisham al-Najjar"]
    assert [member["name"] for member in roots[0]["members"]] == [UN_MONITORING_TEAM]
    assert len(roots[0]["attestations"]) == len(roots[0]["documents"]) == 4  # articles 000 to 003
    # Hibatullah's denial is the Taliban's own word on the Taliban: interested, and rated E
    [denial] = explanation(ties)["independent_denying"]
    assert (denial["root"]["name"], denial["interested"], denial["counted"]) == ("Taliban", True, False)
    # two independent roots rated A–C (the UN team B, the researcher C): confirmed
    assert ties.credibility == Credibility.CONFIRMED
    assert explanation(ties)["pair"] == "B1"
    assert [reason[:3] for reason in explanation(ties)["reasons"][:2]] == ["E0:", "E4:"]


def test_without_the_independent_researcher_the_un_alone_cannot_confirm(ties):
    najjar = ties.attestations.get(speaker__name="Hisham al-Najjar")

    najjar.delete()
    credibility_recompute(claim_ids=[ties.pk])

    ties.refresh_from_db()
    assert affirming_roots(ties) == ["United Nations"]
    assert ties.credibility == Credibility.PROBABLY_TRUE  # E5: one root, rated B


def test_another_article_relaying_the_same_un_report_adds_nothing(ties, independent_report):
    document, researcher = independent_report
    un_team = Entity.objects.get(name=UN_MONITORING_TEAM)
    before = (ties.credibility, affirming_roots(ties))

    attestation_create(
        claim=ties, document=document, quote=AFFIRMING_QUOTE, speaker=researcher, origin_entity=un_team
    )

    ties.refresh_from_db()
    assert (ties.credibility, affirming_roots(ties)) == before
    assert explanation(ties)["attestation_count"] == 7


def test_a_denial_by_an_a_rated_root_lowers_the_grade(ties, independent_report, editor):
    document, spokesman = independent_report
    source_rating_create(entity=spokesman, grade="A", rationale="Right every time so far.", by=editor)
    before = ties.credibility

    attestation_create(claim=ties, document=document, quote=DENYING_QUOTE, speaker=spokesman, stance="denies")

    ties.refresh_from_db()
    assert ties.credibility > before
    assert ties.credibility == Credibility.PROBABLY_TRUE  # E7: two affirm, one denies: one step down
    assert any(reason.startswith("E7:") for reason in explanation(ties)["reasons"])
    denying = explanation(ties)["independent_denying"]
    assert {item["root"]["name"]: item["reliability"] for item in denying}["باحث مستقل"] == "A"


def test_rating_a_root_regrades_every_claim_resting_on_it(ties, editor):
    un_team = Entity.objects.get(name=UN_MONITORING_TEAM)
    operatives = Claim.objects.get(statement="Al-Qaeda has 400-600 operatives in Afghanistan.")
    assert operatives.credibility == Credibility.PROBABLY_TRUE  # the UN team alone, rated B

    source_rating_create(entity=un_team, grade="D", rationale="Say its sources proved wrong.", by=editor)

    ties.refresh_from_db()
    operatives.refresh_from_db()
    # the D-rated family is listed, not counted: the researcher (C) alone is possibly true
    assert ties.credibility == Credibility.POSSIBLY_TRUE
    assert (
        explanation(ties)["reasons"][0] == "E0: not counted, rated D or E: United Nations (D), Taliban (E)."
    )
    assert operatives.credibility == Credibility.CANNOT_BE_JUDGED


def test_rating_the_source_a_family_draws_on_regrades_the_familys_claims(ties, editor):
    # the UN team draws on member states' intelligence: one family, whose rating is that source's
    services = Entity.objects.get(name__startswith="UN member states' intelligence services")
    assert explanation(ties)["pair"] == "B1"

    source_rating_create(entity=services, grade="A", rationale="Say they proved right.", by=editor)

    ties.refresh_from_db()
    assert explanation(ties)["pair"] == "A1"


def test_rating_the_organisation_an_unrated_team_belongs_to_regrades_its_claims(
    make_entity, make_claim, make_attestation, editor
):
    # the team draws on member states' intelligence, which heads the family: the UN is its boundary
    un = make_entity("United Nations", kind=Entity.Kind.ORGANIZATION)
    team = make_entity("Monitoring Team", kind=Entity.Kind.ORGANIZATION, parent=un)
    team.draws_on.add(make_entity("Member states' intelligence", kind=Entity.Kind.GOVERNMENT))
    claim = make_claim("Al-Qaeda is in Kunar.")
    make_attestation("القاعدة ما زالت في كونار", claim=claim, origin_entity=team)
    credibility_recompute(claim_ids=[claim.pk])

    source_rating_create(entity=un, grade="A", rationale="Say its findings held up.", by=editor)

    claim.refresh_from_db()
    assert un.pk in claim.credibility_sources
    assert claim.credibility_explanation["pair"] == "A2"


INTERESTED = "(the claim's own subject: not weighed against independent sources)"


def test_pompeo_and_the_un_show_as_a_conflict_with_both_sides_evidence(ties, editor):
    pompeo = Claim.objects.get(statement=POMPEO_BROKE)

    sides = claims_for_comparison(claim_ids=claim_ids_with_conflicts(claim=pompeo, user=editor), user=editor)

    by_claim = {side.claim.pk: side for side in sides}
    assert sides[0].claim == pompeo and ties.pk in by_claim
    assert [(g.stance, g.name, len(g.attestations)) for g in by_claim[pompeo.pk].groups] == [
        ("affirms", "United States — Mike Pompeo", 1)
    ]
    assert [(g.stance, g.name, len(g.attestations)) for g in by_claim[ties.pk].groups] == [
        ("affirms", f"United Nations — {UN_MONITORING_TEAM}", 4),
        ("affirms", "Hisham al-Najjar", 1),
        ("denies", f"Taliban — Hibatullah Akhundzada {INTERESTED}", 1),
    ]
    weighed = {c["claim"]: c["weighed"] for c in explanation(pompeo)["conflicts"]}
    assert weighed[ties.pk] == "better supported"  # the confirmed finding, against a disputed statement
    assert pompeo.credibility == Credibility.IMPROBABLE
    assert pompeo.pk in {c["claim"] for c in explanation(ties)["conflicts"]}


def test_merging_two_duplicate_roots_counts_them_once(seed, make_claim, make_entity, editor):
    claim = make_claim("Al-Qaeda trains in Kunar.")
    soufan, duplicate = Entity.objects.get(name="The Soufan Group"), make_entity("مجموعة صوفان")
    for speaker in (soufan, duplicate):
        # two reports of the same words (one text is one document: each its own, here by its title)
        body = f"تقرير {speaker.pk}. {INDEPENDENT_BODY}"
        document = Document.objects.create(title=f"تقرير {speaker.pk}", language="ar", body=body)
        attestation_create(claim=claim, document=document, quote=AFFIRMING_QUOTE, speaker=speaker)
    claim.refresh_from_db()
    assert (len(affirming_roots(claim)), claim.credibility) == (2, Credibility.PROBABLY_TRUE)

    entity_merge(keep=soufan, duplicate=duplicate, by=editor)

    claim.refresh_from_db()
    assert affirming_roots(claim) == ["The Soufan Group"]
    assert claim.credibility == Credibility.POSSIBLY_TRUE


def test_an_editors_verdict_regrades_the_claim_and_the_claims_it_contradicts(ties):
    pompeo = Claim.objects.get(statement=POMPEO_BROKE)

    claims_set_status(claim_ids=[pompeo.pk], status=Claim.Status.REFUTED)

    pompeo.refresh_from_db()
    assert pompeo.credibility == Credibility.IMPROBABLE
    assert {c["claim"]: c["grade"] for c in explanation(ties)["conflicts"]}[
        pompeo.pk
    ] == Credibility.IMPROBABLE


def test_a_draft_is_weighed_once_it_is_published(make_claim, make_attestation, make_entity):
    published = make_claim("Published.")
    make_attestation(claim=published, speaker=make_entity("one"))
    draft = make_claim("Draft.", publication=Claim.Publication.DRAFT)
    relation_create(from_claim=published, to_claim=draft, kind="contradicts")
    for name in ("two", "three"):
        make_attestation("القاعدة ما زالت في كونار", claim=draft, speaker=make_entity(name))
    published.refresh_from_db()
    assert (published.credibility, explanation(published)["conflicts"]) == (Credibility.POSSIBLY_TRUE, [])

    claims_set_publication(claim_ids=[draft.pk], publication=Claim.Publication.PUBLISHED)

    published.refresh_from_db()
    assert (
        published.credibility == Credibility.IMPROBABLE
    )  # C2: the draft, now published, is better supported


def test_the_seed_curation_passes_its_own_check(seed):
    from apps.credibility.curation import curation_warnings

    assert [str(warning) for warning in curation_warnings()] == []


def test_the_seed_shows_every_grade_the_evidence_can_give(seed):
    published = Claim.objects.filter(publication=Claim.Publication.PUBLISHED)

    grades = set(published.values_list("credibility", flat=True))

    assert {1, 2, 3, 4, 5} <= grades


def test_the_seed_rates_its_main_sources_each_with_a_rationale(seed):
    from apps.credibility.models import SourceRating

    rated = {rating.entity.name: rating for rating in SourceRating.objects.select_related("entity")}

    assert UN_MONITORING_TEAM in rated and "Mike Pompeo" in rated
    assert all(len(rating.rationale) > 40 for rating in rated.values())


def test_pompeo_khalilzad_and_the_agreement_they_relay_are_one_source(seed):
    pledge = Claim.objects.get(
        statement="Under the February 2020 US-Taliban agreement, the Taliban pledged to cut ties with "
        "al-Qaeda."
    )

    [root] = explanation(pledge)["independent_affirming"]

    assert root["root"]["name"] == "US-Taliban agreement signed in Doha (29 February 2020)"
    assert len(root["attestations"]) == 3  # the article's account, Pompeo's words, Khalilzad's


def test_a_2020_finding_and_a_2024_finding_are_a_change_not_a_conflict(seed, editor):
    operatives = Claim.objects.get(statement="Al-Qaeda has 400-600 operatives in Afghanistan.")
    diminishing = Claim.objects.get(statement__startswith="Al-Qaeda in Afghanistan is diminishing")
    before = {operatives.pk: operatives.credibility, diminishing.pk: diminishing.credibility}
    assert (operatives.period_display, diminishing.period_display) == ("2020", "2022-07 – 2024")

    relation_create(from_claim=operatives, to_claim=diminishing, kind="contradicts", by=editor)

    for claim in (operatives, diminishing):
        claim.refresh_from_db()
        assert claim.credibility == before[claim.pk]
        other = diminishing if claim == operatives else operatives
        assert explanation(claim)["changes_over_time"] == [{"claim": other.pk, "statement": other.statement}]
        assert f"C5: contradicted by #{other.pk}, which holds over another period" in " ".join(
            explanation(claim)["reasons"]
        )
