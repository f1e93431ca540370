"""Search ignores accents both ways: "cafe" finds "café", "Muller" finds "Müller", and back,
on the inbox, ideas and accounts, in pages and the API (productops/folding.py)."""

import pytest
from django.db import connection

from feedback.services import ideas as idea_services
from productops.folding import MULTI, ONE_TO_ONE, fold
from tests.conftest import signed_in
from tests.feedback import ideas_data as data

pytestmark = pytest.mark.django_db
API = "/api/v1/w/alpha"
BOTH_WAYS = [("cafe", "café"), ("café", "cafe"), ("Muller", "Müller"), ("müller", "MULLER")]


def test_the_python_fold_is_the_database_fold_letter_by_letter():
    # Latin-1 Supplement, Latin Extended-A and -B, Latin Extended Additional.
    latin = [chr(c) for c in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]]
    letters = [*latin, *MULTI, *ONE_TO_ONE]
    samples = [
        "Crème brûlée",
        "Straße",
        "ŁÓDŹ",
        "Ærøskøbing",
        "naïve café",
        "Œuvre",
        "日本",
        "한국어",
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(productops_fold(t) ORDER BY n)"
            " FROM unnest(%s) WITH ORDINALITY u(t, n)",
            [letters + samples],
        )
        folded = cursor.fetchone()[0]

    assert folded == [fold(text) for text in letters + samples]
    assert fold("Crème brûlée at the CAFÉ, Müller Straße, Łódź") == (
        "creme brulee at the cafe, muller strasse, lodz"
    )


@pytest.mark.parametrize(("stored", "typed"), BOTH_WAYS)
def test_the_inbox_finds_the_word_whatever_its_accents(pm, workspace_a, stored, typed):
    data.item(workspace_a, f"The {stored} page is slow")
    data.item(workspace_a, "Something else entirely")
    client = signed_in(pm)

    api = client.get(f"{API}/feedback/", {"q": typed, "status": "all"}).json()["results"]
    page = client.get("/w/alpha/feedback/", {"q": typed, "status": "all"}).content.decode()

    assert [r["body"] for r in api] == [f"The {stored} page is slow"]
    assert f"The {stored} page is slow" in page and "Something else entirely" not in page


@pytest.mark.parametrize(("stored", "typed"), BOTH_WAYS)
def test_ideas_are_found_whatever_the_accents(pm, workspace_a, stored, typed):
    idea_services.idea_create(actor=pm.actor, title=f"{stored} integration")
    idea_services.idea_create(actor=pm.actor, title="Dark mode")
    client = signed_in(pm)

    api = client.get(f"{API}/ideas/", {"q": typed}).json()["results"]
    page = client.get("/w/alpha/ideas/", {"q": typed}).content.decode()
    board = client.get("/w/alpha/ideas/board/", {"q": typed}).content.decode()

    assert [r["title"] for r in api] == [f"{stored} integration"]
    assert f"{stored} integration" in page and "Dark mode" not in page
    assert f"{stored} integration" in board and "Dark mode" not in board


@pytest.mark.parametrize(("stored", "typed"), BOTH_WAYS)
def test_accounts_are_found_whatever_the_accents(pm, workspace_a, stored, typed):
    data.account(workspace_a, f"{stored} GmbH", 1000, domain="example.de")
    data.account(workspace_a, "Initech", 1000)
    client = signed_in(pm)

    api = client.get(f"{API}/accounts/", {"q": typed}).json()["results"]
    page = client.get("/w/alpha/feedback/accounts/", {"q": typed}).content.decode()

    assert [r["name"] for r in api] == [f"{stored} GmbH"]
    assert f"{stored} GmbH" in page and "Initech" not in page
