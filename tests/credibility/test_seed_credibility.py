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
from apps.credibility.services import source_rating_create
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

    # the team is part of the UN, an independence boundary: the family is the UN's
    assert [root["root"]["name"] for root in roots] == ["United Nations"]
    assert [member["name"] for member in roots[0]["members"]] == [UN_MONITORING_TEAM]
    assert len(roots[0]["attestations"]) == len(roots[0]["documents"]) == 4  # articles 000 to 003
    # Hibatullah's denial is the Taliban's own word on the Taliban: listed, not weighed against the UN
    [denial] = explanation(ties)["independent_denying"]
    assert (denial["root"]["name"], denial["interested"]) == ("Taliban", True)
    assert ties.credibility == Credibility.POSSIBLY_TRUE
    assert [reason[:3] for reason in explanation(ties)["reasons"][:2]] == ["E8:", "E6:"]


def test_an_independent_speaker_makes_two_roots_and_a_better_grade(ties, independent_report):
    document, researcher = independent_report
    before = ties.credibility

    attestation_create(claim=ties, document=document, quote=AFFIRMING_QUOTE, speaker=researcher)

    ties.refresh_from_db()
    assert affirming_roots(ties) == ["United Nations", "باحث مستقل"]
    assert ties.credibility < before
    assert ties.credibility == Credibility.PROBABLY_TRUE  # E5: two roots (the interested denial is E8)


def test_another_article_relaying_the_same_un_report_adds_nothing(ties, independent_report):
    document, researcher = independent_report
    un_team = Entity.objects.get(name=UN_MONITORING_TEAM)
    before = (ties.credibility, affirming_roots(ties))

    attestation_create(
        claim=ties, document=document, quote=AFFIRMING_QUOTE, speaker=researcher, origin_entity=un_team
    )

    ties.refresh_from_db()
    assert (ties.credibility, affirming_roots(ties)) == before
    assert explanation(ties)["attestation_count"] == 6


def test_a_denial_by_an_a_rated_root_lowers_the_grade(ties, independent_report, editor):
    document, spokesman = independent_report
    source_rating_create(entity=spokesman, grade="A", rationale="Right every time so far.", by=editor)
    before = ties.credibility

    attestation_create(claim=ties, document=document, quote=DENYING_QUOTE, speaker=spokesman, stance="denies")

    ties.refresh_from_db()
    assert ties.credibility > before
    assert ties.credibility == Credibility.IMPROBABLE  # E2: two deny, one affirms
    denying = explanation(ties)["independent_denying"]
    assert {item["root"]["name"]: item["reliability"] for item in denying}["باحث مستقل"] == "A"


def test_rating_a_root_regrades_every_claim_resting_on_it(ties, editor):
    hibatullah = Entity.objects.get(name="Hibatullah Akhundzada")

    source_rating_create(
        entity=hibatullah, grade="E", rationale="Denies what his own side reports.", by=editor
    )

    ties.refresh_from_db()
    assert ties.credibility == Credibility.POSSIBLY_TRUE  # the E-rated denial is listed, not counted
    # his family, the Taliban, takes the best rating its members have here: his
    assert explanation(ties)["reasons"][0] == "E0: not counted, rated D or E: Taliban (E)."


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
        ("denies", f"Taliban — Hibatullah Akhundzada {INTERESTED}", 1),
    ]
    weighed = {c["claim"]: c["weighed"] for c in explanation(pompeo)["conflicts"]}
    assert weighed[ties.pk] == "better supported"  # the UN's finding, against a disputed statement
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
