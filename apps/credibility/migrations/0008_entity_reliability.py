"""Each entity's current rating and track record, stored (`EntityReliability`) for the entities list.

The list read them with about eleven correlated subqueries a row, the track-record counts scanning
every claim the entity affirmed (issue 17: 313 ms at 20k claims, 1,287 ms at 60k). Triggers keep
the row current in the transaction of every write, whichever code makes it (services, the admin, a
`bulk_create` of ratings, a `queryset.update()` of publication, a cascade delete):
- a rating written, moved (a merge) or deleted: the entity's latest rating read again by the index
  on (entity, -rated_at, -id), one statement for the whole statement's rows;
- a claim inserted, updated or deleted where its status, its publication or its affirmers changed
  (the row trigger's WHEN skips every other update, a regrade's included): what it counted before is
  taken away and what it counts now is added, for its affirmers only, in one statement.
Then every existing entity's figures are filled in from scratch.
"""

import django.db.models.deletion
from django.db import migrations, models

# PL/pgSQL, its statements' plans kept for the session, and generic: a row trigger calls them once a
# changed claim, and planning each call afresh (the default, for arrays of unknown length) cost
# 0.5 ms a call where the generic plan costs 0.19 ms (measured at 20k claims).
FUNCTIONS = r"""
-- The latest rating of each of these entities, stored; `may_insert` false (a rating deleted) only
-- updates a row that is there: an entity being deleted has its row deleted too, not made anew.
CREATE OR REPLACE FUNCTION ct_reliability_rating(ids bigint[], may_insert boolean) RETURNS void
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  INSERT INTO credibility_entityreliability AS stored (entity_id, grade, rationale, rated_at)
  SELECT e.id, r.grade, r.rationale, r.rated_at
  FROM entities_entity e
  LEFT JOIN LATERAL (
    SELECT grade, rationale, rated_at FROM credibility_sourcerating
    WHERE entity_id = e.id ORDER BY rated_at DESC, id DESC LIMIT 1
  ) r ON true
  WHERE e.id = ANY(ids)
    AND (may_insert OR EXISTS (SELECT 1 FROM credibility_entityreliability s WHERE s.entity_id = e.id))
  ORDER BY e.id  -- rows locked in one order: two writers wait, never deadlock
  ON CONFLICT (entity_id) DO UPDATE
  SET grade = EXCLUDED.grade, rationale = EXCLUDED.rationale, rated_at = EXCLUDED.rated_at
  WHERE (stored.grade, stored.rationale, stored.rated_at)
    IS DISTINCT FROM (EXCLUDED.grade, EXCLUDED.rationale, EXCLUDED.rated_at);
END $$;

CREATE OR REPLACE FUNCTION ct_reliability_ratings_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM ct_reliability_rating(ARRAY(SELECT DISTINCT entity_id FROM new_rows), true);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION ct_reliability_ratings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM ct_reliability_rating(
    ARRAY(SELECT entity_id FROM old_rows UNION SELECT entity_id FROM new_rows), true
  );
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION ct_reliability_ratings_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM ct_reliability_rating(ARRAY(SELECT DISTINCT entity_id FROM old_rows), false);
  RETURN NULL;
END $$;

-- A claim's count moved: `before` (the affirmers it counted for, with its status then) taken away,
-- `after` added; an entity in both with the same status is not written. Entities deleted since
-- (a merge's duplicate) are skipped; a row made here takes the entity's rating with it.
CREATE OR REPLACE FUNCTION ct_reliability_count(
  before bigint[], before_status text, after bigint[], after_status text
) RETURNS void LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  WITH counted AS (
    SELECT entity_id, -1 AS affirmed, -(before_status = 'corroborated')::int AS corroborated,
           -(before_status = 'refuted')::int AS refuted
    FROM unnest(before) entity_id
    UNION ALL
    SELECT entity_id, 1, (after_status = 'corroborated')::int, (after_status = 'refuted')::int
    FROM unnest(after) entity_id
  ), moved AS (
    SELECT entity_id, sum(affirmed) AS affirmed, sum(corroborated) AS corroborated,
           sum(refuted) AS refuted
    FROM counted GROUP BY entity_id
  )
  INSERT INTO credibility_entityreliability AS stored
    (entity_id, grade, rationale, rated_at, affirmed, corroborated, refuted)
  SELECT e.id, r.grade, r.rationale, r.rated_at, m.affirmed, m.corroborated, m.refuted
  FROM moved m
  JOIN entities_entity e ON e.id = m.entity_id
  LEFT JOIN LATERAL (
    SELECT grade, rationale, rated_at FROM credibility_sourcerating
    WHERE entity_id = e.id ORDER BY rated_at DESC, id DESC LIMIT 1
  ) r ON true
  WHERE (m.affirmed, m.corroborated, m.refuted) <> (0, 0, 0)
  ORDER BY e.id  -- rows locked in one order: two writers wait, never deadlock
  ON CONFLICT (entity_id) DO UPDATE
  SET affirmed = stored.affirmed + EXCLUDED.affirmed,
      corroborated = stored.corroborated + EXCLUDED.corroborated,
      refuted = stored.refuted + EXCLUDED.refuted;
END $$;

-- Only published claims count: a count over drafts would tell anyone that drafts exist.
CREATE OR REPLACE FUNCTION ct_reliability_claim() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  before bigint[] := '{}';
  after bigint[] := '{}';
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.publication = 'published' THEN
    before := OLD.credibility_affirmers;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.publication = 'published' THEN
    after := NEW.credibility_affirmers;
  END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM ct_reliability_count(before, NULL, after, NEW.status);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM ct_reliability_count(before, OLD.status, after, NULL);
  ELSE
    PERFORM ct_reliability_count(before, OLD.status, after, NEW.status);
  END IF;
  RETURN NULL;
END $$;
"""

TRIGGERS = r"""
CREATE TRIGGER ct_reliability_ratings_added AFTER INSERT ON credibility_sourcerating
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ct_reliability_ratings_added();
CREATE TRIGGER ct_reliability_ratings_changed AFTER UPDATE ON credibility_sourcerating
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ct_reliability_ratings_changed();
CREATE TRIGGER ct_reliability_ratings_deleted AFTER DELETE ON credibility_sourcerating
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ct_reliability_ratings_deleted();

-- row triggers whose WHEN lets through only the rows that move a count: a regrade that leaves the
-- affirmers as they were (most of them) runs no function at all
CREATE TRIGGER ct_reliability_claim_added AFTER INSERT ON claims_claim FOR EACH ROW
  WHEN (NEW.publication = 'published' AND cardinality(NEW.credibility_affirmers) > 0)
  EXECUTE FUNCTION ct_reliability_claim();
CREATE TRIGGER ct_reliability_claim_changed
  AFTER UPDATE OF status, publication, credibility_affirmers ON claims_claim FOR EACH ROW
  WHEN (
    (OLD.status, OLD.publication, OLD.credibility_affirmers)
      IS DISTINCT FROM (NEW.status, NEW.publication, NEW.credibility_affirmers)
    AND (
      (OLD.publication = 'published' AND cardinality(OLD.credibility_affirmers) > 0)
      OR (NEW.publication = 'published' AND cardinality(NEW.credibility_affirmers) > 0)
    )
  )
  EXECUTE FUNCTION ct_reliability_claim();
CREATE TRIGGER ct_reliability_claim_deleted AFTER DELETE ON claims_claim FOR EACH ROW
  WHEN (OLD.publication = 'published' AND cardinality(OLD.credibility_affirmers) > 0)
  EXECUTE FUNCTION ct_reliability_claim();
"""

FILL = r"""
INSERT INTO credibility_entityreliability
  (entity_id, grade, rationale, rated_at, affirmed, corroborated, refuted)
SELECT e.id, r.grade, r.rationale, r.rated_at,
       COALESCE(t.affirmed, 0), COALESCE(t.corroborated, 0), COALESCE(t.refuted, 0)
FROM entities_entity e
LEFT JOIN LATERAL (
  SELECT grade, rationale, rated_at FROM credibility_sourcerating
  WHERE entity_id = e.id ORDER BY rated_at DESC, id DESC LIMIT 1
) r ON true
LEFT JOIN (
  SELECT entity_id, count(*) AS affirmed,
         count(*) FILTER (WHERE status = 'corroborated') AS corroborated,
         count(*) FILTER (WHERE status = 'refuted') AS refuted
  FROM claims_claim, unnest(credibility_affirmers) entity_id
  WHERE publication = 'published'
  GROUP BY entity_id
) t ON t.entity_id = e.id
WHERE r.grade IS NOT NULL OR t.entity_id IS NOT NULL;
"""

DROP = r"""
DROP TRIGGER IF EXISTS ct_reliability_ratings_added ON credibility_sourcerating;
DROP TRIGGER IF EXISTS ct_reliability_ratings_changed ON credibility_sourcerating;
DROP TRIGGER IF EXISTS ct_reliability_ratings_deleted ON credibility_sourcerating;
DROP TRIGGER IF EXISTS ct_reliability_claim_added ON claims_claim;
DROP TRIGGER IF EXISTS ct_reliability_claim_changed ON claims_claim;
DROP TRIGGER IF EXISTS ct_reliability_claim_deleted ON claims_claim;
DROP FUNCTION IF EXISTS ct_reliability_claim();
DROP FUNCTION IF EXISTS ct_reliability_count(bigint[], text, bigint[], text);
DROP FUNCTION IF EXISTS ct_reliability_ratings_added();
DROP FUNCTION IF EXISTS ct_reliability_ratings_changed();
DROP FUNCTION IF EXISTS ct_reliability_ratings_deleted();
DROP FUNCTION IF EXISTS ct_reliability_rating(bigint[], boolean);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0013_updated_after_index"),
        ("entities", "0007_updated_after_index"),
        ("credibility", "0007_background_regrades"),
    ]

    operations = [
        migrations.CreateModel(
            name="EntityReliability",
            fields=[
                (
                    "entity",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        related_query_name="stored_reliability",
                        serialize=False,
                        to="entities.entity",
                    ),
                ),
                ("grade", models.CharField(blank=True, max_length=1, null=True)),
                ("rationale", models.TextField(blank=True, null=True)),
                ("rated_at", models.DateTimeField(blank=True, null=True)),
                ("affirmed", models.IntegerField(db_default=0)),
                ("corroborated", models.IntegerField(db_default=0)),
                ("refuted", models.IntegerField(db_default=0)),
            ],
        ),
        migrations.RunSQL(FUNCTIONS + TRIGGERS + FILL, DROP),
    ]
