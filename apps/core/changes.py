"""The change log: one row per insert, update and delete of a row a mirror keeps, written by triggers.

Triggers (not model signals, which `.update()`, raw SQL and fixtures skip) call `ct_change_log()`,
which stamps each row with the writing transaction's id (`pg_current_xact_id()`). Those ids are not
in commit order — a transaction that wrote first may commit last — so a reader hands out only the
changes of transactions older than the oldest one still running (`pg_snapshot_xmin` of its own
snapshot) and orders them by (generation, transaction id, row id): whatever commits later has a
larger key than anything already handed out, so a consumer's stored position never skips a change
(apps/api/v1/changes.py reads it; docs/api.md "Keeping a mirror" explains it to consumers).

Transaction ids restart when a dump is restored into another PostgreSQL cluster, so each row also
records the cluster's *generation*: a new cluster (another `system_identifier`) starts a new one,
and everything logged under an older generation is finished and sorts first.

The tables are domain-free. A row that only some readers may see (a draft claim, the quotes of
one) says so with `public` (for a row with a publication state: public after the change) and
`visible_with` (the ids of the rows it is visible only together with); the API decides what that
means for a reader.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.postgres.fields import ArrayField
from django.db import connection, models


class Change(models.Model):
    """One insert, update or delete of one row (or of one of its links, as an update of it)."""

    class Op(models.TextChoices):
        INSERT = "insert"
        UPDATE = "update"
        DELETE = "delete"

    gen = models.PositiveIntegerField(help_text="The cluster generation (ChangeCluster) it was written in.")
    xid = models.BigIntegerField(help_text="pg_current_xact_id() of the transaction that wrote it.")
    kind = models.CharField(max_length=16)
    object_id = models.BigIntegerField()
    op = models.CharField(max_length=6, choices=Op)
    # rows with a publication state (claims): published after the change, and before it
    public = models.BooleanField(null=True)
    was_public = models.BooleanField(null=True)
    # rows visible only with others (an attestation with its claim, a relation with both claims):
    # their ids after the change, and before it
    visible_with = ArrayField(models.BigIntegerField(), null=True)
    visible_with_before = ArrayField(models.BigIntegerField(), null=True)

    class Meta:
        indexes = [
            # the feed: changes after a position, in (generation, transaction, row) order
            models.Index(fields=["gen", "xid", "id"], name="change_position"),
            # a reader's "was this claim ever published": the feed's visibility test for its rows
            models.Index(
                fields=["kind", "object_id"], name="change_ever_public", condition=models.Q(public=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.op} {self.kind} #{self.object_id} ({self.gen}:{self.xid})"


class ChangeTransaction(models.Model):
    """A transaction that logged changes, with the time it committed (a deferred trigger sets it
    just before the commit; until then it is the time of its first change)."""

    gen = models.PositiveIntegerField()
    xid = models.BigIntegerField()
    committed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["gen", "xid"], name="changetransaction_unique_xid")]

    def __str__(self) -> str:
        return f"{self.gen}:{self.xid} at {self.committed_at:%Y-%m-%d %H:%M:%S}"


class ChangeCluster(models.Model):
    """A PostgreSQL cluster the database has lived in: its transaction ids are comparable only
    among themselves. The latest one is the current generation."""

    gen = models.PositiveIntegerField(primary_key=True)
    system_identifier = models.BigIntegerField()
    first_seen = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"generation {self.gen} (cluster {self.system_identifier})"


@dataclass(frozen=True, order=True)
class Position:
    """A place in the log: after every change at or before it, in (generation, transaction, row) order."""

    gen: int
    xid: int
    id: int


START = Position(0, 0, 0)


@dataclass(frozen=True)
class LoggedChange:
    position: Position
    kind: str
    object_id: int
    op: str
    public: bool | None
    was_public: bool | None
    # when its transaction committed (None for a transaction the log lost track of)
    at: datetime.datetime | None


@dataclass(frozen=True)
class ChangePage:
    changes: list[LoggedChange]
    # where the next page starts: past every change this one considered
    next: Position
    # whether more changes are there now (the next page is not empty)
    more: bool


# Changes of finished transactions only: those older than the oldest transaction in this
# statement's snapshot that may still add to the log what the statement cannot see (or logged in an
# older cluster). The snapshot's running transactions are the whole cluster's: one pg_stat_activity
# shows connected to another database, or vacuuming (autovacuum's ANALYZE takes a transaction id
# and never fires a trigger), cannot write this log; one it shows connected to this database may.
# One it cannot place (usually one that ended between the snapshot and the look at
# pg_stat_activity) is asked of `ct_change_unseen`, after the look: the CASE keeps that order.
# With `gated_by`, only the rows that were ever visible to everyone: every row they are visible
# with (`visible_with`, before or after the change) has been public at some point.
_PAGE_SQL = """
WITH snapshot AS MATERIALIZED (
    SELECT pg_current_snapshot() AS snapshot
),
horizon AS MATERIALIZED (
    SELECT ct_change_reading_generation() AS gen,
           coalesce(
             (SELECT min(running::text::bigint)
              FROM pg_snapshot_xip(s.snapshot) AS running
              LEFT JOIN LATERAL (
                SELECT a.datid, a.backend_type FROM pg_stat_activity a
                WHERE a.backend_xid = running::xid LIMIT 1) a ON true
              WHERE CASE
                WHEN a.backend_type = 'autovacuum worker' THEN false
                WHEN a.datid IS NOT NULL THEN
                  a.datid = (SELECT oid FROM pg_database WHERE datname = current_database())
                ELSE ct_change_unseen(running)
              END),
             pg_snapshot_xmax(s.snapshot)::text::bigint
           ) AS xmin
    FROM snapshot s
),
page AS (
    SELECT c.gen, c.xid, c.id, c.kind, c.object_id, c.op, c.public, c.was_public
    FROM core_change c, horizon h
    WHERE (c.gen, c.xid, c.id) > (%(gen)s, %(xid)s, %(id)s)
      AND (c.gen < h.gen OR (c.gen = h.gen AND c.xid < h.xmin))
      AND (
        %(gated_by)s::text IS NULL
        OR (c.visible_with IS NULL AND c.visible_with_before IS NULL)
        OR (cardinality(c.visible_with) > 0 AND NOT EXISTS (
              SELECT FROM unnest(c.visible_with) AS w(id) WHERE NOT EXISTS (
                SELECT FROM core_change p WHERE p.kind = %(gated_by)s AND p.object_id = w.id AND p.public)))
        OR (cardinality(c.visible_with_before) > 0 AND NOT EXISTS (
              SELECT FROM unnest(c.visible_with_before) AS w(id) WHERE NOT EXISTS (
                SELECT FROM core_change p WHERE p.kind = %(gated_by)s AND p.object_id = w.id AND p.public)))
      )
    ORDER BY c.gen, c.xid, c.id
    LIMIT %(limit)s
),
last AS (
    SELECT c.gen, c.xid, c.id
    FROM core_change c, horizon h
    WHERE c.gen < h.gen OR (c.gen = h.gen AND c.xid < h.xmin)
    ORDER BY c.gen DESC, c.xid DESC, c.id DESC
    LIMIT 1
)
SELECT false AS is_last, p.gen, p.xid, p.id, p.kind, p.object_id, p.op, p.public, p.was_public,
       t.committed_at
FROM page p LEFT JOIN core_changetransaction t ON t.gen = p.gen AND t.xid = p.xid
UNION ALL
SELECT true, gen, xid, id, NULL, NULL, NULL, NULL, NULL, NULL FROM last
ORDER BY is_last, gen, xid, id
"""


def change_page(*, after: Position, limit: int, gated_by: str | None = None) -> ChangePage:
    """Up to `limit` changes after `after`, oldest transaction first; one query. With `gated_by`
    (a kind with a publication state), the changes an anonymous reader may be told of."""
    params = {"gen": after.gen, "xid": after.xid, "id": after.id, "limit": limit + 1, "gated_by": gated_by}
    with connection.cursor() as cursor:
        cursor.execute(_PAGE_SQL, params)
        rows = cursor.fetchall()
    last = next((Position(*row[1:4]) for row in rows if row[0]), None)
    changes = [LoggedChange(Position(*row[1:4]), *row[4:10]) for row in rows if not row[0]]
    more = len(changes) > limit
    changes = changes[:limit]
    if more:
        following = changes[-1].position
    else:
        # the page holds every change up to the last finished one: start the next page past it
        following = max(after, last or after, *(c.position for c in changes[-1:]))
    return ChangePage(changes=changes, next=following, more=more)


def position_known(position: Position) -> bool:
    """Whether a change is logged at `position` (every position the feed hands out is one)."""
    if position == START:
        return True
    return Change.objects.filter(gen=position.gen, xid=position.xid, id=position.id).exists()
