"""The claims in a contradiction, stored (`ContradictedClaim`) for `?has_conflicts=`.

The filter read every contradiction and looked up the publication of both its ends, for the count
and again for the page: linear in the contradictions, 85 ms at 60k claims where the plain list takes
23 (issue 17). Now it reads one small table, a row a contradicted claim, `by_published` when a
published claim is among those that contradict it (what a reader, who sees no drafts, asks).

Triggers keep it, whoever writes (the API, the admin, a `bulk_create`, a cascade, a history revert):
- a contradiction inserted, deleted or changed: both its claims are refreshed;
- a claim's publication changed: the claims it is in a contradiction with are refreshed.
A refresh computes the rows of its claims afresh from the relations and the claims' publication.

Right under concurrent writes. A row depends on rows two transactions can change at once: T1 adds a
contradiction of A by B while T2 unpublishes B. Under READ COMMITTED, T1 sees B still published and
T2 does not see the new contradiction, so each refresh alone would leave A "contradicted by a
published claim" for good. So the triggers are constraint triggers deferred to the commit, and
every refresh first takes one transaction-level advisory lock: refreshes take turns, each after
the previous one committed, and each statement of a PL/pgSQL function (VOLATILE) reads a fresh
snapshot, so the later one sees the earlier one's writes and recomputes from them (which claims a
publication change touches is read under the lock too). The lock is held only from the refresh to
the commit, after the transaction's own writes: a transaction waiting for it holds no row the
holder needs, so it adds no deadlock. (A REPEATABLE READ transaction would refresh from its own
snapshot; the application runs READ COMMITTED.)

A test transaction never commits: tests/conftest.py sets these constraints IMMEDIATE in it.
"""

from django.db import migrations, models

# pg_advisory_xact_lock's key for the refreshes (the imports use theirs: apps/documents/ingest)
LOCK_KEY = 7_201_726_001

FUNCTIONS = rf"""
-- The rows of these claims, and of the claims in a contradiction with one of `neighbours_of`,
-- computed afresh; a claim no longer in any contradiction (or deleted) loses its row.
CREATE OR REPLACE FUNCTION ct_contradicted_refresh(ids bigint[], neighbours_of bigint[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  targets bigint[];
BEGIN
  PERFORM pg_advisory_xact_lock({LOCK_KEY});
  -- from here on each statement sees every refresh committed before the lock was granted
  targets := ids || ARRAY(
    SELECT to_claim_id FROM claims_claimrelation
    WHERE kind = 'contradicts' AND from_claim_id = ANY(neighbours_of)
    UNION
    SELECT from_claim_id FROM claims_claimrelation
    WHERE kind = 'contradicts' AND to_claim_id = ANY(neighbours_of)
  );
  DELETE FROM claims_contradictedclaim stored
  WHERE stored.claim_id = ANY(targets)
    AND NOT EXISTS (
      SELECT 1 FROM claims_claimrelation r
      WHERE r.kind = 'contradicts' AND r.from_claim_id = stored.claim_id
        AND EXISTS (SELECT 1 FROM claims_claim c WHERE c.id = stored.claim_id)
      UNION ALL
      SELECT 1 FROM claims_claimrelation r
      WHERE r.kind = 'contradicts' AND r.to_claim_id = stored.claim_id
        AND EXISTS (SELECT 1 FROM claims_claim c WHERE c.id = stored.claim_id)
    );
  WITH ends AS (
    SELECT from_claim_id AS claim_id, to_claim_id AS other_id FROM claims_claimrelation
    WHERE kind = 'contradicts' AND from_claim_id = ANY(targets)
    UNION ALL
    SELECT to_claim_id, from_claim_id FROM claims_claimrelation
    WHERE kind = 'contradicts' AND to_claim_id = ANY(targets)
  )
  INSERT INTO claims_contradictedclaim AS stored (claim_id, by_published)
  SELECT ends.claim_id, bool_or(other.publication = 'published')
  FROM ends
  JOIN claims_claim claim ON claim.id = ends.claim_id
  JOIN claims_claim other ON other.id = ends.other_id
  GROUP BY ends.claim_id
  ORDER BY ends.claim_id
  ON CONFLICT (claim_id) DO UPDATE SET by_published = EXCLUDED.by_published
  WHERE stored.by_published IS DISTINCT FROM EXCLUDED.by_published;
END $$;

CREATE OR REPLACE FUNCTION ct_contradicted_relation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.kind = 'contradicts' THEN
    PERFORM ct_contradicted_refresh(ARRAY[OLD.from_claim_id, OLD.to_claim_id], '{{}}');
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.kind = 'contradicts' THEN
    PERFORM ct_contradicted_refresh(ARRAY[NEW.from_claim_id, NEW.to_claim_id], '{{}}');
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION ct_contradicted_publication() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM ct_contradicted_refresh('{{}}', ARRAY[NEW.id]);
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER ct_contradicted_relation
AFTER INSERT OR UPDATE OR DELETE ON claims_claimrelation
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ct_contradicted_relation();

CREATE CONSTRAINT TRIGGER ct_contradicted_publication
AFTER UPDATE OF publication ON claims_claim
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
WHEN (OLD.publication IS DISTINCT FROM NEW.publication)
EXECUTE FUNCTION ct_contradicted_publication();

-- the claims contradicted now
WITH ends AS (
  SELECT from_claim_id AS claim_id, to_claim_id AS other_id FROM claims_claimrelation
  WHERE kind = 'contradicts'
  UNION ALL
  SELECT to_claim_id, from_claim_id FROM claims_claimrelation WHERE kind = 'contradicts'
)
INSERT INTO claims_contradictedclaim (claim_id, by_published)
SELECT ends.claim_id, bool_or(other.publication = 'published')
FROM ends JOIN claims_claim other ON other.id = ends.other_id
GROUP BY ends.claim_id;
"""

REVERSE = """
DROP TRIGGER IF EXISTS ct_contradicted_relation ON claims_claimrelation;
DROP TRIGGER IF EXISTS ct_contradicted_publication ON claims_claim;
DROP FUNCTION IF EXISTS ct_contradicted_relation();
DROP FUNCTION IF EXISTS ct_contradicted_publication();
DROP FUNCTION IF EXISTS ct_contradicted_refresh(bigint[], bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0013_updated_after_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="ContradictedClaim",
            fields=[
                (
                    "claim",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="claims.claim",
                    ),
                ),
                ("by_published", models.BooleanField()),
            ],
        ),
        migrations.RunSQL(FUNCTIONS, REVERSE),
    ]
