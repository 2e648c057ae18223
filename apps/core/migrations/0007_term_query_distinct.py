"""Search: a query word asks for each of its readings once.

Several forms of a word stem to one lexeme: «طالبان» with each clitic letter read as Arabic is
«طالب» nine times, and the word as typed read as English is the simple form again. `ct_term_query`
ORed them all, 25 terms for «طالبان» where 15 are distinct, and `ts_rank_cd` compares every term
of the query with every position of the row, so ranking a search's window of 2,000 claims cost up
to twice what it needs (issue 17, docs/performance.md §16). The same rows match and rank the same:
a term ORed with itself adds nothing to a match, nor to a cover.
"""

from django.db import migrations

DISTINCT = """
-- One query word, read every way a row may hold it: each of its forms as Arabic (stemmed, unless
-- the form says not) and as a simple word, and the word as typed read as English (stemmed); each
-- reading once, however many forms give it.
CREATE OR REPLACE FUNCTION ct_term_query(word text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE
    -- an English stop word («the», «a») is no word to look for: the English text never holds it
    WHEN word !~ '[ء-يٱ-ۓ]' AND numnode(plainto_tsquery('pg_catalog.english', word)) = 0 THEN ''::tsquery
    ELSE coalesce((SELECT ct_tsquery_or_agg(DISTINCT reading)
            FROM (SELECT plainto_tsquery('pg_catalog.arabic', form) FROM ct_term_forms(word) WHERE stemmed
                  UNION ALL SELECT plainto_tsquery('pg_catalog.simple', form) FROM ct_term_forms(word)
                  UNION ALL SELECT plainto_tsquery('pg_catalog.english', word)) AS readings (reading)
           -- a stop word's reading is empty: it adds nothing to the others
           WHERE numnode(reading) > 0), ''::tsquery)
  END
$$;
"""

# ct_term_query as apps/core/migrations/0004_tanween.py made it
BEFORE = """
CREATE OR REPLACE FUNCTION ct_term_query(word text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE
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


class Migration(migrations.Migration):
    dependencies = [("core", "0006_change_unseen")]
    operations = [migrations.RunSQL(DISTINCT, BEFORE)]
