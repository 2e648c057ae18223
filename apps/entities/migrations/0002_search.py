"""Entities are found by their name and every alias, normalised; a trigger keeps the vector current."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.conf import settings
from django.db import migrations


SQL = """
CREATE OR REPLACE FUNCTION ct_entity_search_vector(entity_id bigint, name text) RETURNS tsvector
LANGUAGE sql STABLE AS $$
  SELECT ct_search_vector('simple', name, 'A') || coalesce(
    (SELECT ct_tsvector_agg(ct_search_vector('simple', a.name, 'B'))
       FROM entities_alias a WHERE a.entity_id = ct_entity_search_vector.entity_id), '')
$$;

CREATE OR REPLACE FUNCTION ct_entity_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector := ct_entity_search_vector(NEW.id, NEW.name);
  RETURN NEW;
END $$;

CREATE TRIGGER entity_search BEFORE INSERT OR UPDATE OF name ON entities_entity
  FOR EACH ROW EXECUTE FUNCTION ct_entity_search_trigger();

CREATE OR REPLACE FUNCTION ct_alias_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE touched bigint[];
BEGIN
  IF TG_OP = 'INSERT' THEN touched := ARRAY[NEW.entity_id];
  ELSIF TG_OP = 'DELETE' THEN touched := ARRAY[OLD.entity_id];
  ELSE touched := ARRAY[OLD.entity_id, NEW.entity_id];
  END IF;
  UPDATE entities_entity e SET search_vector = ct_entity_search_vector(e.id, e.name) WHERE e.id = ANY(touched);
  RETURN NULL;
END $$;

CREATE TRIGGER alias_search AFTER INSERT OR UPDATE OR DELETE ON entities_alias
  FOR EACH ROW EXECUTE FUNCTION ct_alias_search_trigger();

UPDATE entities_entity SET search_vector = ct_entity_search_vector(id, name);
"""

REVERSE = """
DROP TRIGGER IF EXISTS alias_search ON entities_alias;
DROP TRIGGER IF EXISTS entity_search ON entities_entity;
DROP FUNCTION IF EXISTS ct_alias_search_trigger();
DROP FUNCTION IF EXISTS ct_entity_search_trigger();
DROP FUNCTION IF EXISTS ct_entity_search_vector(bigint, text);
"""


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0002_search'),
        ('entities', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='entity',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name='entity',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search_vector'], name='entity_search'),
        ),
        migrations.RunSQL(SQL, REVERSE),
    ]
