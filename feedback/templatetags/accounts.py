"""`{% load accounts %}`: every customer a page names is a link to its account page.

`{% account_link account %}` renders `<a class="acct" href="/w/<slug>/feedback/accounts/<id>/">
Name</a>` (the workspace from the page's context, so no query per row); `account_link_html` is
the same markup for HTML built in Python (the inbox rows). A page that names an account without
it fails `tests/feedback/test_account_links.py`, which walks the demo workspace's pages.
"""

from functools import lru_cache
from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def account_link_html(slug: str, account_id: int, name: str, *, in_tab_order: bool = True) -> str:
    """The link to account `account_id` named `name`, escaped. `in_tab_order=False` for rows a
    keyboard walks with its own keys (the inbox's j/k), where Tab should not stop at each."""
    href = f"{_accounts_path(slug)}{int(account_id)}/"
    tabindex = "" if in_tab_order else ' tabindex="-1"'
    return f'<a class="acct" href="{href}"{tabindex}>{escape(str(name))}</a>'


@lru_cache(maxsize=1024)
def _accounts_path(slug: str) -> str:
    # reverse() costs about 10 µs; the inbox names up to 50 accounts a page. An account's page
    # is its id under the accounts list (feedback/urls.py), which the walk test holds to.
    return escape(reverse("account_list", args=[slug]))


@register.simple_tag(takes_context=True)
def account_link(context: template.Context, account, default: str = "") -> SafeString:
    """`account` (an Account, or None) as a link to its page in this page's workspace;
    `default` (escaped) when there is none."""
    if account is None:
        return mark_safe(escape(default))
    return mark_safe(account_link_html(context["workspace"].slug, account.pk, account.name))
