"""Character n-grams of CJK text for the text search index (shop/ngrams.py tells how they are used)."""

from django.db import migrations

# The character class of shop.ngrams.CJK_CLASS, as PostgreSQL regex escapes.
_RUN = r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f]+"

FORWARD = rf"""
-- PL/pgSQL keeps its plans for the session; a SQL function called from another one (the search
-- document) would plan its body again on every call, five times slower.
CREATE FUNCTION shop_cjk_ngrams(p_text text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN (SELECT coalesce(array_agg(DISTINCT gram), '{{}}')
      FROM regexp_matches(coalesce(p_text, ''), '{_RUN}', 'g') AS run(m)
     CROSS JOIN LATERAL (
           SELECT substr(run.m[1], i, 1) FROM generate_series(1, char_length(run.m[1])) AS i
           UNION ALL
           SELECT substr(run.m[1], i, 2) FROM generate_series(1, char_length(run.m[1]) - 1) AS i
     ) AS grams(gram));
END
$$;

-- Lexemes are built by quoting, never parsed from the text: a term is data, not query syntax.
CREATE FUNCTION shop_cjk_ngram_query(p_term text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(string_agg(
               '''' || replace(replace(gram, '\', '\\'), '''', '''''') || '''', ' & '), '')::tsquery
      FROM regexp_matches(coalesce(p_term, ''), '{_RUN}', 'g') AS run(m)
     CROSS JOIN LATERAL (
           SELECT run.m[1] WHERE char_length(run.m[1]) = 1
           UNION ALL
           SELECT substr(run.m[1], i, 2) FROM generate_series(1, char_length(run.m[1]) - 1) AS i
     ) AS grams(gram)
$$;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS shop_cjk_ngram_query(text);
DROP FUNCTION IF EXISTS shop_cjk_ngrams(text);
"""


class Migration(migrations.Migration):
    dependencies = [("shop", "0013_phone_e164")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
