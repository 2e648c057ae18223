"""GET /api/v1/changes/: every create, update and delete, in transaction order, drafts never shown.

The feed hands out only the changes of finished transactions, so these tests commit their writes
(`transaction=True`): a test's own open transaction would hold every change back.
"""

from __future__ import annotations

import datetime
import time
from collections import Counter

import psycopg
import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.core.changes import Change, ChangeCluster
from apps.credibility.models import SourceRating
from apps.credibility.services import source_rating_create
from apps.documents.models import Document
from apps.entities.models import Alias, Entity

pytestmark = pytest.mark.django_db(transaction=True)

FEED = "/api/v1/changes/"
VIEWSET_KINDS = ["entity", "document", "claim", "attestation", "relation", "source-rating"]
TALIBAN_CLOSE = "The relationship between the Taliban and al-Qaeda remains close."


def feed(client, since: str | None = None, limit: int = 200) -> tuple[list[dict], str]:
    """Every change after `since`, following `next` while `more` says so; and the cursor after them.

    An empty answer is asked again for up to two seconds, as a consumer polls: the feed rightly holds
    a page back while a transaction of this database that may log a change is running (autovacuum's
    ANALYZE and other databases' transactions do not count; see the `ct_change_unseen` test)."""
    changes = []
    patience = time.monotonic() + 2.0
    while True:
        response = client.get(FEED, {"limit": limit, **({"since": since} if since else {})})
        assert response.status_code == 200, response.content
        page = response.json()
        changes += page["results"]
        if not changes and since is not None and time.monotonic() < patience:
            time.sleep(0.1)
            continue  # the same position again
        since = page["next"]
        if not page["more"]:
            return changes, since


def mirror_of(changes: list[dict], mirror: dict | None = None) -> dict[tuple[str, int], dict]:
    """Apply the changes in order, as a consumer does: a create or update stores, a delete removes."""
    mirror = {} if mirror is None else mirror
    for change in changes:
        key = (change["type"], change["id"])
        if change["action"] == "delete":
            mirror.pop(key, None)
        else:
            mirror[key] = change["object"]
    return mirror


def listed(client, resource: str) -> dict[int, dict]:
    """Every row of a list, by id, as this client's cursor pages give it."""
    rows, url = {}, f"/api/v1/{resource}/?cursor=&page_size=200"
    while url:
        page = client.get(url).json()
        rows.update({row["id"]: row for row in page["results"]})
        url = page["next"]
    return rows


def about(changes: list[dict], kind: str, pk: int) -> list[str]:
    return [change["action"] for change in changes if (change["type"], change["id"]) == (kind, pk)]


def _server_params() -> dict:
    settings = connection.settings_dict
    return {
        "dbname": settings["NAME"],
        "user": settings["USER"],
        "password": settings["PASSWORD"] or None,
        "host": settings["HOST"] or None,
        "port": settings["PORT"] or None,
    }


def test_the_feed_from_its_start_holds_every_row_a_reader_sees_as_its_list_shows_it(seed, client_as):
    reader = client_as("anonymous")

    changes, _ = feed(reader)

    mirror = mirror_of(changes)
    for kind, resource in [
        ("entity", "entities"),
        ("document", "documents"),
        ("claim", "claims"),
        ("attestation", "attestations"),
        ("relation", "relations"),
        ("source-rating", "source-ratings"),
    ]:
        rows = listed(reader, resource)
        kept = {pk: row for (k, pk), row in mirror.items() if k == kind}
        assert kept == rows, kind
    drafts = set(Claim.objects.filter(publication=Claim.Publication.DRAFT).values_list("pk", flat=True))
    assert drafts and not {change["id"] for change in changes if change["type"] == "claim"} & drafts
    print(Counter((change["type"], change["action"]) for change in changes))


def test_an_editor_is_told_of_the_drafts_too(seed, client_as):
    changes, _ = feed(client_as("editor"))

    claims = {pk for (kind, pk) in mirror_of(changes) if kind == "claim"}
    assert claims == set(Claim.objects.values_list("pk", flat=True))
    assert len(claims) > Claim.objects.published().count()


def test_a_draft_never_shows_to_a_reader_until_published_and_unpublishing_it_is_a_delete(
    seed, client_as, editor
):
    reader, desk = client_as("anonymous"), client_as("editor")
    _, reader_at = feed(reader)
    _, desk_at = feed(desk)
    published = Claim.objects.get(statement=TALIBAN_CLOSE)
    document = Document.objects.filter(attestations__claim=published).first()
    quote = published.attestations.filter(document=document).first().quote

    # an editor drafts a claim, quotes it, edits it and relates it to a published claim
    draft = Claim.objects.create(statement="A draft about Kunar.", publication=Claim.Publication.DRAFT)
    attestation = Attestation(claim=draft, document=document, quote=quote)
    attestation.full_clean()
    attestation.save()
    draft.statement = "A draft about Kunar, reworded."
    draft.save()
    relation = ClaimRelation.objects.create(
        kind=ClaimRelation.Kind.SUPPORTS, from_claim=draft, to_claim=published
    )

    seen, reader_at = feed(reader, reader_at)
    told, desk_at = feed(desk, desk_at)
    assert about(seen, "claim", draft.pk) == []
    assert about(seen, "attestation", attestation.pk) == []
    assert about(seen, "relation", relation.pk) == []
    assert about(told, "claim", draft.pk) == ["create", "update"]
    assert about(told, "attestation", attestation.pk) == ["create"]
    assert about(told, "relation", relation.pk) == ["create"]

    draft.publication = Claim.Publication.PUBLISHED
    draft.save()
    seen, reader_at = feed(reader, reader_at)
    assert about(seen, "claim", draft.pk) == ["create"]
    assert about(seen, "attestation", attestation.pk) == ["create"]
    assert about(seen, "relation", relation.pk) == ["create"]
    assert next(c for c in seen if c["type"] == "claim")["object"]["statement"] == draft.statement

    draft.publication = Claim.Publication.DRAFT
    draft.save()
    seen, reader_at = feed(reader, reader_at)
    assert about(seen, "claim", draft.pk) == ["delete"]
    assert about(seen, "attestation", attestation.pk) == ["delete"]
    assert about(seen, "relation", relation.pk) == ["delete"]
    assert all(change["object"] is None for change in seen if change["action"] == "delete")

    draft.statement = "A draft about Kunar, reworded while unpublished."
    draft.save()
    seen, reader_at = feed(reader, reader_at)
    assert about(seen, "claim", draft.pk) == ["delete"]  # still gone for a reader; its words are not there


def test_a_published_claim_made_a_draft_takes_its_quotes_and_relations_with_it(seed, client_as):
    reader = client_as("anonymous")
    _, at = feed(reader)
    claim = Claim.objects.get(statement=TALIBAN_CLOSE)
    quotes = set(claim.attestations.values_list("pk", flat=True))
    # the relations a reader sees: with another published claim
    relations = set(
        ClaimRelation.objects.filter(
            Q(from_claim=claim, to_claim__publication="published")
            | Q(to_claim=claim, from_claim__publication="published")
        ).values_list("pk", flat=True)
    )

    Claim.objects.filter(pk=claim.pk).update(publication=Claim.Publication.DRAFT)

    seen, _ = feed(reader, at)
    deleted = {(c["type"], c["id"]) for c in seen if c["action"] == "delete"}
    assert ("claim", claim.pk) in deleted
    assert {("attestation", pk) for pk in quotes} <= deleted
    assert {("relation", pk) for pk in relations} <= deleted
    assert quotes and relations


def test_a_deleted_row_is_a_tombstone_and_its_links_are_updates_of_it(seed, client_as):
    reader = client_as("anonymous")
    _, at = feed(reader)
    claim = Claim.objects.published().filter(relations_out__isnull=False).first()
    quotes = list(claim.attestations.values_list("pk", flat=True))
    entity = Entity.objects.create(name="Haqqani network", kind=Entity.Kind.ORGANIZATION)
    Alias.objects.create(entity=entity, name="شبكة حقاني", language="ar")
    other = Claim.objects.published().exclude(pk=claim.pk).first()
    other.subjects.add(entity)

    claim_id = claim.pk
    claim.delete()

    seen, _ = feed(reader, at)
    assert set(about(seen, "claim", claim_id)) == {"delete"}  # its subjects went first
    assert all(about(seen, "attestation", pk) == ["delete"] for pk in quotes)
    assert about(seen, "entity", entity.pk) == ["create", "update"]  # made, then given an alias
    assert next(c for c in seen if c["id"] == entity.pk and c["type"] == "entity")["object"]["aliases"] == [
        {"name": "شبكة حقاني", "language": "ar"}
    ]
    assert "update" in about(seen, "claim", other.pk)  # a subject added
    tombstone = next(c for c in seen if (c["type"], c["id"]) == ("claim", claim_id))
    assert tombstone["url"].endswith(f"/api/v1/claims/{claim_id}/") and tombstone["object"] is None


def test_a_rating_is_a_change_of_the_rating_and_of_its_entity(seed, client_as):
    reader = client_as("anonymous")
    _, at = feed(reader)
    entity = Entity.objects.get(name="Taliban")

    rating = source_rating_create(entity=entity, grade="C", rationale="Fairly reliable on its own moves.")

    seen, _ = feed(reader, at)
    assert about(seen, "source-rating", rating.pk) == ["create"]
    assert about(seen, "entity", entity.pk) == ["update"]
    assert next(c for c in seen if c["type"] == "entity")["object"]["reliability"]["grade"] == "C"


def test_what_changes_only_the_search_vector_or_is_rolled_back_is_no_change(seed, client_as):
    editor_view = client_as("editor")
    _, at = feed(editor_view)
    claim = Claim.objects.published().first()

    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_claim SET search_vector = NULL WHERE id = %s", [claim.pk])
    with pytest.raises(RuntimeError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(statement="Never said.")
        raise RuntimeError("rolled back")
    with transaction.atomic():
        Entity.objects.create(name="Kept")
        try:
            with transaction.atomic():  # a savepoint
                Entity.objects.create(name="Rolled back with its savepoint")
                raise RuntimeError
        except RuntimeError:
            pass

    seen, _ = feed(editor_view, at)
    assert [(c["type"], c["action"], c["object"]["name"]) for c in seen] == [("entity", "create", "Kept")]


def test_a_long_transaction_that_wrote_first_and_committed_last_is_not_skipped(seed, client_as):
    reader = client_as("anonymous")
    _, at = feed(reader)
    first, second = Claim.objects.published().order_by("pk")[:2]

    with psycopg.connect(**_server_params()) as long:
        # writes first (its transaction id is the smaller one) and stays open
        long.execute("UPDATE claims_claim SET status_note = 'long' WHERE id = %s", [first.pk])
        Claim.objects.filter(pk=second.pk).update(status_note="short")  # commits at once
        meanwhile, at_meanwhile = feed(reader, at)
        long.commit()
    afterwards, _ = feed(reader, at_meanwhile)

    print(f"while the long transaction ran: {[(c['type'], c['id']) for c in meanwhile]}")
    print(f"after it committed: {[(c['type'], c['id'], c['object']['status_note']) for c in afterwards]}")
    # the later transaction's change waited for the earlier one: nothing was handed out past it
    assert meanwhile == []
    assert [(c["id"], c["object"]["status_note"]) for c in afterwards] == [
        (first.pk, "long"),
        (second.pk, "short"),
    ]
    assert afterwards[0]["at"] > afterwards[1]["at"]  # committed last, listed first: transaction order


def test_a_transaction_that_is_still_open_holds_back_only_what_came_after_it(seed, client_as):
    reader = client_as("anonymous")
    _, at = feed(reader)
    first, second = Claim.objects.published().order_by("pk")[:2]

    Claim.objects.filter(pk=first.pk).update(status_note="before")
    with psycopg.connect(**_server_params()) as long:
        long.execute("UPDATE claims_claim SET status_note = 'long' WHERE id = %s", [second.pk])
        meanwhile, at = feed(reader, at)
        long.commit()
    afterwards, _ = feed(reader, at)

    assert [(c["id"], c["object"]["status_note"]) for c in meanwhile] == [(first.pk, "before")]
    assert [(c["id"], c["object"]["status_note"]) for c in afterwards] == [(second.pk, "long")]


def _unseen(xid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT ct_change_unseen(%s::text::xid8)", [xid])
        return cursor.fetchone()[0]


def test_a_transaction_the_feed_cannot_place_holds_it_back_only_while_it_may_hide_a_change(seed):
    """The feed asks `ct_change_unseen` of a running transaction pg_stat_activity does not show
    (one that ended as the feed read: in full parallel runs about one read in two thousand, and the
    page came back empty where changes were due). Each state it may be found in, made on purpose."""
    claim = Claim.objects.published().first()
    with psycopg.connect(**_server_params(), autocommit=True) as other:
        logged_nothing = other.execute("SELECT pg_current_xact_id()::text::bigint").fetchone()[0]
        with other.transaction():
            other.execute("UPDATE claims_claim SET status_note = 'committed' WHERE id = %s", [claim.pk])
            committed = other.execute("SELECT pg_current_xact_id()::text::bigint").fetchone()[0]
        other.execute("BEGIN")
        other.execute("UPDATE claims_claim SET status_note = 'rolled back' WHERE id = %s", [claim.pk])
        rolled_back = other.execute("SELECT pg_current_xact_id()::text::bigint").fetchone()[0]
        other.execute("ROLLBACK")
        other.execute("BEGIN")
        running = other.execute("SELECT pg_current_xact_id()::text::bigint").fetchone()[0]

        assert _unseen(running) is True  # may still log a change
        assert _unseen(committed) is True  # logged here: a snapshot older than its commit misses it
        assert _unseen(logged_nothing) is False  # another database's, or one that wrote no change
        assert _unseen(rolled_back) is False  # its change never happened
        other.execute("ROLLBACK")

    # a reader with one snapshot for its whole transaction cannot tell: it holds back
    with psycopg.connect(**_server_params()) as reader, psycopg.connect(**_server_params()) as other:
        reader.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        other.execute("SELECT 1")
        ended = other.execute("SELECT pg_current_xact_id()::text::bigint").fetchone()[0]
        reader.execute("SELECT 1")  # the reader's snapshot: `ended` is running in it
        other.commit()
        assert reader.execute("SELECT ct_change_unseen(%s::text::xid8)", [ended]).fetchone()[0] is True


def test_changes_after_a_restore_into_another_cluster_come_after_every_old_one(seed, client_as):
    reader = client_as("anonymous")
    _, at = feed(reader)
    # as if the log came from a cluster whose transaction ids ran far ahead of this one's
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_change SET xid = xid + 1000000000000")
        cursor.execute("UPDATE core_changetransaction SET xid = xid + 1000000000000")
    ChangeCluster.objects.update(system_identifier=42)
    _, at = feed(reader)  # a consumer's cursor from the old cluster
    claim = Claim.objects.published().first()

    Claim.objects.filter(pk=claim.pk).update(status_note="after the restore")

    seen, _ = feed(reader, at)
    assert [(c["id"], c["object"]["status_note"]) for c in seen] == [(claim.pk, "after the restore")]
    assert list(ChangeCluster.objects.values_list("gen", flat=True).order_by("gen")) == [1, 2]
    assert Change.objects.filter(gen=2).count() == 1


def test_a_page_runs_a_fixed_number_of_queries(seed, client_as, django_assert_num_queries):
    reader = client_as("anonymous")
    _, at = feed(reader)
    claims = list(Claim.objects.published().order_by("pk")[:12])

    def one_of_each(round: int) -> None:
        entity = Entity.objects.create(name=f"Entity {round}")
        Document.objects.filter(pk=Document.objects.order_by("pk")[round].pk).update(title=f"Title {round}")
        SourceRating.objects.create(entity=entity, grade="B", rationale="Usually right.")
        claim = claims[round]
        Claim.objects.filter(pk=claim.pk).update(publication=Claim.Publication.DRAFT)  # and its dependents
        Claim.objects.filter(pk=claim.pk).update(publication=Claim.Publication.PUBLISHED)
        Attestation.objects.filter(pk=claims[round + 6].attestations.first().pk).update(note=f"Note {round}")
        ClaimRelation.objects.filter(pk=ClaimRelation.objects.order_by("pk")[round].pk).update(
            note=f"{round}"
        )

    one_of_each(0)
    # 1 the log (changes, their commit times, the last position)  2 the cursor is one of its positions
    # 3 the attestations and relations of the claims published or made drafts  4 entities  5 aliases
    # 6 the entities they draw on  7 documents+outlets  8 authors  9 cited documents  10 documents they
    # draw on  11 claims  12 their subjects, attestations+…, outgoing and incoming relations
    # 13 attestations  14 relations  15 ratings
    with django_assert_num_queries(15):
        few = reader.get(FEED, {"since": at, "limit": 200}).json()
    for round in range(1, 6):
        one_of_each(round)
    with django_assert_num_queries(15):
        many = reader.get(FEED, {"since": at, "limit": 200}).json()

    kinds = [Counter(change["type"] for change in page["results"]) for page in (few, many)]
    assert all(set(counted) == {*VIEWSET_KINDS} for counted in kinds)
    assert kinds[1]["source-rating"] == 6 * kinds[0]["source-rating"]


@pytest.mark.parametrize(
    "since",
    [
        "x",
        "!!!",
        "MS4xLjEuMQ==",  # padded
        "MS4wMS4xLjE",  # 1.01.1.1: a leading zero
        "Mi4xLjEuMQ",  # 2.1.1.1: another version
        "MS45OTk5OTk5OTk5OTk5OTk5OTk5OTkuMS4x",  # past a bigint
        "MS4xLjEuMTIzNDU2Nzg5",  # well formed, but no change is logged there
        "🙂",
        "a" * 200,
    ],
)
def test_a_tampered_cursor_is_a_404_as_for_the_lists_never_a_500(db, client_as, assert_documented, since):
    response = client_as("anonymous").get(FEED, {"since": since})

    assert response.status_code == 404
    assert "cursor" in response.json()["detail"]
    assert_documented(response)


@pytest.mark.parametrize("limit", ["0", "201", "ten", "-1", "1e3"])
def test_a_bad_limit_is_a_400_naming_it(db, client_as, assert_documented, limit):
    response = client_as("anonymous").get(FEED, {"limit": limit})

    assert response.status_code == 400
    assert list(response.json()) == ["limit"]
    assert_documented(response)


def test_a_write_to_the_feed_is_refused(db, client_as):
    assert client_as("editor").post(FEED, {}, format="json").status_code == 405


LISTS = ["entities", "documents", "claims", "attestations", "relations", "source-ratings"]


def test_updated_after_lists_only_the_rows_changed_since(seed, client_as):
    reader = client_as("anonymous")
    for rating_of in Entity.objects.order_by("pk")[:3]:
        SourceRating.objects.create(
            entity=rating_of,
            grade="B",
            rationale="Old.",
            rated_at=timezone.now() - datetime.timedelta(days=9),
        )
    since = timezone.now()
    Entity.objects.filter(pk=Entity.objects.order_by("pk").first().pk).update(updated=timezone.now())
    Document.objects.filter(pk=Document.objects.order_by("pk").first().pk).update(updated=timezone.now())
    claim = Claim.objects.published().order_by("pk").first()
    Claim.objects.filter(pk=claim.pk).update(updated=timezone.now())
    Attestation.objects.filter(pk=claim.attestations.first().pk).update(updated=timezone.now())
    relation = ClaimRelation.objects.filter(
        from_claim__publication="published", to_claim__publication="published"
    ).first()
    ClaimRelation.objects.filter(pk=relation.pk).update(updated=timezone.now())
    SourceRating.objects.create(entity=Entity.objects.first(), grade="C", rationale="New.")

    counts = {
        resource: reader.get(f"/api/v1/{resource}/", {"updated_after": since.isoformat()}).json()["count"]
        for resource in LISTS
    }
    # the seed's rows were all last changed on one day: from the day before, every one of them
    seed_day = Claim.objects.earliest("updated").updated.date()
    day_before = (seed_day - datetime.timedelta(days=1)).isoformat()
    by_day = reader.get("/api/v1/claims/", {"updated_after": day_before}).json()["count"]

    assert counts == dict.fromkeys(LISTS, 1)
    assert by_day == Claim.objects.published().count()


@pytest.mark.parametrize("resource", LISTS)
@pytest.mark.parametrize(
    "value", ["yesterday", "2024-13-01", "0001-01-01T00:00:00+23:59", "9999-12-31T23:59-23:59"]
)
def test_a_bad_updated_after_is_a_400_naming_it(db, client_as, assert_documented, resource, value):
    response = client_as("anonymous").get(f"/api/v1/{resource}/", {"updated_after": value})

    assert response.status_code == 400
    assert list(response.json()) == ["updated_after"]
    assert_documented(response)


def test_the_schema_documents_the_feed_and_updated_after_on_every_list(db, client):
    schema = client.get("/api/schema/?format=json").json()

    feed_get = schema["paths"]["/api/v1/changes/"]["get"]
    assert {p["name"] for p in feed_get["parameters"]} == {"since", "limit"}
    assert {"200", "400", "404"} <= set(feed_get["responses"])
    for resource in LISTS:
        names = {p["name"] for p in schema["paths"][f"/api/v1/{resource}/"]["get"]["parameters"]}
        assert "updated_after" in names, resource
    assert "updated_after" not in {
        p["name"] for p in schema["paths"]["/api/v1/regrades/"]["get"]["parameters"]
    }
    assert "updated_after" not in {
        p["name"] for p in schema["paths"]["/api/v1/claims/{id}/"]["get"].get("parameters", [])
    }
