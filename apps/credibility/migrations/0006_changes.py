"""The change log's triggers (apps/core/changes.py) on every table a mirror keeps, and a first entry
for every row already there, so that the feed read from its start holds everything.

Here, above every table they watch: entities, documents, claims and ratings. A row's links and
aliases are changes of the row (an entity's aliases and the sources it draws on, a document's
authors, citations and sources, a claim's subjects); a rating is a change of the rating and of its
entity, whose current grade it is.
"""

from django.db import migrations

CLAIM_FUNCTIONS = r"""
-- A claim: `public` after the change and before it (`was_public`); visible only with itself.
CREATE OR REPLACE FUNCTION ct_change_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM ct_change_log('claim', NEW.id, 'insert', NEW.publication = 'published', NULL,
                          ARRAY[NEW.id], NULL);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM ct_change_log('claim', OLD.id, 'delete', false, OLD.publication = 'published',
                          NULL, ARRAY[OLD.id]);
  -- the search triggers rewrite `search_vector` when a quote changes: that is no change of the claim
  ELSIF (to_jsonb(NEW) - 'search_vector') IS DISTINCT FROM (to_jsonb(OLD) - 'search_vector') THEN
    PERFORM ct_change_log('claim', NEW.id, 'update', NEW.publication = 'published',
                          OLD.publication = 'published', ARRAY[NEW.id], ARRAY[OLD.id]);
  END IF;
  RETURN NULL;
END $$;

-- An attestation is visible only with its claim (a quote may move to another claim).
CREATE OR REPLACE FUNCTION ct_change_attestation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM ct_change_log('attestation', NEW.id, 'insert', NULL, NULL, ARRAY[NEW.claim_id], NULL);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM ct_change_log('attestation', OLD.id, 'delete', NULL, NULL, NULL, ARRAY[OLD.claim_id]);
  ELSIF NEW IS DISTINCT FROM OLD THEN
    PERFORM ct_change_log('attestation', NEW.id, 'update', NULL, NULL, ARRAY[NEW.claim_id],
                          ARRAY[OLD.claim_id]);
  END IF;
  RETURN NULL;
END $$;

-- A relation is visible only with both of its claims.
CREATE OR REPLACE FUNCTION ct_change_relation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM ct_change_log('relation', NEW.id, 'insert', NULL, NULL,
                          ARRAY[NEW.from_claim_id, NEW.to_claim_id], NULL);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM ct_change_log('relation', OLD.id, 'delete', NULL, NULL,
                          NULL, ARRAY[OLD.from_claim_id, OLD.to_claim_id]);
  ELSIF NEW IS DISTINCT FROM OLD THEN
    PERFORM ct_change_log('relation', NEW.id, 'update', NULL, NULL,
                          ARRAY[NEW.from_claim_id, NEW.to_claim_id],
                          ARRAY[OLD.from_claim_id, OLD.to_claim_id]);
  END IF;
  RETURN NULL;
END $$;

-- A subject added to or removed from a claim: an update of the claim (links are never updated).
CREATE OR REPLACE FUNCTION ct_change_claim_subject() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  claim bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.claim_id ELSE NEW.claim_id END;
BEGIN
  PERFORM ct_change_log('claim', claim, 'update', NULL, NULL, ARRAY[claim], NULL);
  RETURN NULL;
END $$;
"""

# (table, trigger function and its arguments): the ct_change_row() ones are (kind, id column[, 'update'])
TRIGGERS = [
    ("entities_entity", "ct_change_row('entity', 'id')"),
    ("entities_alias", "ct_change_row('entity', 'entity_id', 'update')"),
    ("entities_entity_draws_on", "ct_change_row('entity', 'from_entity_id', 'update')"),
    ("documents_document", "ct_change_row('document', 'id')"),
    ("documents_document_authors", "ct_change_row('document', 'document_id', 'update')"),
    ("documents_document_cites", "ct_change_row('document', 'from_document_id', 'update')"),
    ("documents_document_draws_on", "ct_change_row('document', 'from_document_id', 'update')"),
    ("claims_claim", "ct_change_claim()"),
    ("claims_claim_subjects", "ct_change_claim_subject()"),
    ("claims_attestation", "ct_change_attestation()"),
    ("claims_claimrelation", "ct_change_relation()"),
    ("credibility_sourcerating", "ct_change_row('source-rating', 'id')"),
    # its entity's current grade is the latest rating
    ("credibility_sourcerating", "ct_change_row('entity', 'entity_id', 'update')"),
]


def _trigger_name(table: str, function: str) -> str:
    return f"ct_change_{table}" + ("_entity" if "'entity'" in function and "sourcerating" in table else "")


INSTALL = CLAIM_FUNCTIONS + "".join(
    f"CREATE TRIGGER {_trigger_name(table, function)} AFTER INSERT OR UPDATE OR DELETE ON {table}\n"
    f"  FOR EACH ROW EXECUTE FUNCTION {function};\n"
    for table, function in TRIGGERS
)

UNINSTALL = "".join(
    f"DROP TRIGGER IF EXISTS {_trigger_name(table, function)} ON {table};\n" for table, function in TRIGGERS
) + (
    "DROP FUNCTION IF EXISTS ct_change_claim(); DROP FUNCTION IF EXISTS ct_change_attestation();\n"
    "DROP FUNCTION IF EXISTS ct_change_relation(); DROP FUNCTION IF EXISTS ct_change_claim_subject();\n"
)

# every row already there, as created, in an order a consumer can apply: what a row refers to first
BACKFILL = """
SELECT ct_change_log('entity', id, 'insert', NULL, NULL, NULL, NULL) FROM entities_entity ORDER BY id;
SELECT ct_change_log('document', id, 'insert', NULL, NULL, NULL, NULL) FROM documents_document ORDER BY id;
SELECT ct_change_log('claim', id, 'insert', publication = 'published', NULL, ARRAY[id], NULL)
  FROM claims_claim ORDER BY id;
SELECT ct_change_log('attestation', id, 'insert', NULL, NULL, ARRAY[claim_id], NULL)
  FROM claims_attestation ORDER BY id;
SELECT ct_change_log('relation', id, 'insert', NULL, NULL, ARRAY[from_claim_id, to_claim_id], NULL)
  FROM claims_claimrelation ORDER BY id;
SELECT ct_change_log('source-rating', id, 'insert', NULL, NULL, NULL, NULL)
  FROM credibility_sourcerating ORDER BY id;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_changes"),
        ("entities", "0007_updated_after_index"),
        ("documents", "0009_updated_after_index"),
        ("claims", "0013_updated_after_index"),
        ("credibility", "0005_updated_after_index"),
    ]

    operations = [
        migrations.RunSQL(INSTALL, UNINSTALL),
        migrations.RunSQL(BACKFILL, "DELETE FROM core_change; DELETE FROM core_changetransaction;"),
    ]
