"""Drops the trigram GIN indexes on item and idea titles (migration 0002 made them where the
server has pg_trgm). Nothing reads them: duplicate candidates come from the full-text index and
are ranked in Python (feedback/similarity.py), on every server alike. Every insert and every
status change (never a HOT update: status is indexed) still wrote an entry into them."""

from django.db import migrations

DROP = """
DROP INDEX IF EXISTS feedback_title_trigram;
DROP INDEX IF EXISTS idea_title_trigram;
"""

# Back as 0002 made them: only where pg_trgm is installed.
RECREATE = """
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX IF NOT EXISTS feedback_title_trigram
            ON feedback_feedbackitem USING gin (title gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS idea_title_trigram ON feedback_idea USING gin (title gin_trgm_ops);
    END IF;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("feedback", "0010_day_counts_from_the_index")]

    operations = [migrations.RunSQL(DROP, RECREATE)]
