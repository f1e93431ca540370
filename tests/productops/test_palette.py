"""The command palette finds items, ideas, accounts, tools and pages, through the access gate."""

import re

from feedback.models import Account
from tests.conftest import signed_in
from tests.feedback import triage_data as data
from tests.inventory.factories import ToolFactory

PALETTE = "/w/alpha/palette/"
HX = {"HX-Request": "true"}


def hits(client, text: str) -> list[tuple[str, str, str]]:
    """(kind, title, url) of each result, in order, as the palette lists them."""
    response = client.get(PALETTE, {"q": text}, headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    found = re.findall(
        r'<a class="palette-hit" role="option" id="[\w-]+" href="([^"]+)" aria-selected="false">'
        r'<span class="badge palette-kind">(\w+)</span> <span class="palette-title">([^<]+)</span>',
        html,
    )
    return [(kind, title.replace("&#x27;", "'"), url) for url, kind, title in found]


def test_it_finds_an_item_by_number_and_by_words(workspace_a, pm):
    item = data.item(workspace_a, "Invoices show the wrong VAT rate")
    data.item(workspace_a, "Love the dashboards")
    client = signed_in(pm)
    url = f"/w/alpha/feedback/{item.pk}/"
    assert ("Item", f"#{item.pk} Invoices show the wrong VAT rate", url) in hits(
        client, f"#{item.pk}"
    )
    assert ("Item", f"#{item.pk} Invoices show the wrong VAT rate", url) in hits(
        client, str(item.pk)
    )
    found = hits(client, "invoices")
    assert [h for h in found if h[0] == "Item"] == [
        ("Item", f"#{item.pk} Invoices show the wrong VAT rate", url)
    ]


def test_it_finds_ideas_accounts_tools_and_pages_with_their_links(workspace_a, pm):
    idea = data.idea(workspace_a, "Single sign-on with Okta")
    acme = data.account(workspace_a, "Oktaville Café", segment="Enterprise")
    tool = ToolFactory(workspace=workspace_a, name="Okta", vendor="Okta Inc", category="Security")
    client = signed_in(pm)
    found = hits(client, "okta")
    assert ("Idea", f"#{idea.pk} Single sign-on with Okta", f"/w/alpha/ideas/{idea.pk}/") in found
    assert ("Account", "Oktaville Café", f"/w/alpha/feedback/accounts/{acme.pk}/") in found
    assert ("Tool", "Okta", f"/w/alpha/tools/{tool.pk}/") in found
    assert ("Idea", f"#{idea.pk} Single sign-on with Okta", f"/w/alpha/ideas/{idea.pk}/") in hits(
        client, f"#{idea.pk}"
    )
    assert ("Account", "Oktaville Café", f"/w/alpha/feedback/accounts/{acme.pk}/") in hits(
        client,
        "cafe",  # accents aside, as every search
    )
    assert hits(client, "inbox") == [("Page", "Inbox", "/w/alpha/feedback/")]


def test_it_never_shows_another_workspaces_rows(workspace_a, workspace_b, pm, outsider):
    theirs = data.item(workspace_b, "Okta login broken")
    data.idea(workspace_b, "Okta everywhere")
    Account.objects.create(workspace=workspace_b, name="Okta Corp")
    ToolFactory(workspace=workspace_b, name="Okta")
    mine = signed_in(pm)
    assert hits(mine, "okta") == []
    assert hits(mine, f"#{theirs.pk}") == []
    # The outsider is a member of bravo, not of alpha: the palette of alpha is not there.
    assert signed_in(outsider).get(PALETTE, {"q": "okta"}).status_code == 404


def test_pages_are_only_those_the_role_may_open(workspace_a, pm, admin):
    assert hits(signed_in(pm), "audit") == []
    assert hits(signed_in(pm), "settings") == []
    assert hits(signed_in(admin), "audit") == [("Page", "Audit log", "/w/alpha/audit/")]


def test_it_runs_the_same_queries_with_few_rows_and_many(workspace_a, pm, count_queries):
    client = signed_in(pm)

    def grow(n: int) -> None:
        data.many(workspace_a, n)
        for k in range(n // 10):
            data.idea(workspace_a, f"Feedback idea {n}-{k}")
            data.account(workspace_a, f"Feedback account {n}-{k}")
            ToolFactory(workspace=workspace_a, name=f"Feedback tool {n}-{k}")

    grow(10)
    few, _ = count_queries(client, PALETTE, data={"q": "feedback"}, headers=HX)
    by_number, _ = count_queries(client, PALETTE, data={"q": "#12"}, headers=HX)
    grow(200)
    many, response = count_queries(client, PALETTE, data={"q": "feedback"}, headers=HX)
    assert few == many
    assert by_number <= many
    # Five of each kind at most: the page stays short however much matches.
    assert response.content.decode().count('role="option"') == 20


def test_without_script_it_is_a_page_with_its_own_search_form(workspace_a, pm):
    item = data.item(workspace_a, "Export to CSV please")
    page = signed_in(pm).get(PALETTE, {"q": str(item.pk)}).content.decode()
    assert "<html" in page and 'name="q"' in page
    assert f'href="/w/alpha/feedback/{item.pk}/"' in page
    empty = signed_in(pm).get(PALETTE, {"q": "nothing like this"}).content.decode()
    assert "Nothing matches “nothing like this”." in empty
