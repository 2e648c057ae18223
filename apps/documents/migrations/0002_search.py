"""Documents are found by title and body, normalised, in their language's configuration; a trigger keeps it."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.conf import settings
from django.db import migrations


SQL = """
CREATE OR REPLACE FUNCTION ct_document_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector := ct_search_vector(NEW.language, NEW.title, 'A') || ct_search_vector(NEW.language, NEW.body, 'B');
  RETURN NEW;
END $$;

CREATE TRIGGER document_search BEFORE INSERT OR UPDATE OF title, body, language ON documents_document
  FOR EACH ROW EXECUTE FUNCTION ct_document_search_trigger();

UPDATE documents_document
   SET search_vector = ct_search_vector(language, title, 'A') || ct_search_vector(language, body, 'B');
"""

REVERSE = """
DROP TRIGGER IF EXISTS document_search ON documents_document;
DROP FUNCTION IF EXISTS ct_document_search_trigger();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0002_search'),
        ('documents', '0001_initial'),
        ('entities', '0002_search'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='document',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name='document',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search_vector'], name='document_search'),
        ),
        migrations.RunSQL(SQL, REVERSE),
    ]
