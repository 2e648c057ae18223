"""Search: a query word is also asked for with and without the tanween alif («سلاح», «سلاحا»).

The forms of a query word move into `ct_term_forms`, the SQL twin of apps.core.arabic.query_forms
(tests hold them equal over the seed corpus and the query set); `ct_term_query` reads each form
every way, as before, except a form without the alif as typed, which is read only as it stands.
"""

from django.db import migrations

# the tashkeel U+064B–U+065F, the superscript alef U+0670 and the tatweel U+0640: invisible, so by code point
MARKS = "[" + chr(0x064B) + "-" + chr(0x065F) + chr(0x0670) + chr(0x0640) + "]"

FORMS = (
    """
-- One query word in each form it may be written in (apps.core.arabic.query_forms), with whether the
-- form is also read stemmed: the word normalised; with the tanween alif when it may take one (three
-- letters or more, not ending in alif, haa or alif + hamza), or without it when it was typed with
-- a bare alif after three letters or more (that form is not stemmed: the Arabic stemmer reads the
-- bare word otherwise, «امريك» as «امر»); each of these alone, with a clitic letter attached, and
-- without the clitic it may begin with.
CREATE OR REPLACE FUNCTION ct_term_forms(word text) RETURNS TABLE (form text, stemmed boolean)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  WITH base AS (SELECT ct_search_normalize(word) AS w),
  spellings AS (
    SELECT w AS spelling, true AS stemmed FROM base
    UNION ALL SELECT w || 'ا', true FROM base
     WHERE w ~ '^[ء-يٱ-ۓ]{3,}$' AND w !~ '(ا|ه|اء)$'
    UNION ALL SELECT left(w, -1), false FROM base
     WHERE w ~ '^[ء-يٱ-ۓ]{3,}ا$' AND word ~ 'ا"""
    + MARKS
    + """*$'
  )
  SELECT spelling, stemmed FROM spellings
  UNION SELECT clitic || spelling, stemmed
    FROM spellings, unnest(ARRAY['و', 'ف', 'ب', 'ك', 'ل']) AS clitic
   WHERE spelling ~ '^[ء-يٱ-ۓ]{2,}$'
  UNION SELECT substr(spelling, 2), stemmed FROM spellings WHERE spelling ~ '^[وفبل][ء-يٱ-ۓ]{4,}$'
$$;

-- One query word, read every way a row may hold it: each of its forms as Arabic (stemmed, unless
-- the form says not) and as a simple word, and the word as typed read as English (stemmed).
CREATE OR REPLACE FUNCTION ct_term_query(word text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE
    -- an English stop word («the», «a») is no word to look for: the English text never holds it
    WHEN word !~ '[ء-يٱ-ۓ]' AND numnode(plainto_tsquery('pg_catalog.english', word)) = 0 THEN ''::tsquery
    ELSE (SELECT ct_tsquery_or_agg(CASE WHEN stemmed
                                        THEN plainto_tsquery('pg_catalog.arabic', form)
                                             || plainto_tsquery('pg_catalog.simple', form)
                                        ELSE plainto_tsquery('pg_catalog.simple', form) END)
            FROM ct_term_forms(word))
         || plainto_tsquery('pg_catalog.english', word)
  END
$$;
"""
)

# ct_term_query as apps/core/migrations/0002_search.py made it
BEFORE = """
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
    WHEN word !~ '[ء-يٱ-ۓ]' AND numnode(plainto_tsquery('pg_catalog.english', word)) = 0 THEN ''::tsquery
    ELSE (SELECT ct_tsquery_or_agg(plainto_tsquery('pg_catalog.arabic', form)
                                   || plainto_tsquery('pg_catalog.simple', form)) FROM forms)
         || plainto_tsquery('pg_catalog.english', word)
  END
$$;

DROP FUNCTION IF EXISTS ct_term_forms(text);
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0003_cache_table")]
    operations = [migrations.RunSQL(FORMS, BEFORE)]
