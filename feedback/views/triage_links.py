"""The item panel's merges and idea links: merge into an original and its undo, the duplicate and
idea pickers, link and unlink. Each answers as the panel's other actions do (views.triage.done).
"""

from collections.abc import Callable

from django import forms
from django.db.models import Model
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from feedback.forms.triage import LinkForm, MergeForm
from feedback.selectors import ideas as idea_selectors
from feedback.selectors import triage as selectors
from feedback.services import ideas as idea_services
from feedback.services import triage as services
from feedback.services import triage_merges
from feedback.views.triage import (
    ITEM_TEMPLATE,
    decorate,
    done,
    failed,
    form_problems,
    headline,
    panel_write,
)
from productops.access import WorkspaceRequest, member_required
from productops.capabilities import Capability
from productops.fragments import fragment_of
from productops.validation import FILTER_TEXT


def _write_answer[T](
    request: WorkspaceRequest,
    item_id: int,
    write: Callable[[], T],
    said: Callable[[T], str],
    *,
    form: forms.Form | None = None,
    undo: str = "",
    retry: dict | None = None,
) -> HttpResponse:
    """The panel's answer to one write. An invalid `form` answers 400 with its problems and
    writes nothing; else `write()` runs through views.triage.panel_write (409 with `retry` on
    a stale edit, 400 on a ValidationError), and done() shows `said(result)` as the toast with,
    when `undo` names a URL, its undo at that URL for the result's pk (the result must then be
    a saved model)."""
    if form is not None and not form.is_valid():
        return failed(request, item_id, form_problems(form), status=400)
    made = panel_write(request, item_id, write, retry=retry)
    if isinstance(made, HttpResponse):
        return made
    undo_url = ""
    if undo:
        assert isinstance(made, Model), "an undo needs the saved row's pk"
        undo_url = reverse(undo, args=[request.workspace.slug, made.pk])
    return done(request, item_id, said(made), undo_url=undo_url)


@require_POST
@member_required(Capability.TRIAGE_FEEDBACK)
def item_merge(request: WorkspaceRequest, item_id: int) -> HttpResponse:
    """Marks this item a duplicate of the posted original."""
    item = selectors.item_to_change(workspace=request.workspace, item_id=item_id)
    form = MergeForm(request.POST, workspace=request.workspace)
    return _write_answer(
        request,
        item_id,
        lambda: triage_merges.feedback_merge(
            actor=request.actor,
            original=form.cleaned_data["original"],
            duplicate=item,
            expected_version=form.cleaned_data["version"],
        ),
        lambda merge: f"Merged into #{merge.original_id}: {headline(merge.original)[:60]}",
        form=form,
        undo="feedback_merge_undo",
        retry={"original": request.POST.get("original")},
    )


@require_POST
@member_required(Capability.TRIAGE_FEEDBACK)
def merge_undo(request: WorkspaceRequest, merge_id: int) -> HttpResponse:
    merge = selectors.merge(workspace=request.workspace, merge_id=merge_id)
    return _write_answer(
        request,
        merge.duplicate_id,
        lambda: triage_merges.feedback_unmerge(actor=request.actor, merge=merge),
        lambda _: f"Merge undone: #{merge.duplicate_id} is its own item again.",
    )


def _item_page(request: WorkspaceRequest, item_id: int) -> str:
    return reverse("feedback_item", args=[request.workspace.slug, item_id])


@require_GET
@member_required(Capability.VIEW_FEEDBACK)
@fragment_of(_item_page)
def duplicate_picker(request: WorkspaceRequest, item_id: int) -> HttpResponse:
    item = selectors.item_to_change(workspace=request.workspace, item_id=item_id)
    query = FILTER_TEXT.query(request.GET, "q", default="")
    found = selectors.similar_items(workspace=request.workspace, item=item, query=query)
    if not query:
        candidates = selectors.duplicate_candidates(workspace=request.workspace, item=item)
        seen = {c.pk for c in candidates}
        found = [f for f in found if f.pk not in seen]
    decorate(found, request.workspace)
    return render(
        request, f"{ITEM_TEMPLATE}#picker_results", {"i": item, "found": found, "query": query}
    )


@require_GET
@member_required(Capability.VIEW_FEEDBACK)
@fragment_of(_item_page)
def idea_picker(request: WorkspaceRequest, item_id: int) -> HttpResponse:
    item = selectors.item_to_change(workspace=request.workspace, item_id=item_id)
    query = FILTER_TEXT.query(request.GET, "q", default="")
    ideas = idea_selectors.ideas_for_picker(workspace=request.workspace, query=query, limit=8)
    return render(
        request, f"{ITEM_TEMPLATE}#idea_results", {"i": item, "ideas": ideas, "query": query}
    )


@require_POST
@member_required(Capability.TRIAGE_FEEDBACK)
def item_link(request: WorkspaceRequest, item_id: int) -> HttpResponse:
    item = selectors.item_to_change(workspace=request.workspace, item_id=item_id)
    form = LinkForm(request.POST, workspace=request.workspace)
    return _write_answer(
        request,
        item_id,
        lambda: services.feedback_link_idea(
            actor=request.actor,
            item=item,
            expected_version=form.cleaned_data["version"],
            idea=form.cleaned_data["idea"],
            new_idea_title=form.cleaned_data.get("title") or "",
            importance=form.cleaned_data["importance"],
            note=form.cleaned_data.get("note") or "",
        ),
        lambda link: f"Linked to idea: {link.idea.title[:60]}",
        form=form,
        undo="feedback_link_remove",
        retry={k: request.POST.get(k, "") for k in ("idea", "title", "importance", "note")},
    )


@require_POST
@member_required(Capability.TRIAGE_FEEDBACK)
def link_remove(request: WorkspaceRequest, item_link_id: int) -> HttpResponse:
    link = selectors.idea_link(workspace=request.workspace, link_id=item_link_id)
    return _write_answer(
        request,
        link.item_id,
        lambda: idea_services.idea_unlink(actor=request.actor, link=link),
        lambda _: f"Unlinked from idea: {link.idea.title[:60]}",
    )
