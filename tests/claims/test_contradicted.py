"""The stored contradicted claims (`ContradictedClaim`, migration claims/0014) equal a computation from
the relations and the claims' publication, after every kind of write and under concurrent commits."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.db import connection

from apps.claims.models import Claim, ClaimRelation, ContradictedClaim
from apps.claims.services import claims_set_publication

CONTRADICTS = ClaimRelation.Kind.CONTRADICTS


def stored() -> dict[int, bool]:
    return dict(ContradictedClaim.objects.values_list("claim_id", "by_published"))


def from_scratch() -> dict[int, bool]:
    """{claim: contradicted by a published claim} for every claim in a contradiction."""
    found: dict[int, bool] = {}
    published = set(Claim.objects.published().values_list("pk", flat=True))
    for low, high in ClaimRelation.objects.filter(kind=CONTRADICTS).values_list("from_claim", "to_claim"):
        found[low] = found.get(low, False) or high in published
        found[high] = found.get(high, False) or low in published
    return found


def contradict(first: Claim, second: Claim) -> ClaimRelation:
    low, high = sorted([first, second], key=lambda claim: claim.pk)
    return ClaimRelation.objects.create(kind=CONTRADICTS, from_claim=low, to_claim=high)


def test_the_seed_is_stored_as_computed(seed):
    assert stored() == from_scratch()
    assert any(stored().values())


def test_every_kind_of_write_keeps_the_rows_as_computed(seed, make_claim):
    draft = make_claim("Al-Qaeda left Kunar.", publication=Claim.Publication.DRAFT)
    alone = Claim.objects.published().exclude(pk__in=stored()).order_by("pk").first()
    other = Claim.objects.published().exclude(pk__in=stored()).exclude(pk=alone.pk).order_by("pk").first()
    steps = []

    relation = contradict(draft, alone)  # by a draft: contradicted, not by a published claim
    steps.append(stored() == from_scratch() and stored()[alone.pk] is False)
    claims_set_publication(claim_ids=[draft.pk], publication=Claim.Publication.PUBLISHED)
    steps.append(stored() == from_scratch() and stored()[alone.pk] is True)
    Claim.objects.filter(pk=draft.pk).update(publication=Claim.Publication.DRAFT)  # a queryset update
    steps.append(stored() == from_scratch() and stored()[alone.pk] is False)
    ClaimRelation.objects.filter(pk=relation.pk).update(kind=ClaimRelation.Kind.SUPPORTS)  # no longer one
    steps.append(stored() == from_scratch() and alone.pk not in stored())
    ClaimRelation.objects.bulk_create(
        [
            ClaimRelation(
                kind=CONTRADICTS, from_claim=min(alone, other, key=_pk), to_claim=max(alone, other, key=_pk)
            )
        ]
    )
    steps.append(stored() == from_scratch() and stored()[alone.pk] is True and stored()[other.pk] is True)
    other.delete()  # its relations go with it (a cascade)
    steps.append(stored() == from_scratch() and alone.pk not in stored() and other.pk not in stored())

    assert steps == [True] * 6


def _pk(claim: Claim) -> int:
    return claim.pk


def _connect() -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )


def _waiting(conn: psycopg.Connection, pid: int, seconds: float = 10.0) -> bool:
    """Whether the backend `pid` came to wait for a lock within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        row = conn.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
        if row and row[0] == "Lock":
            return True
        time.sleep(0.02)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_contradiction_added_while_its_other_claim_is_unpublished_is_stored_as_it_ends(make_claim):
    """T1 adds "B contradicts A" while T2 unpublishes B, and their commits overlap: T1's refresh has
    read B as published when T2 commits. T2's refresh must wait for T1's commit and count the new
    contradiction, so that A ends as it is: contradicted by no published claim (without the lock the
    refreshes take turns on, it ended contradicted by B)."""
    a = make_claim("Al-Qaeda runs camps in Kunar.")
    b = make_claim("There are no camps in Kunar.")
    c = make_claim("The camps moved to Nuristan.", publication=Claim.Publication.DRAFT)
    contradict(a, c)  # A already has a row: contradicted, by a draft only
    assert stored() == {a.pk: False, c.pk: True}

    with _connect() as holder, _connect() as t1, _connect() as t2, _connect() as watcher:
        watcher.autocommit = True
        # T1's refresh will stop at A's row, held here, after it has read the claims' publication
        holder.execute("SELECT 1 FROM claims_contradictedclaim WHERE claim_id = %s FOR UPDATE", [a.pk])
        low, high = sorted([a.pk, b.pk])
        t1.execute(
            "INSERT INTO claims_claimrelation (kind, from_claim_id, to_claim_id, note, created, updated)"
            " VALUES ('contradicts', %s, %s, '', now(), now())",
            [low, high],
        )
        t2.execute("UPDATE claims_claim SET publication = 'draft' WHERE id = %s", [b.pk])
        t1_pid, t2_pid = t1.info.backend_pid, t2.info.backend_pid

        errors: list[BaseException] = []

        def commit(conn: psycopg.Connection) -> None:
            try:
                conn.commit()
            except BaseException as error:  # reported by the test, below
                errors.append(error)

        first = threading.Thread(target=commit, args=(t1,))
        first.start()
        assert _waiting(watcher, t1_pid)  # T1 is in its refresh, waiting for A's row
        second = threading.Thread(target=commit, args=(t2,))
        second.start()
        second.join(timeout=1.0)  # T2 commits now unless its refresh waits for T1's
        holder.rollback()
        first.join(timeout=10)
        second.join(timeout=10)
        assert not errors and not first.is_alive() and not second.is_alive()
        assert t2_pid  # both committed

    assert from_scratch() == {a.pk: False, b.pk: True, c.pk: True}
    assert stored() == from_scratch()
