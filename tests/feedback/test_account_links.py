"""Every customer a page names is a link to the account's page: the demo workspace's pages are
walked from Home, following their links, and each account name in their text must sit inside a
link to that account's page. A page that names an account some other way fails here."""

from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from feedback.models import Account
from productops.models import Membership, Role
from tests.access import HTMX

# Pages of one kind (one URL name) looked at; enough to meet each way a page names accounts.
PER_KIND = 4
# Downloads, sign-out and the palette's own endpoint are not pages a person reads.
NOT_PAGES = (".csv", "/logout/", "/palette/", "/export")


class _Mentions(HTMLParser):
    """Collects (text, href of the enclosing <a> or None, enclosing tags) for each text node,
    and the hrefs of every link."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.texts: list[tuple[str, str | None, tuple[str, ...]]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") if tag == "a" else None
        if href:
            self.links.append(href)
        if tag not in {"br", "img", "input", "meta", "link", "hr", "wbr", "col", "source"}:
            self.stack.append((tag, href))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if data.strip():
            href = next((h for t, h in reversed(self.stack) if t == "a"), None)
            self.texts.append((data, href, tuple(t for t, _ in self.stack)))


def _unlinked(html: str, accounts: dict[str, str], own_page: str | None) -> list[str]:
    page = _Mentions()
    page.feed(html)
    wrong = []
    for text, href, tags in page.texts:
        if {"option", "title", "script", "textarea"} & set(tags):
            continue  # a choice in a select, the tab's title: no link can go there
        for name, url in accounts.items():
            if name not in text:
                continue
            if url == own_page and "h1" in tags:
                continue  # the account's own page names it in its heading
            if href != url:
                wrong.append(f"{name!r} in {text.strip()[:80]!r} (link: {href})")
    return wrong


@pytest.mark.django_db(transaction=False)
def test_every_account_a_page_names_links_to_its_account_page():
    call_command("seed_demo")
    admin = Membership.objects.filter(workspace__slug="acme", role=Role.ADMIN).first()
    client = Client()
    client.force_login(admin.user)
    accounts = {
        a.name: reverse("account_detail", args=["acme", a.pk])
        for a in Account.objects.filter(workspace__slug="acme")
    }
    assert len(accounts) >= 5

    start = reverse("dashboards_home", args=["acme"])
    queue, seen, kinds = deque([start]), {start}, Counter()
    problems: dict[str, list[str]] = {}
    named = Counter()  # pages of each kind that name an account: the walk met them
    while queue:
        url = queue.popleft()
        response = client.get(url, headers=HTMX if url == start else {})  # Home's fragment
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        kind = resolve(urlsplit(url).path).url_name
        own = urlsplit(url).path if kind == "account_detail" else None
        wrong = _unlinked(html, accounts, own)
        if wrong:
            problems[url] = wrong
        if any(name in html for name in accounts):
            named[kind] += 1
        parser = _Mentions()
        parser.feed(html)
        for href in parser.links:
            link = urldefrag(href)[0]
            path = urlsplit(link).path
            if not path.startswith("/w/acme/") or link in seen or path.endswith(NOT_PAGES):
                continue
            try:
                next_kind = resolve(path).url_name
            except Resolver404:
                continue
            if kinds[next_kind] >= PER_KIND:
                continue
            kinds[next_kind] += 1
            seen.add(link)
            queue.append(link)

    assert problems == {}
    # The walk reached the pages the issue names (so an unlinked mention there would show).
    met = ("feedback_inbox", "feedback_item", "idea_detail", "account_detail", "idea_close")
    for kind in (*met, "planning_announce"):
        assert named[kind], f"the walk met no {kind} page naming an account"
