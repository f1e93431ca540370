"""feedback_similarity() ranks duplicate candidates on any Postgres, with or without pg_trgm."""

import pytest
from django.db import connection

# (a, b, pg_trgm's similarity(a, b)), read off PostgreSQL with the extension.
REFERENCE = [
    ("CSV export times out", "csv export timeout on large projects", 0.45),
    ("Dark mode please", "dark-mode, please!!", 1.0),
    ("Slack notifications are delayed", "Billing invoice in EUR", 0.0),
    ("", "anything", 0.0),
    ("Zoë café crème", "zoe cafe creme", 0.33333334),
    ("SSO with Okta", "SAML SSO via Okta", 0.4090909),
]


def _scores(function: str) -> list[float]:
    with connection.cursor() as cursor:
        return [
            cursor.execute(f"SELECT {function}(%s, %s)", [a, b]) or cursor.fetchone()[0]
            for a, b, _ in REFERENCE
        ]


@pytest.mark.django_db
def test_the_plain_sql_similarity_gives_pg_trgms_scores():
    assert _scores("feedback_similarity_plain") == pytest.approx([s for *_, s in REFERENCE])


@pytest.mark.django_db
def test_the_similarity_in_use_gives_the_same_scores():
    assert _scores("feedback_similarity") == pytest.approx([s for *_, s in REFERENCE])
