"""A document's language decides how its quotes are searched: when it changes, so do the claims'."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION ct_document_language_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE claims_claim c SET search_vector = ct_claim_search_vector(c.id, c.language, c.statement)
   WHERE c.id IN (SELECT a.claim_id FROM claims_attestation a WHERE a.document_id = NEW.id);
  RETURN NULL;
END $$;

CREATE TRIGGER document_language_search AFTER UPDATE OF language ON documents_document
  FOR EACH ROW WHEN (OLD.language IS DISTINCT FROM NEW.language)
  EXECUTE FUNCTION ct_document_language_search_trigger();
"""

REVERSE = """
DROP TRIGGER IF EXISTS document_language_search ON documents_document;
DROP FUNCTION IF EXISTS ct_document_language_search_trigger();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0007_link_history"),
        ("documents", "0005_link_history"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE)]
