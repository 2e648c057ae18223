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
  SELECT regexp_replace(
    translate(regexp_replace(input, '"""
    + MARKS
    + """', '', 'g'),
              'أإآٱؤئىةیکۀپگچژ٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹',
              'ااااءءيهيكهبكجز01234567890123456789'),
    '(^|[^ء-يٱ-ۓ])(?:وال|فال|بال|كال|لل|ال)([ء-يٱ-ۓ]{2,})', '\\1\\2', 'g')
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

CREATE OR REPLACE AGGREGATE ct_tsquery_or_agg(tsquery) (SFUNC = tsquery_or, STYPE = tsquery);

-- One query word, read every way a row may hold it: each form it may be written in (alone, with a
-- clitic letter attached, without the one it may begin with; apps.core.arabic.clitic_variants) as
-- Arabic (stemmed) and as a simple word, and the word as typed read as English (stemmed). Queries
-- are built from these terms (apps.core.search), so a phrase or a -word applies to all readings.
CREATE OR REPLACE FUNCTION ct_term_query(word text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  WITH base AS (SELECT ct_search_normalize(word) AS w),
  forms AS (
    SELECT w AS form FROM base
    UNION SELECT clitic || w FROM base, unnest(ARRAY['و', 'ف', 'ب', 'ك', 'ل']) AS clitic
     WHERE w ~ '^[ء-يٱ-ۓ]{2,}$'
    UNION SELECT substr(w, 2) FROM base WHERE w ~ '^[وفبل][ء-يٱ-ۓ]{4,}$'
  )
  SELECT CASE
    -- an English stop word («the», «a») is no word to look for: the English text never holds it
    WHEN word !~ '[ء-يٱ-ۓ]' AND numnode(plainto_tsquery('pg_catalog.english', word)) = 0 THEN ''::tsquery
    ELSE (SELECT ct_tsquery_or_agg(plainto_tsquery('pg_catalog.arabic', form)
                                   || plainto_tsquery('pg_catalog.simple', form)) FROM forms)
         || plainto_tsquery('pg_catalog.english', word)
  END
$$;

CREATE OR REPLACE AGGREGATE ct_tsvector_agg(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '');
"""

DROP = """
DROP AGGREGATE IF EXISTS ct_tsvector_agg(tsvector);
DROP FUNCTION IF EXISTS ct_term_query(text);
DROP AGGREGATE IF EXISTS ct_tsquery_or_agg(tsquery);
DROP FUNCTION IF EXISTS ct_search_vector(text, text, "char");
DROP FUNCTION IF EXISTS ct_search_config(text);
DROP FUNCTION IF EXISTS ct_search_normalize(text);
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0001_extensions")]
    operations = [migrations.RunSQL(NORMALIZE + FUNCTIONS, DROP)]
