"""Writes that race on one row: a PATCH against a DELETE, and several PATCHes holding one ETag.

Each race GETs the row's ETag, then releases its requests together from threads; what won is
printed (run with `-s`), and the row in the database must say the same as the responses did.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest
import requests
from django.db import models

from apps.claims.models import Attestation, Claim, ClaimRelation
from tests.reliability.conftest import PASSWORD
from tests.reliability.racing import LiveAPI, login, server_errors, statuses


@dataclass(frozen=True)
class Pair:
    """One PATCH raced against one DELETE of the same row, and what the row is afterwards."""

    pk: int
    deleted: requests.Response
    patched: requests.Response
    exists: bool
    patch_stored: bool

    @property
    def outcome(self) -> str:
        deleted, patched = self.deleted.status_code, self.patched.status_code
        if deleted == 204 and patched in (404, 412) and not self.exists:
            return "deleted"
        if patched == 200 and deleted == 412 and self.patch_stored:
            return "updated"
        if self.deleted.ok and self.patched.ok:
            return "both"
        return "other"

    def __str__(self) -> str:
        return (
            f"#{self.pk}: DELETE {self.deleted.status_code}, PATCH {self.patched.status_code}, "
            f"{'exists' if self.exists else 'gone'}"
        )


def race_patch_against_delete(
    api: LiveAPI, model: type[models.Model], collection: str, pks: list[int], change: dict[str, str]
) -> list[Pair]:
    """For each row, GET its ETag, then send a DELETE and a PATCH with it at the same moment."""
    pairs = []
    for pk in pks:
        path = f"{collection}{pk}/"
        tag = api.etag(path)
        deleted, patched = api.race(
            [api.call("DELETE", path, if_match=tag), api.call("PATCH", path, json=change, if_match=tag)]
        )
        rows = model.objects.filter(pk=pk)
        pairs.append(Pair(pk, deleted, patched, rows.exists(), rows.filter(**change).exists()))
    return pairs


def report(noun: str, pairs: list[Pair]) -> None:
    outcomes = Counter(pair.outcome for pair in pairs)
    resurrected = sum(pair.deleted.status_code == 204 and pair.exists for pair in pairs)
    print(
        f"\n{noun}: {len(pairs)} pairs, {outcomes['deleted']} deleted, {outcomes['updated']} updated, "
        f"{outcomes['both']} both, {outcomes['other']} other, {resurrected} deleted yet still stored; "
        f"DELETE {statuses(p.deleted for p in pairs)}, PATCH {statuses(p.patched for p in pairs)}"
    )


@pytest.mark.django_db(transaction=True)
def test_a_patch_racing_a_delete_of_a_claim_either_deletes_it_or_updates_it_never_both(seed, editor_api):
    pks = list(Claim.objects.published().order_by("pk").values_list("pk", flat=True)[:30])

    pairs = race_patch_against_delete(editor_api, Claim, "/api/v1/claims/", pks, {"status_note": "x"})

    report("claims", pairs)
    assert server_errors(r for pair in pairs for r in (pair.deleted, pair.patched)) == []
    assert [str(p) for p in pairs if p.deleted.status_code == 204 and p.exists] == []
    assert [str(p) for p in pairs if p.outcome not in ("deleted", "updated")] == []


@pytest.mark.django_db(transaction=True)
def test_a_patch_racing_a_delete_of_an_attestation_either_deletes_it_or_updates_it_never_both(
    seed, editor_api
):
    published = Attestation.objects.filter(claim__publication=Claim.Publication.PUBLISHED)
    pks = list(published.order_by("pk").values_list("pk", flat=True)[:15])

    pairs = race_patch_against_delete(
        editor_api, Attestation, "/api/v1/attestations/", pks, {"note": "checked in a race"}
    )

    report("attestations", pairs)
    assert server_errors(r for pair in pairs for r in (pair.deleted, pair.patched)) == []
    assert [str(p) for p in pairs if p.deleted.status_code == 204 and p.exists] == []
    assert [str(p) for p in pairs if p.outcome not in ("deleted", "updated")] == []


@pytest.mark.django_db(transaction=True)
def test_of_ten_patches_sent_with_one_etag_exactly_one_is_stored(seed, editor_api):
    claim = Claim.objects.published().order_by("pk").first()
    path = f"/api/v1/claims/{claim.pk}/"
    notes = [f"note {n} of a race" for n in range(10)]
    tag = editor_api.etag(path)

    responses = editor_api.race(
        [editor_api.call("PATCH", path, json={"status_note": note}, if_match=tag) for note in notes]
    )

    stored = Claim.objects.get(pk=claim.pk)
    winners = [note for note, response in zip(notes, responses, strict=True) if response.status_code == 200]
    print(
        f"\nclaim PATCHes with one ETag: {len(notes)} sent, {statuses(responses)}, "
        f"stored {stored.status_note!r}, version {claim.version} -> {stored.version}"
    )
    assert server_errors(responses) == []
    assert statuses(responses) == {200: 1, 412: 9}
    assert [stored.status_note] == winners
    assert stored.version == claim.version + 1


@pytest.mark.django_db(transaction=True)
def test_writes_racing_on_related_claims_all_answer_and_none_is_a_server_error(seed, editor_api):
    # claims that contradict and support each other: each write regrades the others, so five
    # deletes and five patches at once lock shared rows in every order (PostgreSQL breaks the
    # deadlocks; the write it aborts runs again)
    related = ClaimRelation.objects.filter(
        from_claim__publication=Claim.Publication.PUBLISHED, to_claim__publication=Claim.Publication.PUBLISHED
    )
    pks = sorted({pk for pair in related.values_list("from_claim", "to_claim") for pk in pair})[:10]
    tags = {pk: editor_api.etag(f"/api/v1/claims/{pk}/") for pk in pks}
    deleted, patched = pks[::2], pks[1::2]

    responses = editor_api.race(
        [editor_api.call("DELETE", f"/api/v1/claims/{pk}/", if_match=tags[pk]) for pk in deleted]
        + [
            editor_api.call("PATCH", f"/api/v1/claims/{pk}/", json={"status": "disputed"}, if_match=tags[pk])
            for pk in patched
        ]
    )

    print(
        f"\nrelated claims: {len(deleted)} DELETEs and {len(patched)} PATCHes at once, {statuses(responses)}"
    )
    assert server_errors(responses) == []
    assert statuses(responses) == {204: len(deleted), 200: len(patched)}
    assert not Claim.objects.filter(pk__in=deleted).exists()
    assert set(Claim.objects.filter(pk__in=patched).values_list("status", flat=True)) == {"disputed"}


@pytest.mark.django_db(transaction=True)
def test_of_ten_assignments_of_one_claim_sent_with_one_etag_exactly_one_is_stored(
    seed, live_server, editor, fact_checker
):
    # five editors' and five fact-checkers' scripts each take the claim, holding the same ETag
    editors = LiveAPI(base=live_server.url, token=login(live_server.url, editor.username, PASSWORD))
    checkers = LiveAPI(base=live_server.url, token=login(live_server.url, fact_checker.username, PASSWORD))
    claim = Claim.objects.published().order_by("pk").first()
    path = f"/api/v1/claims/{claim.pk}/"
    tag = editors.etag(path)
    takers = [editor, fact_checker] * 5

    responses = editors.race(
        [
            (editors if who == editor else checkers).call(
                "PATCH", path, json={"assignee": who.pk}, if_match=tag
            )
            for who in takers
        ]
    )

    stored = Claim.objects.get(pk=claim.pk)
    winners = [who.pk for who, r in zip(takers, responses, strict=True) if r.status_code == 200]
    print(f"\nclaim assignments with one ETag: {statuses(responses)}, assigned to user {stored.assignee_id}")
    assert server_errors(responses) == []
    assert statuses(responses) == {200: 1, 412: 9}
    assert [stored.assignee_id] == winners
