"""The triage inbox: the list, the item panel beside it and its field changes. Merges and idea
links are in views.triage_links, the bulk bar in views.triage_bulk, saved views in
views.saved_views; the panel's actions answer through this module's done, failed and panel_write.

Actions answer htmx with the item's panel, its row swapped out-of-band and an undo note; without
htmx they redirect to the item's page. A stale version answers 409 with the current state.
"""

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypedDict, cast
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from feedback import exports
from feedback.forms.triage import STATUS_CHOICES, STATUS_TABS, InboxFilterForm, ItemUpdateForm
from feedback.models import FeedbackItem, Importance, Priority, SavedView, Sentiment, Status
from feedback.selectors import intake as intake_selectors
from feedback.selectors import triage as selectors
from feedback.selectors import triage_choices
from feedback.services import triage as services
from feedback.services import triage_bulk
from feedback.templatetags import item_panel
from productops import clock
from productops.access import WorkspaceRequest, member_required
from productops.ages import age_short
from productops.capabilities import Capability
from productops.csvfiles import csv_download
from productops.errors import StaleEdit
from productops.models import Workspace

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    ShownItem = WithAnnotations[FeedbackItem, "Shown"]

TEMPLATE = "feedback/triage/inbox.html"
ITEM_TEMPLATE = "feedback/triage/item.html"
ACCOUNT_CHOICES = 500  # the account filter is a drop-down; an account page links any other


def headline(item: "FeedbackItem | selectors.PageRow") -> str:
    if item.title:
        return item.title
    return next((line.strip() for line in item.body.splitlines() if line.strip()), "(empty)")


class Shown(TypedDict):
    """What the triage templates read of an item besides its fields."""

    headline: str
    age: str  # productops.ages.age_short(): the inbox column; the panel says age(received_at)
    url: str  # the item's page
    labels: dict[str, str]  # _labels()
    tag_names: list[str]  # selectors.triage.attach_tag_names(), else its prefetched tags'


def decorate(
    rows: "Sequence[FeedbackItem] | Sequence[selectors.PageRow]", workspace: Workspace
) -> Sequence["ShownItem"]:
    """What a row shows beyond its fields: headline, age, its page's URL (one reverse for
    all rows: a {% url %} per row and link cost the page milliseconds), labels and tag names
    (kept when the selector attached them, as the inbox page's plain rows always have them,
    else read from the prefetched tags)."""
    now = timezone.now()
    items_path = reverse("feedback_inbox", args=[workspace.slug])
    shown = cast("Sequence[ShownItem]", rows)  # each gets the attributes just below
    for row in shown:
        row.headline = headline(row)
        row.age = age_short(row.received_at, now)
        row.url = f"{items_path}{row.pk}/"
        row.labels = _labels(row)
        if not hasattr(row, "tag_names"):  # a row read with its Tag rows (prefetched)
            row.tag_names = [tag.name for tag in row.tags.all()]
    return shown


def form_problems(form: forms.Form) -> str:
    """Every message of an invalid form, in one line."""
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


# A row's labels, read once per row: get_FOO_display() flattens the choices on every call and
# the |date filter formats through the locale machinery, both per row and per page.
PRIORITY_LABELS = {value: str(label) for value, label in Priority.choices}
STATUS_LABELS = {value: str(label) for value, label in Status.choices}
SENTIMENT_LABELS = {value: str(label) for value, label in Sentiment.choices}


def _labels(row: "FeedbackItem | selectors.PageRow") -> dict[str, str]:
    received = timezone.localtime(row.received_at)  # the workspace's zone (the gate sets it)
    return {
        "priority": PRIORITY_LABELS[row.priority],
        "status": STATUS_LABELS[row.status],
        "sentiment": SENTIMENT_LABELS.get(row.sentiment, "not scored"),
        "received_iso": received.isoformat(),
        "received": received.strftime("%d %b %Y %H:%M"),
    }


def _filter_form(
    request: WorkspaceRequest, given: QueryDict | None = None
) -> tuple[InboxFilterForm, SavedView | None]:
    """The inbox's filters from `given` (the request's query string unless named): a saved
    view's when the query names one and nothing else."""
    given = request.GET if given is None else given
    data = given
    current_view = None
    view_id = given.get("view", "")
    if view_id.isdigit():
        current_view = triage_choices.visible_saved_view(
            workspace=request.workspace, user=request.user, view_id=int(view_id)
        )
        if current_view is not None and not (given.keys() - {"view", "cursor"}):
            data = QueryDict(mutable=True)
            data.update({k: str(v) for k, v in current_view.filters.items()})
            if "cursor" in given:
                data["cursor"] = given.get("cursor", "")
    form = InboxFilterForm(data, actor=request.actor)
    form.is_valid()
    return form, current_view


def _tabs(request: WorkspaceRequest, form: InboxFilterForm) -> dict:
    """The status tabs under the form's other filters: "tabs", (status, label, count, query)
    each; "status", the tab shown; "filters", the other filters as a query; "stamp", which
    state the counts are (TabCounts.stamp). When answers arrive out of order, the inbox keeps
    the tabs with the newest stamp for the filters it shows (static/js/inbox.js)."""
    return _tabs_of(request, form.filters(), form.query())


def _tabs_of(request: WorkspaceRequest, filters: selectors.InboxFilters, query: dict) -> dict:
    counted = selectors.status_counts(workspace=request.workspace, filters=filters)
    base = {k: v for k, v in query.items() if k not in ("view", "status")}
    tabs = [
        (value, label, counted.counts.get(value), urlencode({**base, "status": value}))
        for value, label in STATUS_TABS
    ]
    return {
        "tabs": tabs,
        "status": filters.status,
        "filters": urlencode(base),
        "stamp": counted.stamp,
    }


STATUS_VALUES = frozenset(value for value, _ in STATUS_CHOICES)


def inbox_tabs(request: WorkspaceRequest) -> dict | None:
    """The status tabs of the inbox page an action came from (its filters), swapped in
    out-of-band so the counts follow every action; None when it came from elsewhere."""
    if not _in_inbox(request):
        return None
    assert request.htmx  # _in_inbox: an htmx request with the inbox as its page
    given = QueryDict(urlsplit(request.htmx.current_url).query)
    status = given.get("status", "")
    if given.keys() <= {"status"} and (not status or status in STATUS_VALUES):
        # A status tab without filters, as the inbox opens: what the filter form would make of
        # it, without the form (copying its 16 fields cost a keypress half a millisecond).
        filters = selectors.InboxFilters(status=status or Status.NEW)
        return _tabs_of(request, filters, {"status": status} if status else {})
    form, _ = _filter_form(request, given)
    return _tabs(request, form)


def _options(workspace) -> dict:
    offered = triage_choices.offered(workspace=workspace)
    return {
        "tags": offered.tags,
        "areas": offered.areas,
        "assignees": offered.assignees,
        "priorities": Priority.choices,
        "sentiments": Sentiment.choices,
        "importances": Importance.choices,
    }


def _filter_options(workspace) -> dict:
    """The filter fields' choices: rendered only when the filters are open (500 accounts and
    every tag cost the inbox milliseconds on each page otherwise)."""
    return {
        "filter_options": True,
        "sources": list(intake_selectors.sources(workspace=workspace)),
        "segments": intake_selectors.account_segments(workspace=workspace),
        "accounts": list(intake_selectors.account_choices(workspace=workspace)[:ACCOUNT_CHOICES]),
        **_options(workspace),
    }


@require_GET
@member_required(Capability.VIEW_FEEDBACK)
@vary_on_headers("HX-Request")
def inbox(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    form, current_view = _filter_form(request)
    filters = form.filters()
    cursor = request.GET.get("cursor") or None
    page = selectors.inbox_page(workspace=workspace, filters=filters, after=cursor)
    decorate(page.rows, workspace)
    query = form.query()
    if current_view is not None:
        query["view"] = str(current_view.pk)
    context = {
        "page": page,
        "filters": filters,
        "form": form,
        "query": query,
        "more_url": "?" + urlencode({**query, "cursor": page.next_cursor or ""}),
        "query_string": urlencode(query),
    }
    # A refused filter (too long, not a choice) is a 400: the form says which and why and keeps
    # what was typed; the rows are those of the filters that were understood.
    status = 400 if form.errors else 200
    if request.htmx and cursor:
        return render(request, f"{TEMPLATE}#more", context, status=status)
    context["inbox_tabs"] = _tabs(request, form)
    if request.htmx and request.htmx.target == "inbox-results":
        return render(request, f"{TEMPLATE}#results", context, status=status)
    if request.htmx and request.htmx.target == "filter-fields":
        context.update(_filter_options(workspace))
        return render(request, f"{TEMPLATE}#filter_fields", context, status=status)
    if selectors.narrows(filters) or form.errors or request.GET.get("filters") == "open":
        context.update(_filter_options(workspace))  # else loaded when Filters is opened
    context.update(
        current_view=current_view,
        saved_views=triage_choices.saved_view_choices(workspace=workspace, user=request.user),
        bulk_actions=triage_bulk.BULK_ACTIONS,
        start=request.GET.get("start") == "1",
        **_options(workspace),
    )
    if context["start"] and page.rows:
        # "Start triage" opens on the first item's panel, rendered with the page: never blank.
        context.update(start_panel=True, **_panel_context(request, page.rows[0].pk))
    return render(request, TEMPLATE, context, status=status)


@require_GET
@member_required(Capability.VIEW_FEEDBACK)
def export(request: WorkspaceRequest) -> HttpResponse:
    form, _ = _filter_form(request)
    if not form.is_valid():  # an export of other rows than asked for would mislead: 400
        raise ValidationError({k: list(v) for k, v in form.errors.items()})
    rows = selectors.export_rows(workspace=request.workspace, filters=form.filters())
    stamp = clock.workspace_now(request.workspace).strftime("%Y%m%d-%H%M")
    return csv_download(
        f"feedback-{request.workspace.slug}-{stamp}.csv",
        exports.FEEDBACK_COLUMNS,
        exports.feedback_rows(rows),
    )


def _panel_context(
    request: WorkspaceRequest, item_id: int, *, detail: dict | None = None, **extra
) -> dict:
    """The panel's context for `item_id`, or for `detail` (item_detail()'s answer) when read."""
    if detail is None:
        detail = selectors.item_detail(workspace=request.workspace, item_id=item_id)
    decorate([detail["item"]], request.workspace)
    return {**detail, **_options(request.workspace), "i": detail["item"], **extra}


def _in_inbox(request: WorkspaceRequest) -> bool:
    """Whether the htmx request comes from the inbox page (which has the item's row)."""
    current = request.htmx.current_url_abs_path if request.htmx else None
    inbox_path = reverse("feedback_inbox", args=[request.workspace.slug])
    return current is not None and current.split("?")[0] == inbox_path


def _panel(
    request: WorkspaceRequest,
    item_id: int,
    *,
    status: int = 200,
    next_id: int | None = None,
    **extra,
) -> HttpResponse:
    if request.method == "POST" and status == 200 and request.POST.get("answer") == "row":
        return _row_answer(request, item_id, next_id=next_id, **extra)
    context = _panel_context(request, item_id, in_inbox=_in_inbox(request), **extra)
    if request.method == "POST":
        context["inbox_tabs"] = inbox_tabs(request)
    if request.htmx:
        return render(request, f"{ITEM_TEMPLATE}#panel_response", context, status=status)
    return render(request, ITEM_TEMPLATE, context, status=status)


def _row_answer(
    request: WorkspaceRequest, item_id: int, *, next_id: int | None = None, **extra
) -> HttpResponse:
    """An inbox action that worked, answered without the acted-on item's panel: the inbox has
    moved on to the next item as the key was pressed, so the row, the tabs and the undo note
    come back out-of-band, and with `next_id` (the item the cursor moved to) that item's panel
    as the answer's body: one request per keypress instead of the action and a GET of the next
    panel, both items read in one query. Without the body (no `next_id`, or it names no item of
    the workspace) the page asks for the panel itself."""
    workspace = request.workspace
    if next_id is None:
        acted, detail = selectors.item(workspace=workspace, item_id=item_id), None
    else:
        acted, detail = selectors.item_and_detail(
            workspace=workspace, item_id=item_id, detail_id=next_id
        )
    decorate([acted], workspace)
    actor, csrf_token = request.actor, get_token(request)
    can_triage = actor.can(Capability.TRIAGE_FEEDBACK)
    # Built in Python as the panel is (item.html's action_parts, byte for byte).
    parts = item_panel.action_parts_html(
        i=acted,
        in_inbox=_in_inbox(request),
        inbox_tabs=inbox_tabs(request),
        toast=extra.get("toast"),
        workspace=workspace,
        can_triage=can_triage,
        csrf_token=csrf_token,
    )
    if detail is None:
        return HttpResponse(parts)
    panel = _panel_context(request, detail["item"].pk, detail=detail)
    shown = item_panel.panel_html(
        panel,
        workspace=workspace,
        actor=actor,
        can_triage=can_triage,
        csrf_token=csrf_token,
    )
    if shown is None:  # a section the Python panel leaves to the template (item_panel.py)
        shown = render_to_string(f"{ITEM_TEMPLATE}#panel", panel, request=request)
    return HttpResponse(shown + parts)


@require_GET
@member_required(Capability.VIEW_FEEDBACK)
@vary_on_headers("HX-Request")
def item_page(request: WorkspaceRequest, item_id: int) -> HttpResponse:
    context = _panel_context(request, item_id)
    template = f"{ITEM_TEMPLATE}#panel" if request.htmx else ITEM_TEMPLATE
    return render(request, template, context)


def _undo_fields(
    before: FeedbackItem, had: dict[int, str], after: FeedbackItem, changes: dict
) -> dict[str, str]:
    """What posting back would restore the fields this action changed (`had`: the tags
    before, by id)."""
    undo: dict[str, str] = {}
    if "status" in changes:
        undo["status"] = before.status
    if "priority" in changes:
        undo["priority"] = str(before.priority)
    if "assignee" in changes:
        undo["assignee"] = str(before.assignee_id or "none")
    if "product_area" in changes or "new_area" in changes:
        undo["product_area"] = str(before.product_area_id or "")
    if "sentiment" in changes:
        undo["sentiment"] = before.sentiment if before.sentiment_overridden else "auto"
    if "add_tags" in changes or "remove_tags" in changes:
        has = {t.pk: t.name for t in after.tags.all()}
        for pk in has.keys() - had.keys():
            undo["remove_tag"] = str(pk)
        for pk in had.keys() - has.keys():
            undo["add_tag"] = had[pk]
    return undo


ACTION_NAMES = {
    Status.TRIAGED: "Marked triaged",
    Status.ARCHIVED: "Archived",
    Status.SPAM: "Marked spam",
    Status.NEW: "Restored to new",
}


def _posted_fields(posted: QueryDict) -> dict[str, str]:
    keep = (
        "status",
        "priority",
        "assignee",
        "product_area",
        "sentiment",
        "add_tag",
        "remove_tag",
        "undo",
    )
    return {k: posted.get(k, "") for k in keep if k in posted}


@require_POST
@member_required(Capability.TRIAGE_FEEDBACK)
def item_update(request: WorkspaceRequest, item_id: int) -> HttpResponse:
    # No read before the service's lock: an item of another workspace (or none) is refused by
    # the service and answered by failed(), whose panel is a 404 for it.
    form = ItemUpdateForm(request.POST)
    if not form.is_valid():
        return failed(request, item_id, form.errors.as_text(), status=400)
    changes = form.changes()
    changed = panel_write(
        request,
        item_id,
        lambda: services.feedback_change(
            actor=request.actor,
            item_id=item_id,
            expected_version=form.cleaned_data["version"],
            **changes,
        ),
        retry=_posted_fields(request.POST),
    )
    if isinstance(changed, HttpResponse):
        return changed
    before, updated = changed
    if form.cleaned_data["undo"]:  # the note says so and offers no undo of the undo
        return done(request, item_id, f"Undone: {headline(updated)[:60]}")
    had = {pair["pk"]: pair["name"] for pair in getattr(before, "locked_tags", [])}
    undo = _undo_fields(before, had, updated, changes)
    note = ACTION_NAMES.get(changes["status"], "Updated") if "status" in changes else "Updated"
    return done(
        request,
        item_id,
        f"{note}: {headline(updated)[:60]}",
        undo_url=reverse("feedback_item_update", args=[request.workspace.slug, item_id]),
        undo_fields={**undo, "version": updated.version, "undo": "1"},
        offer_undo=bool(undo),
        next_id=form.cleaned_data.get("next"),
    )


def done(
    request,
    item_id: int,
    text: str,
    *,
    undo_url: str = "",
    undo_fields=None,
    offer_undo: bool = True,
    next_id: int | None = None,
) -> HttpResponse:
    """The answer to an action that worked: the panel with a toast (and its undo) under htmx,
    else a message and the item's page. `next_id`: see _row_answer."""
    if not request.htmx:
        messages.success(request, text)
        return redirect("feedback_item", slug=request.workspace.slug, item_id=item_id)
    toast = {"text": text, "url": undo_url, "fields": undo_fields or {}}
    return _panel(request, item_id, toast=toast if offer_undo else None, next_id=next_id)


def panel_write[T](
    request: WorkspaceRequest, item_id: int, write: Callable[[], T], *, retry: dict | None = None
) -> T | HttpResponse:
    """`write()`'s result, or the item panel's answer when the service refused: 409 with the
    current state and `retry` (the posted fields to send again) on a stale edit, 400 with its
    message on a ValidationError. The panel's counterpart of productops.form_submit."""
    try:
        return write()
    except StaleEdit as conflict:
        return _conflict(request, item_id, conflict, retry or {})
    except ValidationError as error:
        return failed(request, item_id, " ".join(error.messages), status=400)


def _conflict(request, item_id: int, conflict: StaleEdit, fields: dict) -> HttpResponse:
    retry = {**fields, "version": conflict.current.get("version")}
    return _panel(
        request,
        item_id,
        status=409,
        conflict={
            "message": str(conflict),
            "current": conflict.current,
            "retry": retry,
            "url": request.path,
        },
    )


def failed(request, item_id: int, message: str, *, status: int) -> HttpResponse:
    return _panel(request, item_id, status=status, error=message)
