"""The inbox's bulk bar: one action over the selected items, and the undo its note offers."""

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from feedback.forms.triage import BulkForm, BulkRevertForm
from feedback.models import FeedbackItem
from feedback.selectors import triage as selectors
from feedback.services import triage_bulk
from feedback.views.triage import TEMPLATE, decorate, form_problems, inbox_tabs
from productops.access import WorkspaceRequest, member_required
from productops.capabilities import Capability

if TYPE_CHECKING:
    from feedback.views.triage import ShownItem

# What a bulk action changes on each item, read before and after it, for its undo note.
BULK_FIELDS = {
    **dict.fromkeys(triage_bulk.STATUS_ACTIONS, ("status", lambda i: i.status)),
    "priority": ("priority", lambda i: i.priority),
    "assign": ("assignee", lambda i: i.assignee_id or "none"),
    "area": ("product_area", lambda i: i.product_area_id or "none"),
}


def _bulk_reverts(action: str, before: dict, after: Sequence[FeedbackItem]) -> list[str]:
    """The undo note's entries (forms.triage.BulkRevertForm): per changed item, the version
    the action left and the field's value before it."""
    entries = []
    for row in after:
        was = before.get(row.pk)
        if was is None:
            continue
        if action == "tag":
            added = {t.pk for t in row.tags.all()} - {t.pk for t in was.tags.all()}
            entries += [f"{row.pk}:{row.version}:remove_tags:{pk}" for pk in added]
        elif action in BULK_FIELDS:
            name, read = BULK_FIELDS[action]
            if read(was) != read(row):
                entries.append(f"{row.pk}:{row.version}:{name}:{read(was)}")
    return entries


def _bulk_answer(request: WorkspaceRequest, report: dict, status: int) -> HttpResponse:
    if not request.htmx:
        if report["error"]:
            messages.error(request, report["error"])
        else:
            messages.success(request, f"{report['label']}: {len(report['updated'])} items.")
            for skip in report["skipped"]:
                messages.warning(request, f"#{skip.id} skipped: {skip.reason}")
        return redirect(reverse("feedback_inbox", args=[request.workspace.slug]))
    rows: Sequence[ShownItem] = []
    if report["updated"]:
        ids = [row.pk for row in report["updated"]]
        rows = decorate(
            selectors.items(workspace=request.workspace, item_ids=ids), request.workspace
        )
    before = report.pop("before", None)
    if before:
        report["reverts"] = _bulk_reverts(report["action"], before, rows)
    context = {"report": report, "rows": rows, "inbox_tabs": inbox_tabs(request)}
    return render(request, f"{TEMPLATE}#bulk_report", context, status=status)


def _bulk_run(
    request: WorkspaceRequest, form: BulkForm | BulkRevertForm, run: Callable[[dict], dict]
) -> HttpResponse:
    """The bulk bar's answer to `form`: `run(cleaned_data)` does the work and gives the report's
    entries (label, updated, skipped, and for an action its name and the items before it); an
    invalid form or a ValidationError from `run` answers 400 with the problems as the error."""
    report: dict = {"error": None, "updated": [], "skipped": []}
    status = 200
    if not form.is_valid():
        report["error"] = form_problems(form)
        status = 400
    else:
        try:
            report.update(run(form.cleaned_data))
        except ValidationError as error:
            report["error"] = " ".join(error.messages)
            status = 400
    return _bulk_answer(request, report, status)


@require_POST
@member_required(Capability.TRIAGE_FEEDBACK)
def bulk(request: WorkspaceRequest) -> HttpResponse:
    """One action over the selection; items someone changed meanwhile are skipped and named."""
    form = BulkForm(request.POST)

    def run(data: dict) -> dict:
        action = data["action"]
        before = {}
        if request.htmx and (action in BULK_FIELDS or action == "tag"):
            ids = list(data["items"])
            before = {i.pk: i for i in selectors.items(workspace=request.workspace, item_ids=ids)}
        result = triage_bulk.feedback_bulk_action(
            actor=request.actor,
            versions=data["items"],
            action=action,
            value=form.action_value(),
            importance=data["importance"],
        )
        label = dict(triage_bulk.BULK_ACTIONS)[action]
        return {
            "label": label,
            "action": action,
            "before": before,
            "updated": result.updated,
            "skipped": result.skipped,
        }

    return _bulk_run(request, form, run)


@require_POST
@member_required(Capability.TRIAGE_FEEDBACK)
def bulk_undo(request: WorkspaceRequest) -> HttpResponse:
    """Puts the items of a bulk action back as they were; items changed since are skipped."""

    def run(data: dict) -> dict:
        result = triage_bulk.feedback_bulk_revert(actor=request.actor, reverts=data["revert"])
        return {"label": "Undone", "updated": result.updated, "skipped": result.skipped}

    return _bulk_run(request, BulkRevertForm(request.POST), run)
