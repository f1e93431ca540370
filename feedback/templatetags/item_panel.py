"""An item's triage panel as HTML, built in Python: the answer to every keypress in the inbox.

Each keypress (archive, triage, spam) comes back with the next item's panel. Through the
template engine the panel cost about 4 ms of CPU (a thousand variable lookups, each a chain of
getattr and hasattr tries, plus the shell's context processor run again for the partial), a
third of the keypress. So, as the inbox's rows are (inbox_rows.py), the panel is an f-string
with every value that is not ours passed through `_e` (html.escape, as Django's escape is).

It builds exactly what templates/feedback/triage/item.html's `panel` partial renders (byte for
byte, tests/feedback/test_item_panel.py compares the two over varied items) for a member who
triages, when the item has no merged duplicates, duplicate candidates, merges or history
(the usual item in triage). For anything else `panel_html` answers None and the caller renders
the template, which stays the one source for the panel's rarer sections, for read-only members,
conflicts and errors.
"""

from collections.abc import Sequence
from html import escape
from typing import Any, cast

from django.template import Context
from django.urls import reverse
from django.utils.html import conditional_escape

from feedback.models import Status
from feedback.templatetags.accounts import account_link_html
from feedback.templatetags.inbox_rows import inbox_row
from productops.ages import age
from productops.money import format_money
from productops.templatetags.badges import badge_class


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _selected(flag: bool) -> str:
    return " selected" if flag else ""


def _options(choices: Sequence[tuple[Any, Any]], chosen: Any) -> str:
    return "".join(
        f'<option value="{_e(value)}"{_selected(value == chosen)}>{_e(label)}</option>'
        for value, label in choices
    )


def _from(i: Any) -> str:
    if i.contact_id:
        contact = i.contact
        text = _e(contact.name or contact.email)
        if contact.name and contact.email:
            text += f' <span class="muted">{_e(contact.email)}</span>'
        return text
    if i.submitter_email or i.submitter_name:
        text = _e(i.submitter_name or i.submitter_email)
        if i.submitter_name and i.submitter_email:
            text += f' <span class="muted">{_e(i.submitter_email)}</span>'
        return text
    return '<span class="muted">Unknown</span>'


def _source(source: Any) -> str:
    """The source's name, and its channel when that says something more ("Zendesk" once)."""
    channel = source.get_channel_display()
    if channel.lower() == source.name.lower():
        return _e(source.name)
    return f'{_e(source.name)} <span class="muted">{_e(channel)}</span>'


def _account(i: Any, slug: str, inbox_path: str, currency: str) -> str:
    if not i.account_id:
        return '<span class="muted">None matched</span>'
    account = i.account
    labels = "".join(
        f' <span class="badge">{_e(label)}</span>' for label in account.plan_and_segment
    )
    money = conditional_escape(format_money(account.annual_revenue, currency))
    return (
        f"{account_link_html(slug, account.pk, account.name)}{labels}"
        f' <span class="muted">{money}/yr · <a href="{_e(inbox_path)}?status=all&amp;account='
        f'{int(i.account_id)}">their feedback</a></span>'
    )


def _sub(i: Any, item_path: str, item_url: str) -> str:
    dup = ""
    if i.duplicate_of_id:
        original = f"{item_path}{int(i.duplicate_of_id)}/"
        dup = (
            f'· duplicate of <a href="{original}" hx-get="{original}" hx-target="#panel">'
            f"#{int(i.duplicate_of_id)}</a>"
        )
    rating = (
        f'· <span class="rating" title="the sender\'s rating">{_e(i.rating)} of 5 stars</span>'
        if i.rating
        else ""
    )
    mentions = ""
    if i.mentions > 1:
        plural = "" if i.votes == 1 else "s"
        mentions = (
            '· <span title="distinct people among this item and its merged duplicates">'
            f"▲ {_e(i.votes)} vote{plural}</span> · "
            f'<span title="this item and its merged duplicates">{_e(i.mentions)} mentions</span>'
        )
    triaged = ""
    if i.triaged_at:
        triaged = f"· triaged {_e(age(i.triaged_at))}"
        if i.triaged_by:
            triaged += f" by {_e(i.triaged_by.display_name)}"
    status = (
        f'<span class="{_e(badge_class("feedback", i.status))}">{_e(i.labels["status"])}</span>'
    )
    return (
        '    <div class="panel-sub muted">\n'
        f'      <a href="{item_url}">#{int(i.pk)}</a>\n'
        f"      · {status}\n"
        f"      {dup}\n"
        f"      {rating}\n"
        f"      {mentions}\n"
        f"      {triaged}\n"
        "    </div>\n"
    )


def _links(links: Sequence[Any], slug: str, csrf: str) -> str:
    if not links:
        return '<p class="muted">Not linked to an idea yet.</p>'
    rows = []
    for link in links:
        unlink = _e(reverse("feedback_link_remove", args=[slug, link.pk]))
        tone = _e(badge_class("importance", link.importance))
        note = f'<div class="muted link-note">{_e(link.note)}</div>' if link.note else ""
        rows.append(
            '\n      <div class="link-row">\n'
            f'        <span class="{tone}">{_e(link.get_importance_display())}</span>\n'
            f'        <span class="link-title">{_e(link.idea.title)}</span>'
            f' <span class="muted">{_e(link.idea.status.name)}</span>\n'
            f"        {note}\n"
            f'        <form class="inline" method="post" action="{unlink}" hx-post="{unlink}"'
            f' hx-target="#panel" hx-swap="innerHTML">{csrf}<button class="link small-link"'
            ' type="submit">Unlink</button></form>\n'
            "      </div>\n    "
        )
    return "".join(rows)


def panel_html(
    context: dict, *, workspace: Any, actor: Any, can_triage: bool, csrf_token: str
) -> str | None:
    """The panel partial for `context` (views.triage._panel_context's), or None when the
    template must render it (see the module's docstring)."""
    i = context["i"]
    if (
        not can_triage
        or context.get("conflict")
        or context.get("error")
        or context.get("duplicates")
        or context.get("candidates")
        or context.get("merges")
        or context.get("events")
    ):
        return None
    slug = workspace.slug
    pk, version = int(i.pk), int(i.version)
    item_path = _e(i.url[: -len(f"{pk}/")])  # decorate()'s URL: the inbox's path, then the id
    item_url = f"{item_path}{pk}/"
    update = f"{item_url}update/"
    csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{_e(csrf_token)}">'
    hidden = f'{csrf}<input type="hidden" name="version" value="{version}">'
    status = i.status
    priority = _e(i.labels["priority"])
    form_attrs = (
        f'method="post" action="{update}" hx-post="{update}" hx-target="#panel" hx-swap="innerHTML"'
    )

    def action(value: str, text: str) -> str:
        return text if status != value else ""

    title_line = f'<p class="feedback-title-line">{_e(i.title)}</p>' if i.title else ""
    body = _e(i.body.replace("\r\n", "\n").replace("\r", "\n")).replace("\n", "<br>")
    processing = (
        '<dt>Processing</dt><dd class="muted">Sentiment, matching and duplicates are still being'
        " worked out.</dd>"
        if i.processed_at is None
        else ""
    )
    tag_forms = "".join(
        f'\n        <form class="inline" {form_attrs}>\n'
        f"          {hidden}\n"
        f'          <span class="tag">{_e(t.name)} <button class="tag-x" name="remove_tag"'
        f' value="{int(t.pk)}" aria-label="Remove tag {_e(t.name)}">\u00d7</button></span>\n'
        "        </form>\n        "
        for t in i.tags.all()
    )
    datalist = "".join(f'<option value="{_e(t.name)}"></option>' for t in context["tags"])
    areas = "".join(
        f'<option value="{int(a.pk)}"{_selected(a.pk == i.product_area_id)}>{_e(a.name)}</option>'
        for a in context["areas"]
    )
    me = (
        f'<option value="me">Me ({_e(actor.user.display_name)})</option>'
        if actor.user.pk != i.assignee_id
        else ""
    )
    people = "".join(
        f'<option value="{int(u.pk)}"{_selected(u.pk == i.assignee_id)}>{_e(u.display_name)}'
        "</option>"
        for u in context["assignees"]
    )
    overridden = i.sentiment_overridden
    automatic = "" if overridden else f": {_e(i.labels['sentiment'])}"
    sentiments = "".join(
        f'<option value="{_e(value)}"{_selected(overridden and value == i.sentiment)}>'
        f"{_e(label)}</option>"
        for value, label in context["sentiments"]
    )
    importances = "".join(
        f'<option value="{_e(value)}"{_selected(value == 2)}>{_e(label)}</option>'
        for value, label in context["importances"]
    )
    link_url = f"{item_url}link/"
    ideas_url = f"{item_url}ideas/"
    dups_url = f"{item_url}duplicates/"
    links = context.get("links") or []
    merge_form = ""
    if not i.duplicate_of_id:
        merge_form = (
            f'\n    <form id="merge-form" method="post" action="{item_url}merge/"'
            f' hx-post="{item_url}merge/" hx-target="#panel" hx-swap="innerHTML">\n'
            f"      {hidden}\n"
            "      \n"
            '      <input type="search" name="q" placeholder="Find the original… (d)"'
            ' aria-label="Find the original item" data-field="duplicate"'
            ' data-pick-first="#dup-results" autocomplete="off"\n'
            f'             hx-get="{dups_url}" hx-trigger="focus once, keyup changed delay:250ms"'
            ' hx-target="#dup-results" hx-swap="innerHTML" hx-params="q">\n'
            '      <div id="dup-results" class="picker-results"></div>\n'
            "    </form>\n    "
        )
    else:
        merge_form = '<p class="muted">None found.</p>'
    return (
        f'\n<div class="panel-body" data-item="{pk}" data-version="{version}"'
        f' data-status="{_e(status)}">\n'
        "  \n"
        "  \n"
        "\n"
        '  <header class="panel-head">\n'
        '    <div class="panel-title">\n'
        f'      <span class="prio prio-{int(i.priority)}" title="{priority}">'
        f'<span class="visually-hidden">{priority}</span></span>\n'
        f"      <h2>{_e(i.headline)}</h2>\n"
        '      <button type="button" class="button small panel-close" data-close-panel'
        ' aria-label="Close the item (Esc)">\u00d7</button>\n'
        "    </div>\n"
        f"{_sub(i, item_path, item_url)}"
        "    \n"
        f'    <form class="panel-actions" {form_attrs}>\n'
        f"      {hidden}\n"
        "      "
        + action(
            Status.TRIAGED,
            '<button class="button small primary" name="status" value="triaged"'
            ' data-action="triage">Mark triaged <kbd>r</kbd></button>',
        )
        + "\n      "
        + action(
            Status.ARCHIVED,
            '<button class="button small" name="status" value="archived"'
            ' data-action="archive">Archive <kbd>e</kbd></button>',
        )
        + "\n      "
        + action(
            Status.SPAM,
            '<button class="button small" name="status" value="spam" data-action="spam">'
            "Spam <kbd>s</kbd></button>",
        )
        + "\n      "
        + action(
            Status.NEW,
            '<button class="button small" name="status" value="new" data-action="restore">'
            "Restore to new</button>",
        )
        + "\n"
        "    </form>\n"
        "    \n"
        "  </header>\n"
        "\n"
        f'  <div class="feedback-body">{title_line}{body}</div>\n'
        "\n"
        '  <dl class="facts">\n'
        "    <dt>From</dt>\n"
        "    <dd>\n"
        f"      {_from(i)}\n"
        "    </dd>\n"
        "    <dt>Account</dt>\n"
        f"    <dd>{_account(i, slug, item_path, workspace.currency)}</dd>\n"
        f"    <dt>Source</dt><dd>{_source(i.source)}</dd>\n"
        f'    <dt>Received</dt><dd><time datetime="{_e(i.labels["received_iso"])}">'
        f"{_e(i.labels['received'])}</time>"
        f' <span class="muted">({_e(age(i.received_at))})</span></dd>\n'
        f"    {processing}\n"
        "  </dl>\n"
        "\n"
        "  \n"
        '  <div class="panel-fields">\n'
        '    <div class="panel-field">\n'
        '      <span class="field-label">Tags</span>\n'
        '      <div class="tag-edit">\n'
        f"        {tag_forms}\n"
        f'        <form class="inline" {form_attrs}>\n'
        f"          {hidden}\n"
        '          <input class="tag-input" name="add_tag" list="panel-tag-options"'
        ' placeholder="Add tag…" aria-label="Add tag" maxlength="60" data-field="tag"'
        ' autocomplete="off">\n'
        "        </form>\n"
        f'        <datalist id="panel-tag-options">{datalist}</datalist>\n'
        "      </div>\n"
        "    </div>\n"
        f'    <form class="panel-selects" method="post" action="{update}">\n'
        f"      {hidden}\n"
        '      <label class="panel-field"><span class="field-label">Area</span>\n'
        f'        <select name="product_area" data-field="area" hx-post="{update}"'
        ' hx-trigger="change" hx-include="closest form"'
        ' hx-params="version,product_area,csrfmiddlewaretoken" hx-target="#panel"'
        ' hx-swap="innerHTML">\n'
        f'          <option value="">No area</option>{areas}\n'
        "        </select></label>\n"
        '      <label class="panel-field"><span class="field-label">Assignee</span>\n'
        f'        <select name="assignee" data-field="assignee" hx-post="{update}"'
        ' hx-trigger="change" hx-include="closest form"'
        ' hx-params="version,assignee,csrfmiddlewaretoken" hx-target="#panel"'
        ' hx-swap="innerHTML">\n'
        f'          <option value="none">Unassigned</option>{me}{people}\n'
        "        </select></label>\n"
        '      <label class="panel-field"><span class="field-label">Priority</span>\n'
        f'        <select name="priority" data-field="priority" hx-post="{update}"'
        ' hx-trigger="change" hx-include="closest form"'
        ' hx-params="version,priority,csrfmiddlewaretoken" hx-target="#panel"'
        ' hx-swap="innerHTML">\n'
        f"          {_options(context['priorities'], i.priority)}\n"
        "        </select></label>\n"
        '      <label class="panel-field"><span class="field-label">Sentiment</span>\n'
        f'        <select name="sentiment" data-field="sentiment" hx-post="{update}"'
        ' hx-trigger="change" hx-include="closest form"'
        ' hx-params="version,sentiment,csrfmiddlewaretoken" hx-target="#panel"'
        ' hx-swap="innerHTML">\n'
        f'          <option value="auto"{_selected(not overridden)}>Automatic{automatic}</option>\n'
        f"          {sentiments}\n"
        "        </select></label>\n"
        '      <noscript><button class="button small" type="submit">Save</button></noscript>\n'
        "    </form>\n"
        "  </div>\n"
        "  \n"
        "\n"
        '  <section class="panel-section">\n'
        f'    <h3>Ideas <span class="muted">{len(links)}</span></h3>\n'
        f"    {_links(links, slug, csrf)}\n"
        "    \n"
        f'    <form id="link-form" class="link-form" method="post" action="{link_url}"'
        f' hx-post="{link_url}" hx-target="#panel" hx-swap="innerHTML">\n'
        f"      {hidden}\n"
        '      <div class="link-controls">\n'
        '        <input type="search" name="q" placeholder="Find an idea to link… (l)"'
        ' aria-label="Find an idea" data-field="idea" data-pick-first="#idea-results"'
        ' autocomplete="off"\n'
        f'               hx-get="{ideas_url}" hx-trigger="focus once, keyup changed delay:250ms"'
        ' hx-target="#idea-results" hx-swap="innerHTML" hx-params="q">\n'
        f'        <select name="importance" aria-label="Importance">{importances}</select>\n'
        "      </div>\n"
        '      <div id="idea-results" class="picker-results"></div>\n'
        '      <div class="link-controls">\n'
        '        <input name="title" maxlength="200" placeholder="…or a new idea\'s title"'
        ' aria-label="New idea title" data-create-on-enter autocomplete="off">\n'
        '        <button class="button small" type="submit" name="create" value="1"'
        " data-create>Create &amp; link</button>\n"
        "      </div>\n"
        '      <input name="note" maxlength="2000" placeholder="Note (optional): what they need"'
        ' aria-label="Note">\n'
        "    </form>\n"
        "    \n"
        "  </section>\n"
        "\n"
        '  <section class="panel-section">\n'
        "    <h3>Duplicates</h3>\n"
        "    \n"
        f"    {merge_form}\n"
        "    \n"
        "  </section>\n"
        "\n"
        '  <section class="panel-section">\n'
        "    <h3>Activity</h3>\n"
        '    <ul class="mini-list activity">\n'
        f'      <li class="muted">Received {_e(i.labels["received"])}; no changes yet.</li>\n'
        "    </ul>\n"
        "  </section>\n"
        "</div>\n"
    )


def status_tabs_html(tabs: dict) -> str:
    """inbox.html's `tabs` partial with oob (views.triage._tabs_of's dict), as an action's
    answer swaps it in out-of-band."""
    links = "".join(
        f'\n        <a href="?{_e(query)}" class="{"current" if tabs["status"] == value else ""}"'
        f' hx-get="?{_e(query)}" hx-target="#inbox-results" hx-swap="outerHTML"'
        f' hx-push-url="true" hx-indicator="#inbox-results">{_e(label)}'
        f"{f' <span class="count">{_e(count)}</span>' if count else ''}</a>\n      "
        for value, label, count, query in tabs["tabs"]
    )
    return (
        f'<nav id="status-tabs" class="inbox-tabs" aria-label="Status"'
        f' data-stamp="{_e(tabs["stamp"])}" data-filters="{_e(tabs["filters"])}"'
        f' hx-swap-oob="true">\n      {links}\n    </nav>'
    )


def action_parts_html(
    *,
    i: Any,
    in_inbox: bool,
    inbox_tabs: dict | None,
    toast: dict | None,
    workspace: Any,
    can_triage: bool,
    csrf_token: str,
) -> str:
    """item.html's `action_parts` partial: the acted-on item's row, the status tabs and the
    undo note, each out-of-band (tests/feedback/test_item_panel.py compares the two)."""
    row = ""
    if in_inbox:
        shown = inbox_row(cast(Context, {"workspace": workspace}), i, can_triage, True)
        row = f"<template>{shown}\n</template>"
    tabs = status_tabs_html(inbox_tabs) if inbox_tabs else ""
    note = ""
    if toast:
        undo = ""
        if toast.get("url"):
            url = _e(toast["url"])
            fields = "".join(
                f'<input type="hidden" name="{_e(k)}" value="{_e(v)}">'
                for k, v in (toast.get("fields") or {}).items()
            )
            undo = (
                f' <form class="inline" method="post" action="{url}" hx-post="{url}"'
                ' hx-target="#panel" hx-swap="innerHTML"><input type="hidden"'
                f' name="csrfmiddlewaretoken" value="{_e(csrf_token)}">{fields}'
                '<button class="link" type="submit" data-undo>Undo <kbd>u</kbd></button></form>'
            )
        note = f'<div class="toast-body">{_e(toast["text"])}{undo}</div>'
    return (
        f"\n{row}\n{tabs}\n"
        '<div id="inbox-toast" class="inbox-toast" role="status" aria-live="polite"'
        f' hx-swap-oob="true">{note}</div>\n'
    )
