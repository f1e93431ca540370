"""Demand per idea: linked feedback, unique accounts, their revenue, the 30/90-day trend."""

from decimal import Decimal

import pytest

from feedback.models import Importance
from feedback.selectors import ideas as selectors
from feedback.services import ideas as services
from tests.conftest import signed_in
from tests.feedback import ideas_data as data


def _demand(workspace, idea):
    return selectors.idea(workspace=workspace, idea_id=idea.pk)


@pytest.fixture
def idea(pm):
    return services.idea_create(actor=pm.actor, title="Single sign-on")


def test_two_items_from_one_account_count_the_account_and_its_revenue_once(pm, workspace_a, idea):
    acme = data.account(workspace_a, "Acme", 120000)
    first = data.item(workspace_a, "SSO please", account=acme)
    second = data.item(workspace_a, "We need SAML", account=acme)
    services.idea_link(actor=pm.actor, idea=idea, items=[first, second])

    found = _demand(workspace_a, idea)

    assert found.mentions == 2
    assert found.unique_accounts == 1
    assert found.revenue == Decimal("120000.00")


def test_revenue_is_summed_over_distinct_accounts(pm, workspace_a, idea):
    acme = data.account(workspace_a, "Acme", 120000)
    globex = data.account(workspace_a, "Globex", 30000.50)
    initech = data.account(workspace_a, "Initech", 999)  # asks for something else
    items = [
        data.item(workspace_a, "a", account=acme),
        data.item(workspace_a, "b", account=acme),
        data.item(workspace_a, "c", account=globex),
        data.item(workspace_a, "d"),  # no account: counts as feedback, not as an account
    ]
    data.item(workspace_a, "unlinked", account=initech)
    services.idea_link(actor=pm.actor, idea=idea, items=items)

    found = _demand(workspace_a, idea)

    assert (found.mentions, found.unique_accounts) == (4, 2)
    assert found.revenue == Decimal("150000.50")


def test_accounts_of_duplicates_of_linked_items_count(pm, workspace_a, idea):
    acme = data.account(workspace_a, "Acme", 100)
    globex = data.account(workspace_a, "Globex", 50)
    original = data.item(workspace_a, "SSO", account=acme)
    data.item(workspace_a, "SSO again", account=globex, duplicate_of=original, status="archived")
    data.item(workspace_a, "SSO from acme too", account=acme, duplicate_of=original)
    services.idea_link(actor=pm.actor, idea=idea, items=[original])

    found = _demand(workspace_a, idea)

    assert found.mentions == 3  # the linked item and the two merged into it
    assert found.unique_accounts == 2
    assert found.revenue == Decimal("150.00")
    accounts = {
        a.name: a.item_count for a in selectors.idea_accounts(workspace=workspace_a, idea=idea)
    }
    assert accounts == {"Acme": 2, "Globex": 1}


def test_an_account_asking_for_two_ideas_counts_in_each(pm, workspace_a, idea):
    acme = data.account(workspace_a, "Acme", 100)
    other = services.idea_create(actor=pm.actor, title="Audit log export")
    services.idea_link(actor=pm.actor, idea=idea, items=[data.item(workspace_a, account=acme)])
    services.idea_link(actor=pm.actor, idea=other, items=[data.item(workspace_a, account=acme)])

    assert _demand(workspace_a, idea).revenue == Decimal(100)
    assert _demand(workspace_a, other).revenue == Decimal(100)


def test_trend_counts_feedback_received_in_the_last_30_and_90_days(pm, workspace_a, idea):
    items = [data.item(workspace_a, days_ago=d) for d in (1, 10, 29, 31, 60, 89, 91, 200)]
    services.idea_link(actor=pm.actor, idea=idea, items=items)

    found = _demand(workspace_a, idea)

    assert (found.recent_30, found.recent_90, found.mentions) == (3, 6, 8)
    assert selectors.trend(found) == "up"  # 3 in 30 days against 1.5 per 30 days before


def test_trend_is_down_when_asks_dry_up(pm, workspace_a, idea):
    items = [data.item(workspace_a, days_ago=d) for d in (40, 50, 60, 70)]
    services.idea_link(actor=pm.actor, idea=idea, items=items)
    assert selectors.trend(_demand(workspace_a, idea)) == "down"


def _three_ideas(pm, workspace):
    """'Many small' has most accounts, 'One whale' most revenue, 'Chatty' most feedback."""
    many = services.idea_create(actor=pm.actor, title="Many small")
    whale = services.idea_create(actor=pm.actor, title="One whale")
    chatty = services.idea_create(actor=pm.actor, title="Chatty")
    small = [data.account(workspace, f"Small {n}", 1000) for n in range(3)]
    big = data.account(workspace, "Whale", 500000)
    services.idea_link(
        actor=pm.actor, idea=many, items=[data.item(workspace, account=a) for a in small]
    )
    services.idea_link(actor=pm.actor, idea=whale, items=[data.item(workspace, account=big)])
    services.idea_link(actor=pm.actor, idea=chatty, items=[data.item(workspace) for _ in range(5)])
    return many, whale, chatty


def test_the_list_sorts_by_revenue_and_by_unique_accounts(pm, workspace_a):
    _three_ideas(pm, workspace_a)
    client = signed_in(pm)

    by_revenue = client.get("/w/alpha/ideas/?sort=revenue")
    by_accounts = client.get("/w/alpha/ideas/?sort=accounts")
    by_feedback = client.get("/w/alpha/ideas/?sort=feedback")

    def order(response):
        text = response.content.decode()
        return sorted(["Many small", "One whale", "Chatty"], key=text.index)

    assert order(by_revenue) == ["One whale", "Many small", "Chatty"]
    assert order(by_accounts) == ["Many small", "One whale", "Chatty"]
    assert order(by_feedback) == ["Chatty", "Many small", "One whale"]


def test_the_list_pages_by_keyset_without_losing_or_repeating_ideas(pm, workspace_a):
    for n in range(7):
        idea = services.idea_create(actor=pm.actor, title=f"Idea {n}")
        acct = data.account(workspace_a, f"Co {n}", 100 * (n % 3))  # ties on revenue
        services.idea_link(actor=pm.actor, idea=idea, items=[data.item(workspace_a, account=acct)])
    seen = []
    cursor = None
    filters = selectors.IdeaFilters(sort="revenue")
    while True:
        page = selectors.idea_page(workspace=workspace_a, filters=filters, cursor=cursor, limit=3)
        seen += [row.title for row in page.rows]
        cursor = page.next_cursor
        if not cursor:
            break
    assert sorted(seen) == sorted(f"Idea {n}" for n in range(7))
    assert len(seen) == 7


def test_filters_narrow_the_list(pm, workspace_a):
    _, whale, _ = _three_ideas(pm, workspace_a)
    planned = next(s for s in selectors.statuses(workspace=workspace_a) if s.name == "Planned")
    services.idea_update(
        actor=pm.actor, idea=whale, expected_version=1, status=planned, is_public=True
    )
    client = signed_in(pm)

    assert "One whale" in client.get(f"/w/alpha/ideas/?status={planned.pk}").content.decode()
    assert "Many small" not in client.get(f"/w/alpha/ideas/?status={planned.pk}").content.decode()
    assert "Many small" not in client.get("/w/alpha/ideas/?public=yes").content.decode()
    assert "Many small" in client.get("/w/alpha/ideas/?q=small").content.decode()
    assert "One whale" not in client.get("/w/alpha/ideas/?q=small").content.decode()


def _fill(pm, workspace, count):
    accounts = [data.account(workspace, f"Acct {count}-{n}", 100 + n) for n in range(3)]
    for n in range(count):
        idea = services.idea_create(actor=pm.actor, title=f"Idea {count}-{n}", owner=pm.user)
        item = data.item(workspace, f"ask {n}", account=accounts[n % 3])
        services.idea_link(actor=pm.actor, idea=idea, items=[item], importance=Importance.CRITICAL)
        data.item(workspace, f"dup {n}", account=accounts[(n + 1) % 3], duplicate_of=item)


@pytest.mark.parametrize(
    "url",
    [
        "/w/alpha/ideas/",
        "/w/alpha/ideas/board/",
        "/api/v1/w/alpha/ideas/",
        "/w/alpha/ideas/export.csv",
    ],
)
def test_lists_run_the_same_number_of_queries_at_10_and_60_ideas(
    pm, workspace_a, url, count_queries
):
    client = signed_in(pm)
    _fill(pm, workspace_a, 10)
    at_10 = count_queries(client, url)[0]
    _fill(pm, workspace_a, 50)
    at_60 = count_queries(client, url)[0]
    assert at_10 == at_60


def test_link_list_endpoint_runs_the_same_number_of_queries_at_10_and_60_links(
    pm, workspace_a, count_queries
):
    client = signed_in(pm)
    idea = services.idea_create(actor=pm.actor, title="Bulk")
    url = f"/api/v1/w/alpha/ideas/{idea.pk}/links/"
    acct = data.account(workspace_a, "Acct", 1)
    services.idea_link(
        actor=pm.actor, idea=idea, items=[data.item(workspace_a, account=acct) for _ in range(10)]
    )
    at_10 = count_queries(client, url)[0]
    services.idea_link(
        actor=pm.actor, idea=idea, items=[data.item(workspace_a, account=acct) for _ in range(50)]
    )
    at_60 = count_queries(client, url)[0]
    assert at_10 == at_60


def test_the_idea_page_runs_the_same_number_of_queries_at_10_and_60_links(
    pm, workspace_a, count_queries
):
    client = signed_in(pm)
    idea = services.idea_create(actor=pm.actor, title="Bulk")
    url = f"/w/alpha/ideas/{idea.pk}/"

    def add(n):
        for k in range(n):
            acct = data.account(workspace_a, f"A{idea.links.count()}-{k}", 10)
            person = data.contact(workspace_a, f"p{idea.links.count()}-{k}@x.test", "P", acct)
            services.idea_link(
                actor=pm.actor, idea=idea, items=[data.item(workspace_a, contact=person)]
            )

    add(10)
    at_10 = count_queries(client, url)[0]
    add(50)
    at_60 = count_queries(client, url)[0]
    assert at_10 == at_60
