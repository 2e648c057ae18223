"""The changes feed against writers that commit in another order than they wrote, on a live server.

A consumer that stores "the last id" or "the last time" skips the change of a transaction that wrote
before it and committed after it. The feed hands out only changes of finished transactions, in
transaction order, so the consumer's copy ends up as the database is. What happened is printed
(run with `-s`).
"""

from __future__ import annotations

import random
import threading
import time

import psycopg
import pytest
import requests
from django.db import connection

from apps.claims.models import Claim
from tests.reliability.racing import TIMEOUT

pytestmark = pytest.mark.django_db(transaction=True)


def _connect() -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )


class Consumer:
    """A reader of the feed that keeps {claim id: status_note} of the published claims."""

    def __init__(self, base: str) -> None:
        self.url = base + "/api/v1/changes/"
        self.since: str | None = None
        self.notes: dict[int, str] = {}
        self.pages = 0

    def read(self) -> list[dict]:
        """Every change since the stored cursor, applied; the changes read."""
        read = []
        with requests.Session() as session:
            while True:
                params = {"limit": 200, **({"since": self.since} if self.since else {})}
                response = session.get(self.url, params=params, timeout=TIMEOUT)
                assert response.status_code == 200, response.text
                page = response.json()
                self.pages += 1
                for change in page["results"]:
                    if change["type"] != "claim":
                        continue
                    if change["action"] == "delete":
                        self.notes.pop(change["id"], None)
                    else:
                        self.notes[change["id"]] = change["object"]["status_note"]
                read += page["results"]
                self.since = page["next"]
                if not page["more"]:
                    return read


def test_a_transaction_that_writes_first_and_commits_last_reaches_the_consumer(seed, live_server, editor_api):
    consumer = Consumer(live_server.url)
    consumer.read()
    # two claims no regrade of the other touches: the long transaction locks one of them
    unrelated = Claim.objects.published().filter(relations_out__isnull=True, relations_in__isnull=True)
    first, second = unrelated.order_by("pk")[:2]
    path = f"/api/v1/claims/{second.pk}/"

    with _connect() as long:
        # an import, say: it writes first, then works on
        long.execute("UPDATE claims_claim SET status_note = 'from the long one' WHERE id = %s", [first.pk])
        # meanwhile an editor's PATCH commits
        with editor_api.session() as session:
            patched = session.patch(
                live_server.url + path,
                json={"status_note": "from the API"},
                headers={"If-Match": editor_api.etag(path)},
                timeout=TIMEOUT,
            )
        assert patched.status_code == 200, patched.text
        # and the consumer reads the feed
        meanwhile = consumer.read()
        long.commit()
    afterwards = consumer.read()

    told = lambda changes: [(c["id"], c["object"]["status_note"]) for c in changes if c["type"] == "claim"]  # noqa: E731
    print(f"\nwhile the long transaction was open the consumer was told of: {told(meanwhile)}")
    print(f"after it committed: {told(afterwards)}")
    assert told(meanwhile) == []
    assert (first.pk, "from the long one") in told(afterwards)
    assert (second.pk, "from the API") in told(afterwards)
    assert consumer.notes[first.pk] == "from the long one"
    assert consumer.notes[second.pk] == "from the API"


def test_a_consumer_polling_through_racing_writers_ends_with_what_the_database_holds(seed, live_server):
    claims = list(Claim.objects.published().order_by("pk").values_list("pk", flat=True)[:20])
    consumer = Consumer(live_server.url)
    consumer.read()
    writers_done = threading.Event()
    errors: list[BaseException] = []
    rng = random.Random(15)
    plans = [[(sorted(rng.sample(claims, 2)), rng.uniform(0, 0.08)) for _ in range(12)] for _ in range(6)]

    def write(number: int) -> None:
        try:
            with _connect() as conn:
                for step, (targets, pause) in enumerate(plans[number]):
                    # each transaction writes one claim, waits (others commit meanwhile), writes another;
                    # in id order, so that two of them wait for each other's commit, never deadlock
                    with conn.transaction():
                        for target in targets:
                            conn.execute(
                                "UPDATE claims_claim SET status_note = %s WHERE id = %s",
                                [f"writer {number}, step {step}", target],
                            )
                            time.sleep(pause)
        except BaseException as error:  # re-raised on the test's thread
            errors.append(error)

    def poll() -> None:
        try:
            while not writers_done.is_set():
                consumer.read()
                time.sleep(0.005)
        except BaseException as error:
            errors.append(error)

    writers = [threading.Thread(target=write, args=(n,)) for n in range(len(plans))]
    reader = threading.Thread(target=poll)
    reader.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    writers_done.set()
    reader.join()
    consumer.read()
    if errors:
        raise errors[0]

    held = dict(Claim.objects.filter(pk__in=claims).values_list("pk", "status_note"))
    with connection.cursor() as cursor:
        # changes that committed after a change logged after them had committed: a cursor on the log's
        # id (or on the time of the write) read between the two commits would have skipped them
        cursor.execute(
            """
            SELECT count(*) FROM core_change c JOIN core_changetransaction t USING (gen, xid)
            WHERE c.kind = 'claim' AND EXISTS (
                SELECT FROM core_change later JOIN core_changetransaction lt USING (gen, xid)
                WHERE later.id > c.id AND lt.committed_at < t.committed_at)
            """
        )
        overtaken = cursor.fetchone()[0]
    print(
        f"\n{sum(len(plan) for plan in plans)} transactions by {len(plans)} writers; the consumer read "
        f"{consumer.pages} pages; {overtaken} claim changes were overtaken by a later one's commit"
    )
    assert {pk: consumer.notes.get(pk) for pk in claims} == held
    assert overtaken > 0  # the race did happen
