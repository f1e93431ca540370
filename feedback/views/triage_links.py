"""The item panel's merges and idea links: merge into an original and its undo, the duplicate and
idea pickers, link and unlink. Each answers as the panel's other actions do (views.triage.done).
"""

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


@require_POST
@member_required(Capability.TRIAGE_FEEDBACK)
def item_merge(request: WorkspaceRequest, item_id: int) -> HttpResponse:
    """Marks this item a duplicate of the posted original."""
    item = selectors.item_to_change(workspace=request.workspace, item_id=item_id)
    form = MergeForm(request.POST)
    if not form.is_valid():
        return failed(request, item_id, "Choose the original item.", status=400)
    original = selectors.item_or_none(
        workspace=request.workspace, item_id=form.cleaned_data["original"]
    )
    if original is None:
        return failed(request, item_id, "No such item in this workspace.", status=400)
    merge = panel_write(
        request,
        item_id,
        lambda: triage_merges.feedback_merge(
            actor=request.actor,
            original=original,
            duplicate=item,
            expected_version=form.cleaned_data["version"],
        ),
        retry={"original": request.POST.get("original")},
    )
    if isinstance(merge, HttpResponse):
        return merge
    return done(
        request,
        item_id,
        f"Merged into #{merge.original_id}: {headline(merge.original)[:60]}",
        undo_url=reverse("feedback_merge_undo", args=[request.workspace.slug, merge.pk]),
    )


@require_POST
@member_required(Capability.TRIAGE_FEEDBACK)
def merge_undo(request: WorkspaceRequest, merge_id: int) -> HttpResponse:
    merge = selectors.merge(workspace=request.workspace, merge_id=merge_id)
    refused = panel_write(
        request,
        merge.duplicate_id,
        lambda: triage_merges.feedback_unmerge(actor=request.actor, merge=merge),
    )
    if isinstance(refused, HttpResponse):
        return refused
    return done(
        request, merge.duplicate_id, f"Merge undone: #{merge.duplicate_id} is its own item again."
    )


@require_GET
@member_required(Capability.VIEW_FEEDBACK)
def duplicate_picker(request: WorkspaceRequest, item_id: int) -> HttpResponse:
    item = selectors.item_to_change(workspace=request.workspace, item_id=item_id)
    query = request.GET.get("q", "")[:200]
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
def idea_picker(request: WorkspaceRequest, item_id: int) -> HttpResponse:
    item = selectors.item_to_change(workspace=request.workspace, item_id=item_id)
    query = request.GET.get("q", "")[:200]
    ideas = idea_selectors.ideas_for_picker(workspace=request.workspace, query=query, limit=8)
    return render(
        request, f"{ITEM_TEMPLATE}#idea_results", {"i": item, "ideas": ideas, "query": query}
    )


@require_POST
@member_required(Capability.TRIAGE_FEEDBACK)
def item_link(request: WorkspaceRequest, item_id: int) -> HttpResponse:
    item = selectors.item_to_change(workspace=request.workspace, item_id=item_id)
    form = LinkForm(request.POST)
    if not form.is_valid():
        problems = form_problems(form)
        return failed(request, item_id, problems, status=400)
    idea = None
    if form.cleaned_data.get("idea"):
        idea = selectors.idea_or_none(
            workspace=request.workspace, idea_id=form.cleaned_data["idea"]
        )
        if idea is None:
            return failed(request, item_id, "No such idea in this workspace.", status=400)
    link = panel_write(
        request,
        item_id,
        lambda: services.feedback_link_idea(
            actor=request.actor,
            item=item,
            expected_version=form.cleaned_data["version"],
            idea=idea,
            new_idea_title=form.cleaned_data.get("title") or "",
            importance=form.cleaned_data["importance"],
            note=form.cleaned_data.get("note") or "",
        ),
        retry={k: request.POST.get(k, "") for k in ("idea", "title", "importance", "note")},
    )
    if isinstance(link, HttpResponse):
        return link
    return done(
        request,
        item_id,
        f"Linked to idea: {link.idea.title[:60]}",
        undo_url=reverse("feedback_link_remove", args=[request.workspace.slug, link.pk]),
    )


@require_POST
@member_required(Capability.TRIAGE_FEEDBACK)
def link_remove(request: WorkspaceRequest, item_link_id: int) -> HttpResponse:
    link = selectors.idea_link(workspace=request.workspace, link_id=item_link_id)
    refused = panel_write(
        request, link.item_id, lambda: idea_services.idea_unlink(actor=request.actor, link=link)
    )
    if isinstance(refused, HttpResponse):
        return refused
    return done(request, link.item_id, f"Unlinked from idea: {link.idea.title[:60]}")
