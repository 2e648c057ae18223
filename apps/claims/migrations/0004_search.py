"""Claims are found by their statement and every quote; triggers on claims and attestations keep it."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.conf import settings
from django.db import migrations


SQL = """
CREATE OR REPLACE FUNCTION ct_claim_search_vector(claim_id bigint, language text, statement text) RETURNS tsvector
LANGUAGE sql STABLE AS $$
  SELECT ct_search_vector(language, statement, 'A') || coalesce((
    SELECT ct_tsvector_agg(ct_search_vector(d.language, a.quote, 'B'))
      FROM claims_attestation a JOIN documents_document d ON d.id = a.document_id
     WHERE a.claim_id = ct_claim_search_vector.claim_id), '')
$$;

CREATE OR REPLACE FUNCTION ct_claim_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector := ct_claim_search_vector(NEW.id, NEW.language, NEW.statement);
  RETURN NEW;
END $$;

CREATE TRIGGER claim_search BEFORE INSERT OR UPDATE OF statement, language ON claims_claim
  FOR EACH ROW EXECUTE FUNCTION ct_claim_search_trigger();

CREATE OR REPLACE FUNCTION ct_attestation_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE touched bigint[];
BEGIN
  IF TG_OP = 'INSERT' THEN touched := ARRAY[NEW.claim_id];
  ELSIF TG_OP = 'DELETE' THEN touched := ARRAY[OLD.claim_id];
  ELSE touched := ARRAY[OLD.claim_id, NEW.claim_id];
  END IF;
  UPDATE claims_claim c SET search_vector = ct_claim_search_vector(c.id, c.language, c.statement)
   WHERE c.id = ANY(touched);
  RETURN NULL;
END $$;

CREATE TRIGGER attestation_search AFTER INSERT OR UPDATE OF quote, claim_id, document_id OR DELETE
  ON claims_attestation FOR EACH ROW EXECUTE FUNCTION ct_attestation_search_trigger();

UPDATE claims_claim SET search_vector = ct_claim_search_vector(id, language, statement);
"""

REVERSE = """
DROP TRIGGER IF EXISTS attestation_search ON claims_attestation;
DROP TRIGGER IF EXISTS claim_search ON claims_claim;
DROP FUNCTION IF EXISTS ct_attestation_search_trigger();
DROP FUNCTION IF EXISTS ct_claim_search_trigger();
DROP FUNCTION IF EXISTS ct_claim_search_vector(bigint, text, text);
"""


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0002_search'),
        ('claims', '0003_credibility'),
        ('entities', '0002_search'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='claim',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name='claim',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search_vector'], name='claim_search'),
        ),
        migrations.RunSQL(SQL, REVERSE),
    ]
