"""The fact-checker's desk in the admin: the queue, assigning, judging from it, and rating a source
where the question arises."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.claims.models import Claim, ClaimRelation
from apps.credibility.models import Regrade, SourceRating
from apps.credibility.services import credibility_recompute

DESK = "/admin/claims/claim/desk/"
KUNAR_QUOTE = "القاعدة ما زالت في كونار"
BROKE_QUOTE = "طالبان قطعت علاقاتها مع القاعدة"


@pytest.fixture
def fact_checker_client(client, fact_checker):
    client.force_login(fact_checker)
    return client


@pytest.fixture
def contradicted(make_entity, make_claim, make_attestation):
    """Two published claims, each with its own source, that contradict each other: both unreviewed."""
    soufan, pompeo = make_entity("The Soufan Group"), make_entity("Mike Pompeo")
    kunar = make_claim("Al-Qaeda is in Kunar.")
    broke = make_claim("The Taliban broke with al-Qaeda.")
    make_attestation(KUNAR_QUOTE, claim=kunar, speaker=soufan)
    make_attestation(BROKE_QUOTE, claim=broke, speaker=pompeo)
    credibility_recompute(claim_ids=[kunar.pk, broke.pk])
    ClaimRelation.objects.create(from_claim=kunar, to_claim=broke, kind=ClaimRelation.Kind.CONTRADICTS)
    credibility_recompute(claim_ids=[kunar.pk, broke.pk])
    return kunar, broke, soufan


def row_ids(response) -> list[int]:
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(r'<tr id="claim-(\d+)"', response.content.decode())]


def test_a_fact_checker_lands_on_the_desk(fact_checker_client):
    response = fact_checker_client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == DESK
    assert fact_checker_client.get("/admin/?all=1").status_code == 200


def test_an_editor_lands_on_the_admin_index_with_a_link_to_the_desk(editor_client):
    response = editor_client.get("/admin/")

    assert response.status_code == 200
    assert f'href="{DESK}"' in response.content.decode()


def test_the_queue_lists_a_newly_contradicted_claim_with_what_contradicts_it(
    contradicted, fact_checker_client
):
    kunar, broke, _ = contradicted

    response = fact_checker_client.get(DESK + "?queue=contradicted")

    assert set(row_ids(response)) == {kunar.pk, broke.pk}
    page = response.content.decode()
    assert f'href="/admin/claims/claim/{broke.pk}/change/">#{broke.pk}</a>' in page


def test_a_claim_with_a_verdict_leaves_the_contradicted_queue(contradicted, fact_checker_client):
    kunar, broke, _ = contradicted
    Claim.objects.filter(pk=kunar.pk).update(status=Claim.Status.CORROBORATED)

    response = fact_checker_client.get(DESK + "?queue=contradicted")

    assert row_ids(response) == [broke.pk]


def test_the_queue_shows_a_regrade_from_what_to_what_and_why(contradicted, fact_checker_client):
    kunar, _, soufan = contradicted
    SourceRating.objects.create(entity=soufan, grade="A", rationale="Held up.")
    credibility_recompute(claim_ids=[kunar.pk])
    move = Regrade.objects.filter(claim=kunar).latest("at")

    response = fact_checker_client.get(DESK + "?queue=regraded")

    assert kunar.pk in row_ids(response)
    assert f"{move.from_grade} → {move.to_grade}" in response.content.decode()


def test_an_old_regrade_is_out_of_the_window(contradicted, fact_checker_client):
    kunar, _, _ = contradicted
    Regrade.objects.all().delete()
    old = Regrade.objects.create(claim=kunar, from_grade=3, to_grade=4, reason="x")
    Regrade.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=30))

    assert row_ids(fact_checker_client.get(DESK + "?queue=regraded&days=14")) == []
    assert row_ids(fact_checker_client.get(DESK + "?queue=regraded&days=31")) == [kunar.pk]


def test_the_unreviewed_queue_puts_the_most_reported_first(seed, fact_checker_client):
    response = fact_checker_client.get(DESK + "?queue=unreviewed")

    ids = row_ids(response)
    counts = [Claim.objects.get(pk=pk).credibility_explanation["attestation_count"] for pk in ids]
    assert counts == sorted(counts, reverse=True) and counts[0] >= 4


def test_the_disputed_queue_lists_the_seeds_disputed_claim(seed, fact_checker_client):
    disputed = list(Claim.objects.filter(status=Claim.Status.DISPUTED).values_list("pk", flat=True))

    assert row_ids(fact_checker_client.get(DESK + "?queue=disputed")) == disputed


def test_assigning_to_me_from_the_queue_and_filtering_on_it(contradicted, fact_checker, fact_checker_client):
    kunar, broke, _ = contradicted

    response = fact_checker_client.post(
        DESK,
        {"action": "assign", "claim": kunar.pk, "version": kunar.version, "assignee": "me", "next": DESK},
    )

    assert response.status_code == 302
    kunar.refresh_from_db()
    assert kunar.assignee == fact_checker
    assert row_ids(fact_checker_client.get(DESK + "?assignee=me")) == [kunar.pk]
    assert row_ids(fact_checker_client.get(DESK + "?assignee=none")) == [broke.pk]


def test_a_stale_row_changes_nothing_and_says_so(contradicted, fact_checker_client):
    kunar, _, _ = contradicted
    stale = kunar.version
    Claim.objects.filter(pk=kunar.pk).update(status_note="someone else", version=stale + 1)

    response = fact_checker_client.post(
        DESK,
        {"action": "assign", "claim": kunar.pk, "version": stale, "assignee": "me", "next": DESK},
        follow=True,
    )

    kunar.refresh_from_db()
    assert kunar.assignee is None
    assert "changed by someone else" in response.content.decode()


def test_judging_from_the_queue_sets_the_status_and_note_and_regrades(contradicted, fact_checker_client):
    kunar, _, _ = contradicted
    prefix = f"c{kunar.pk}"

    response = fact_checker_client.post(
        DESK,
        {
            "action": "judge",
            "claim": kunar.pk,
            f"{prefix}-claim": kunar.pk,
            f"{prefix}-version": kunar.version,
            f"{prefix}-status": "refuted",
            f"{prefix}-status_note": "Our Kunar sources deny it.",
            "next": DESK,
        },
        follow=True,
    )

    kunar.refresh_from_db()
    assert (kunar.status, kunar.status_note) == ("refuted", "Our Kunar sources deny it.")
    assert kunar.credibility == 5
    assert "Regraded: #" in response.content.decode()


def test_a_consumer_cannot_write_from_the_desk(contradicted, client, django_user_model):
    kunar, _, _ = contradicted
    reader = django_user_model.objects.create_user(username="reader", password="x", is_staff=True)
    client.force_login(reader)

    response = client.post(
        DESK, {"action": "assign", "claim": kunar.pk, "version": kunar.version, "assignee": "me"}
    )

    assert response.status_code == 403


def test_the_queue_runs_a_fixed_number_of_queries(seed, fact_checker_client, django_assert_max_num_queries):
    # session+user, 5 tab counts, the page (its count, rows, regrades), the judges for the filter, …
    with django_assert_max_num_queries(16):
        response = fact_checker_client.get(DESK + "?queue=unreviewed")
    assert len(row_ids(response)) == 25


# --- rating where the question arises ----------------------------------------------------------


def test_a_fact_checker_rates_a_source_from_its_page_and_comes_back(contradicted, fact_checker_client):
    kunar, _, soufan = contradicted
    rate = reverse("admin:entities_entity_rate", args=[soufan.pk])
    entity_page = fact_checker_client.get(f"/admin/entities/entity/{soufan.pk}/change/").content.decode()
    assert rate in entity_page and "Rate this source" in entity_page

    response = fact_checker_client.post(
        rate + "?next=/admin/claims/claim/desk/",
        {"grade": "A", "rationale": "Its Kunar reporting has held up.", "next": "/admin/claims/claim/desk/"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == DESK
    kunar.refresh_from_db()
    assert SourceRating.objects.get(entity=soufan).grade == "A"
    assert f"Regraded: #{kunar.pk}" in response.content.decode()


def test_a_rating_needs_a_rationale_and_a_grade(contradicted, fact_checker_client):
    _, _, soufan = contradicted

    response = fact_checker_client.post(
        reverse("admin:entities_entity_rate", args=[soufan.pk]), {"grade": "Z"}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Select a valid choice" in page and "This field is required" in page
    assert not SourceRating.objects.exists()


def test_a_rating_never_sends_back_to_another_site(contradicted, fact_checker_client):
    _, _, soufan = contradicted

    response = fact_checker_client.post(
        reverse("admin:entities_entity_rate", args=[soufan.pk]),
        {"grade": "B", "rationale": "ok", "next": "https://evil.example/"},
    )

    assert response["Location"] == f"/admin/entities/entity/{soufan.pk}/change/"


def test_someone_who_may_not_rate_gets_no_rating_page(contradicted, client, django_user_model):
    _, _, soufan = contradicted
    reader = django_user_model.objects.create_user(username="reader", password="x", is_staff=True)
    client.force_login(reader)

    assert client.get(reverse("admin:entities_entity_rate", args=[soufan.pk])).status_code == 403


@pytest.mark.parametrize("text", ["#68", "68", "ISKP plots", "  #68  "])
def test_the_queue_finds_a_claim_by_its_number_or_words(seed, fact_checker_client, text):
    response = fact_checker_client.get(DESK, {"queue": "unreviewed", "q": text})

    assert 68 in row_ids(response)


def test_a_bad_desk_filter_is_said_and_the_queue_still_shows(seed, fact_checker_client):
    response = fact_checker_client.get(DESK, {"days": "-3", "grade": "9", "assignee": "x"})

    assert response.status_code == 200
    assert "days:" in response.content.decode()
