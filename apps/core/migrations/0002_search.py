"""Search: one Arabic-aware normalisation in PostgreSQL, used on indexed text and on every query.

`ct_search_normalize` is the SQL twin of apps.core.arabic.search_normalize (tests hold them equal
word for word over the seed corpus); the text-search configuration follows the language.
"""

from django.db import migrations

# the tashkeel U+064B–U+065F, the superscript alef U+0670 and the tatweel U+0640: invisible, so by code point
MARKS = "[" + chr(0x064B) + "-" + chr(0x065F) + chr(0x0670) + chr(0x0640) + "]"

NORMALIZE = (
    """
CREATE OR REPLACE FUNCTION ct_search_normalize(input text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT regexp_replace(regexp_replace(regexp_replace(
    translate(regexp_replace(input, '"""
    + MARKS
    + """', '', 'g'),
              'أإآٱؤئىةیکۀ٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹',
              'ااااوييهيكه01234567890123456789'),
    '(^|[^ء-يٱ-ۓ])[وف]([ء-يٱ-ۓ]{4,})', '\\1\\2', 'g'),
    '(^|[^ء-يٱ-ۓ])(?:بال|كال|لل|ال)([ء-يٱ-ۓ]{2,})', '\\1\\2', 'g'),
    '(^|[^ء-يٱ-ۓ])[بل]([ء-يٱ-ۓ]{4,})', '\\1\\2', 'g')
$$;
"""
)

FUNCTIONS = """
CREATE OR REPLACE FUNCTION ct_search_config(language text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE split_part(lower(coalesce(language, '')), '-', 1)
    WHEN 'ar' THEN 'pg_catalog.arabic'::regconfig
    WHEN 'en' THEN 'pg_catalog.english'::regconfig
    ELSE 'pg_catalog.simple'::regconfig
  END
$$;

CREATE OR REPLACE FUNCTION ct_search_vector(language text, body text, weight "char") RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector(ct_search_config(language), ct_search_normalize(coalesce(body, ''))), weight)
$$;

-- a query is read three ways and a row matches any: Arabic (normalised and stemmed), English
-- (stemmed), and simple (normalised words as they are, for names)
CREATE OR REPLACE FUNCTION ct_search_query(q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT websearch_to_tsquery('pg_catalog.arabic', ct_search_normalize(q))
      || websearch_to_tsquery('pg_catalog.english', q)
      || websearch_to_tsquery('pg_catalog.simple', ct_search_normalize(q))
$$;

CREATE OR REPLACE AGGREGATE ct_tsvector_agg(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '');
"""

DROP = """
DROP AGGREGATE IF EXISTS ct_tsvector_agg(tsvector);
DROP FUNCTION IF EXISTS ct_search_query(text);
DROP FUNCTION IF EXISTS ct_search_vector(text, text, "char");
DROP FUNCTION IF EXISTS ct_search_config(text);
DROP FUNCTION IF EXISTS ct_search_normalize(text);
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0001_extensions")]
    operations = [migrations.RunSQL(NORMALIZE + FUNCTIONS, DROP)]
