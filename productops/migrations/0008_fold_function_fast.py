"""productops_fold(text) in C-speed built-ins: an ASCII fast path, then NFD, the combining marks
removed, NFC, and the few letters without a decomposition mapped.

0006's translate() over a table of every accented letter cost about 15x the tsvector itself on
long bodies (intake and imports write that column). The results are the same for Latin letters.
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
    dependencies = [("productops", "0007_outbound_email_html")]

    operations = [migrations.RunSQL(FOLD, reverse_sql=migrations.RunSQL.noop)]
