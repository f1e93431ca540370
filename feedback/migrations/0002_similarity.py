"""Text similarity for duplicate candidates, on any PostgreSQL.

`feedback_similarity(a, b)` is pg_trgm's `similarity()` where the server has the extension (a
managed Postgres, Debian's), with trigram GIN indexes on titles. Where it has not (the embedded
server from the pgserver wheel ships without contrib), the same measure in plain SQL: the share
of distinct word trigrams two texts have in common. Duplicate candidates only rank a short list
of full-text matches with it, so the plain version costs little.
"""

from django.db import migrations

PLAIN_SQL_SIMILARITY = r"""
CREATE OR REPLACE FUNCTION feedback_trigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(padded.w, i, 3)), '{}')
    FROM (
        SELECT '  ' || word || ' ' AS w
        FROM regexp_split_to_table(lower(coalesce(t, '')), '[^[:alnum:]]+') AS word
        WHERE word <> ''
    ) padded,
    generate_series(1, length(padded.w) - 2) AS i
$$;

CREATE OR REPLACE FUNCTION feedback_similarity_plain(a text, b text) RETURNS real
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN cardinality(ta) = 0 OR cardinality(tb) = 0 THEN 0::real
        ELSE (SELECT count(*) FROM (SELECT unnest(ta) INTERSECT SELECT unnest(tb)) shared)::real
           / (SELECT count(*) FROM (SELECT unnest(ta) UNION SELECT unnest(tb)) either)::real
        END
    FROM (SELECT feedback_trigrams(a) AS ta, feedback_trigrams(b) AS tb) sets
$$;
"""

WITH_PG_TRGM = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE OR REPLACE FUNCTION feedback_similarity(a text, b text) RETURNS real
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT similarity(a, b) $$;
CREATE INDEX IF NOT EXISTS feedback_title_trigram
    ON feedback_feedbackitem USING gin (title gin_trgm_ops);
CREATE INDEX IF NOT EXISTS idea_title_trigram ON feedback_idea USING gin (title gin_trgm_ops);
"""

WITHOUT_PG_TRGM = """
CREATE OR REPLACE FUNCTION feedback_similarity(a text, b text) RETURNS real
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT feedback_similarity_plain(a, b) $$;
"""

DROP = """
DROP INDEX IF EXISTS feedback_title_trigram;
DROP INDEX IF EXISTS idea_title_trigram;
DROP FUNCTION IF EXISTS feedback_similarity(text, text);
DROP FUNCTION IF EXISTS feedback_similarity_plain(text, text);
DROP FUNCTION IF EXISTS feedback_trigrams(text);
"""


def has_pg_trgm(schema_editor) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        return cursor.fetchone() is not None


def create(apps, schema_editor) -> None:
    schema_editor.execute(PLAIN_SQL_SIMILARITY)
    schema_editor.execute(WITH_PG_TRGM if has_pg_trgm(schema_editor) else WITHOUT_PG_TRGM)


def drop(apps, schema_editor) -> None:
    schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
