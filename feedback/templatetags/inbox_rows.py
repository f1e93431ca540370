"""One inbox row as HTML, built in Python.

The inbox renders 50 of these per page, and they come back out-of-band after every action.
Through the template engine a row cost over a millisecond (each variable lookup is a chain of
getattr and hasattr tries, 40 per row), most of the page's rendering; even format_html spends
half its time in the lazy-string checks of django.utils.html.escape. So the row is an f-string
with every value that is not ours passed through `_e` (the standard library's html.escape, as
Django's escape is), then marked safe once. The row's markup lives only here; inbox.html's
`row` partial calls it, and tests/feedback/test_triage_inbox.py checks its columns and escaping.
"""

import unicodedata
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from feedback.models import FeedbackItem, Status
from feedback.selectors.triage_choices import Choice
from feedback.templatetags.accounts import account_link_html
from productops.templatetags.badges import badge_class

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from feedback.selectors.triage import ListColumns
    from feedback.views.triage import Shown

    class RowColumns(ListColumns, Shown):
        """selectors.triage.with_list_columns()'s columns and views.triage.decorate()'s."""

    Row = WithAnnotations[FeedbackItem, RowColumns]

register = template.Library()

HEADLINE_CHARS = 140


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _shortened(text: str) -> str:
    """Truncator(text).chars(HEADLINE_CHARS), without its lazy machinery for the text it would
    leave whole (it composes the text, NFC, and never cuts one of at most that many code points)
    nor its character walk for ASCII text (half the row's time when the headline is a body)."""
    if text.isascii():  # already composed, no combining marks: Truncator's cut, without its walk
        return text if len(text) <= HEADLINE_CHARS else f"{text[: HEADLINE_CHARS - 1]}…"
    composed = unicodedata.normalize("NFC", text)
    return composed if len(composed) <= HEADLINE_CHARS else Truncator(text).chars(HEADLINE_CHARS)


def _plural(n: int) -> str:
    return "" if n == 1 else "s"


def _who(i: "Row", slug: str) -> str:
    account = i.account if i.account_id else None
    if account is not None:
        segment = account.segment
        badge = f' <span class="badge">{_e(segment)}</span>' if segment else ""
        link = account_link_html(slug, account.pk, account.name, in_tab_order=False)
        return f"{link}{badge}"
    if i.contact_id:
        return f'<span class="acct">{_e(i.contact)}</span>'
    if i.submitter_email:
        return f'<span class="acct">{_e(i.submitter_email)}</span>'
    return ""


def _meta(i: "Row", slug: str) -> str:
    parts = [_who(i, slug), f'\n<span class="muted">· {_e(i.source.name)}</span>']
    area = i.product_area if i.product_area_id else None
    if area is not None:
        parts.append(f'\n<span class="area">{_e(area.name)}</span>')
    parts += [f'<span class="tag">{_e(name)}</span>' for name in i.tag_names]
    if i.duplicate_of_id:
        parts.append(f'\n<span class="badge">dup of #{int(i.duplicate_of_id)}</span>')
    if i.status != Status.NEW:
        tone = badge_class("feedback", i.status)
        parts.append(f'\n<span class="{tone}">{_e(i.labels["status"])}</span>')
    return "".join(parts)


def _counts(i: "Row") -> str:
    text = ""
    if i.mentions > 1:
        text += (
            f'<span title="{i.votes} vote{_plural(i.votes)} (people), {i.mentions} mentions'
            f' (this item and its merged duplicates)">▲{i.votes}</span>'
        )
    if i.link_count:
        text += (
            f' <span title="Linked to {i.link_count} idea{_plural(i.link_count)}">'
            f"↗{i.link_count}</span>"
        )
    return text


@register.simple_tag(takes_context=True)
def inbox_row(
    context: template.Context, i: "Row", can_triage: bool = False, oob: bool = False
) -> SafeString:
    """The <tr> of item `i` (decorated by views.triage.decorate: headline, age, url, labels);
    `oob` marks it for an htmx out-of-band swap."""
    slug = context["workspace"].slug
    pk, version, url, labels = int(i.pk), int(i.version), _e(i.url), i.labels
    select = (
        f'<input type="checkbox" name="items" value="{pk}:{version}" form="bulk-form"'
        f' aria-label="Select #{pk}" tabindex="-1">'
        if can_triage
        else ""
    )
    assignee = ""
    person = i.assignee if i.assignee_id else None
    if person is not None:
        name = person.display_name
        assignee = (
            f'<span class="avatar small" title="Assigned to {_e(name)}">'
            f"{_e(name[:1].upper())}</span>"
        )
    priority_label = _e(labels["priority"])
    overridden = " (set by a PM)" if i.sentiment_overridden else ""
    return mark_safe(
        f'<tr id="item-{pk}" class="inbox-row"{' hx-swap-oob="true"' if oob else ""}'
        f' data-item="{pk}" data-version="{version}" data-status="{_e(i.status)}"'
        f' data-panel="{url}">\n'
        f'  <td class="sel">{select}</td>\n'
        f'  <td class="pri"><span class="prio prio-{int(i.priority)}" title="{priority_label}">'
        f'<span class="visually-hidden">{priority_label}</span></span></td>\n'
        '  <td class="main key-column">\n'
        f'    <a class="headline" href="{url}" hx-get="{url}" hx-target="#panel"'
        f' hx-swap="innerHTML" tabindex="-1">'
        f"{_e(_shortened(i.headline))}</a>\n"
        f'    <div class="meta">{_meta(i, slug)}</div>\n'
        "  </td>\n"
        f'  <td class="num counts">{_counts(i)}</td>\n'
        f'  <td class="senti"><span class="dot sentiment-{_e(i.sentiment or "none")}"'
        f' title="Sentiment: {_e(labels["sentiment"])}{overridden}"></span></td>\n'
        f'  <td class="who">{assignee}</td>\n'
        f'  <td class="age nowrap muted"><time datetime="{_e(labels["received_iso"])}"'
        f' title="{_e(labels["received"])}">{_e(i.age)}</time></td>\n'
        "</tr>"
    )


@register.simple_tag(takes_context=True)
def inbox_rows(
    context: template.Context, rows: "Sequence[Row]", can_triage: bool = False
) -> SafeString:
    """Every row of a page, each as inbox_row() makes it: one tag for the page's 50 rows (the
    template's loop over them cost the page about 0.4 ms of CPU by itself)."""
    return mark_safe("".join(f"{inbox_row(context, i, can_triage)}\n" for i in rows))


@register.simple_tag
def option_list(
    choices: "Sequence[Choice | tuple[object, object]]", by_name: bool = False
) -> SafeString:
    """The <option>s of a picker the inbox's bulk bar always shows: Choice rows (valued by pk,
    labelled by display_name) or (value, label) pairs; `by_name`, a datalist's options valued
    by their Choice's name. One tag a list: the template's loops over the tags, areas,
    assignees and priorities cost the page about a third of a millisecond."""
    if by_name:
        return mark_safe(
            "".join(
                f'<option value="{_e(c.name)}"></option>' for c in choices if isinstance(c, Choice)
            )
        )
    options = []
    for choice in choices:
        value, label = choice if isinstance(choice, tuple) else (choice.pk, choice.display_name)
        options.append(f'<option value="{_e(value)}">{_e(label)}</option>')
    return mark_safe("".join(options))
