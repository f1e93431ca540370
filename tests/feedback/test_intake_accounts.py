"""The accounts pages: who the customers are, what they pay, what they ask for."""

from decimal import Decimal

from feedback.models import Account, Channel, Contact, FeedbackItem, Idea, IdeaLink, Source
from feedback.selectors.ideas import statuses
from tests.conftest import signed_in


def _account(workspace, name: str, revenue: int, segment: str = "SMB") -> Account:
    return Account.objects.create(
        workspace=workspace,
        name=name,
        domain=f"{name.lower()}.test",
        segment=segment,
        annual_revenue=Decimal(revenue),
    )


def _items(workspace, account: Account, count: int, **fields) -> list[FeedbackItem]:
    source, _ = Source.objects.get_or_create(
        workspace=workspace, name="API", defaults={"channel": Channel.API}
    )
    return [
        FeedbackItem.objects.create(
            workspace=workspace, source=source, account=account, body=f"Item {n}", **fields
        )
        for n in range(count)
    ]


def test_accounts_are_listed_by_revenue_with_their_feedback(exec_, workspace_a, workspace_b):
    small = _account(workspace_a, "Small", 1000)
    _account(workspace_a, "Big", 90000)
    _items(workspace_a, small, 3)
    _account(workspace_b, "Elsewhere", 10**6)
    html = signed_in(exec_).get("/w/alpha/feedback/accounts/").content.decode()
    assert html.index("Big") < html.index("Small")
    assert "Elsewhere" not in html
    assert f'?status=all&amp;account={small.pk}">3</a>' in html


def test_accounts_filter_by_segment_and_search(pm, workspace_a):
    _account(workspace_a, "Globex", 5000, segment="Enterprise")
    _account(workspace_a, "Initech", 5000, segment="SMB")
    client = signed_in(pm)
    enterprise = client.get("/w/alpha/feedback/accounts/", {"segment": "Enterprise"}).content
    assert b"Globex" in enterprise and b"Initech" not in enterprise
    found = client.get("/w/alpha/feedback/accounts/", {"q": "initech.test"}).content
    assert b"Initech" in found and b"Globex" not in found


def test_the_accounts_list_costs_the_same_queries_at_3_and_60_accounts(
    pm, workspace_a, count_queries
):
    client = signed_in(pm)
    for n in range(3):
        _items(workspace_a, _account(workspace_a, f"A{n}", n), 2)
    few = count_queries(client, "/w/alpha/feedback/accounts/")[0]
    for n in range(3, 60):
        _items(workspace_a, _account(workspace_a, f"A{n}", n), 2)
    assert count_queries(client, "/w/alpha/feedback/accounts/")[0] == few


def test_an_account_page_shows_its_people_feedback_and_the_ideas_it_asked_for(pm, workspace_a):
    account = _account(workspace_a, "Hooli", 510000)
    Contact.objects.create(
        workspace=workspace_a, email="max@hooli.test", name="Max", account=account
    )
    item, _ = _items(workspace_a, account, 2)
    status = statuses(workspace=workspace_a)[0]
    idea = Idea.objects.create(workspace=workspace_a, title="Audit export", status=status)
    IdeaLink.objects.create(workspace=workspace_a, item=item, idea=idea)
    html = signed_in(pm).get(f"/w/alpha/feedback/accounts/{account.pk}/").content.decode()
    assert "Max" in html and "max@hooli.test" in html
    assert "Audit export" in html
    assert "Item 0" in html and "Item 1" in html


def test_another_workspaces_account_is_not_found(pm, workspace_b):
    theirs = _account(workspace_b, "Theirs", 1)
    assert signed_in(pm).get(f"/w/alpha/feedback/accounts/{theirs.pk}/").status_code == 404


def test_a_script_in_an_account_name_is_inert(pm, workspace_a):
    account = _account(workspace_a, "<script>alert(1)</script>", 1)
    for url in ["/w/alpha/feedback/accounts/", f"/w/alpha/feedback/accounts/{account.pk}/"]:
        html = signed_in(pm).get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_plan_and_segment_saying_the_same_word_show_it_once(pm, workspace_a):
    """CRMs often give "Enterprise" as both plan and segment: the item and the account page
    name it once, and name both when they differ."""
    same = _account(workspace_a, "Acme", 5000, segment="Enterprise")
    Account.objects.filter(pk=same.pk).update(plan="enterprise")
    other = _account(workspace_a, "Initech", 5000, segment="Mid-market")
    Account.objects.filter(pk=other.pk).update(plan="Growth")
    client = signed_in(pm)

    def said(html: str, word: str) -> int:
        return html.lower().count(f">{word.lower()}<") + html.lower().count(f"{word.lower()} ·")

    panel = client.get(f"/w/alpha/feedback/{_items(workspace_a, same, 1)[0].pk}/").content.decode()
    account = client.get(f"/w/alpha/feedback/accounts/{same.pk}/").content.decode()
    assert said(panel, "Enterprise") == 1
    assert said(account, "Enterprise") == 1
    panel = client.get(f"/w/alpha/feedback/{_items(workspace_a, other, 1)[0].pk}/").content.decode()
    assert said(panel, "Growth") == 1 and said(panel, "Mid-market") == 1
