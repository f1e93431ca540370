"""productops_fold(text): accent folding in plain SQL, for search on any PostgreSQL.

The text is frozen here; productops/folding.py keeps the Python twin, and a test holds the two
equal. (This text was first a translate() over every accented letter, 15x slower; a database
migrated then gets the same fast function from 0007.)
"""

from django.db import migrations

FOLD = r"""
CREATE OR REPLACE FUNCTION productops_fold(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN octet_length(t) = length(t) THEN lower(t)
        ELSE lower(translate(replace(replace(replace(replace(replace(replace(replace(replace(normalize(regexp_replace(normalize(t, NFD), '[\u0300-\u036f]', '', 'g'), NFC), 'ß', 'ss'), 'ẞ', 'SS'), 'Æ', 'AE'), 'æ', 'ae'), 'Œ', 'OE'), 'œ', 'oe'), 'Þ', 'TH'), 'þ', 'th'), 'ØøĐđÐðŁłıĦħŦŧ', 'OoDdDdLliHhTt')) END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("productops", "0005_workspace_time_zone")]

    operations = [
        migrations.RunSQL(FOLD, reverse_sql="DROP FUNCTION IF EXISTS productops_fold(text);"),
    ]
