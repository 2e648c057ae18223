"""Search: a page is ranked with the readings of its words that the rows hold.

`ts_rank_cd` compares each term of the query with each position of a row, and a word has many
readings (its forms, each as Arabic, as a simple word and as English): «طالبان» has 15, of which a
corpus holds two. Ranking a window of 2,000 documents with the 15 took 46 ms, with those two 13 ms,
and the ranks were the same: a lexeme that no row holds adds no position to a row, so no cover
(issue 17, docs/performance.md §16). The match itself still asks for every reading.

`ct_term_readings` are the readings that `ct_term_query` ORs (as 0007 made it); `ct_term_query_held`
ORs those of them that a table's rows may hold.
"""

from django.db import migrations

FUNCTIONS = """
-- The readings of one query word: each of its forms as Arabic (stemmed, unless the form says not)
-- and as a simple word, and the word as typed read as English (stemmed); each once, none empty.
CREATE OR REPLACE FUNCTION ct_term_readings(word text) RETURNS SETOF tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT DISTINCT reading
    FROM (SELECT plainto_tsquery('pg_catalog.arabic', form) FROM ct_term_forms(word) WHERE stemmed
          UNION ALL SELECT plainto_tsquery('pg_catalog.simple', form) FROM ct_term_forms(word)
          UNION ALL SELECT plainto_tsquery('pg_catalog.english', word)) AS readings (reading)
   -- a stop word's reading is empty: it adds nothing to the others
   WHERE numnode(reading) > 0
$$;

-- One query word, read every way a row may hold it: its readings ORed.
CREATE OR REPLACE FUNCTION ct_term_query(word text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE
    -- an English stop word («the», «a») is no word to look for: the English text never holds it
    WHEN word !~ '[ء-يٱ-ۓ]' AND numnode(plainto_tsquery('pg_catalog.english', word)) = 0 THEN ''::tsquery
    ELSE coalesce((SELECT ct_tsquery_or_agg(reading ORDER BY reading) FROM ct_term_readings(word) AS reading),
                  ''::tsquery)
  END
$$;

-- ct_term_query(word) for ranking rows of `tbl` (its search_vector) that match it: without the
-- readings of one lexeme that no row holds, which rank nothing and cost ts_rank_cd a comparison
-- with every position. A lexeme among the column's most common elements (pg_stats, from ANALYZE)
-- is held without a look; any other is looked up in the search index, where a rare lexeme's entry
-- is short. A reading of several lexemes («co-op») is kept: one of them may be in a row. A word
-- none of whose readings is held keeps them all: it matches no row, and must not vanish from an AND.
CREATE OR REPLACE FUNCTION ct_term_query_held(word text, tbl regclass) RETURNS tsquery
LANGUAGE plpgsql STABLE STRICT
SET enable_seqscan = off
AS $$
DECLARE
  common tsvector;
  readings tsquery[];
  held tsquery[];
  looked_up tsquery[];
BEGIN
  IF word !~ '[ء-يٱ-ۓ]' AND numnode(plainto_tsquery('pg_catalog.english', word)) = 0 THEN
    RETURN ''::tsquery;
  END IF;
  SELECT array_to_tsvector(s.most_common_elems::text::text[]) INTO common
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = 'search_vector'
   WHERE c.oid = tbl;
  readings := ARRAY(SELECT r FROM ct_term_readings(word) AS r);
  held := ARRAY(SELECT r FROM unnest(readings) AS r WHERE numnode(r) > 1 OR coalesce(common @@ r, false));
  -- the others in one query: one plan, an index lookup each
  EXECUTE format('SELECT ARRAY(SELECT r FROM unnest($1) AS r WHERE EXISTS (SELECT FROM %s WHERE search_vector @@ r))', tbl)
     INTO looked_up
    USING ARRAY(SELECT r FROM unnest(readings) AS r WHERE NOT (numnode(r) > 1 OR coalesce(common @@ r, false)));
  held := held || looked_up;
  IF cardinality(held) = 0 THEN
    RETURN ct_term_query(word);
  END IF;
  RETURN (SELECT ct_tsquery_or_agg(r ORDER BY r) FROM unnest(held) AS r);
END
$$;
"""

# as apps/core/migrations/0007_term_query_distinct.py left them
BEFORE = """
DROP FUNCTION IF EXISTS ct_term_query_held(text, regclass);
CREATE OR REPLACE FUNCTION ct_term_query(word text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE
    WHEN word !~ '[ء-يٱ-ۓ]' AND numnode(plainto_tsquery('pg_catalog.english', word)) = 0 THEN ''::tsquery
    ELSE coalesce((SELECT ct_tsquery_or_agg(DISTINCT reading)
            FROM (SELECT plainto_tsquery('pg_catalog.arabic', form) FROM ct_term_forms(word) WHERE stemmed
                  UNION ALL SELECT plainto_tsquery('pg_catalog.simple', form) FROM ct_term_forms(word)
                  UNION ALL SELECT plainto_tsquery('pg_catalog.english', word)) AS readings (reading)
           WHERE numnode(reading) > 0), ''::tsquery)
  END
$$;
DROP FUNCTION IF EXISTS ct_term_readings(text);
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0007_term_query_distinct")]
    operations = [migrations.RunSQL(FUNCTIONS, BEFORE)]
