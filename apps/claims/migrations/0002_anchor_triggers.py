from django.db import migrations

# The quote of every attestation must be the document body's text at its offsets. Model
# validation checks it for forms and services; these triggers hold it for everything else
# (raw SQL, bulk updates, fixtures). Deferrable, so that `document_replace_body` can change a
# body and re-anchor its attestations in one transaction and be checked once at the end.
ANCHOR_SQL = """
CREATE FUNCTION claims_attestation_anchor_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    row_body text;
    row_quote text;
    row_start integer;
    row_end integer;
BEGIN
    -- read the rows as they are now: when deferred, NEW may be older than the table
    SELECT d.body, a.quote, a.start, a."end" INTO row_body, row_quote, row_start, row_end
      FROM claims_attestation a JOIN documents_document d ON d.id = a.document_id
     WHERE a.id = NEW.id;
    IF FOUND AND substr(row_body, row_start + 1, row_end - row_start) IS DISTINCT FROM row_quote THEN
        RAISE EXCEPTION 'attestation_quote_matches_body: attestation %: the quote is not the body of document % at %-%',
            NEW.id, NEW.document_id, row_start, row_end
            USING ERRCODE = 'check_violation', CONSTRAINT = 'attestation_quote_matches_body';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER attestation_quote_matches_body
    AFTER INSERT OR UPDATE OF quote, start, "end", document_id ON claims_attestation
    DEFERRABLE INITIALLY IMMEDIATE
    FOR EACH ROW EXECUTE FUNCTION claims_attestation_anchor_check();

CREATE FUNCTION claims_document_anchor_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    broken bigint;
BEGIN
    SELECT a.id INTO broken
      FROM claims_attestation a JOIN documents_document d ON d.id = a.document_id
     WHERE d.id = NEW.id AND substr(d.body, a.start + 1, a."end" - a.start) IS DISTINCT FROM a.quote
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'document_body_keeps_anchors: document %: its new body no longer holds the quote of attestation %',
            NEW.id, broken
            USING ERRCODE = 'check_violation', CONSTRAINT = 'document_body_keeps_anchors';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER document_body_keeps_anchors
    AFTER UPDATE OF body ON documents_document
    DEFERRABLE INITIALLY IMMEDIATE
    FOR EACH ROW EXECUTE FUNCTION claims_document_anchor_check();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS document_body_keeps_anchors ON documents_document;
DROP FUNCTION IF EXISTS claims_document_anchor_check();
DROP TRIGGER IF EXISTS attestation_quote_matches_body ON claims_attestation;
DROP FUNCTION IF EXISTS claims_attestation_anchor_check();
"""


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial"), ("documents", "0001_initial")]
    operations = [migrations.RunSQL(ANCHOR_SQL, DROP_SQL)]
