"""Pages of ideas: list, board, idea page, settings, closing the loop, the public roadmap."""

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypedDict, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import get_conditional_response, set_response_etag
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from feedback import exports
from feedback.forms.ideas import (
    IdeaEditForm,
    IdeaForm,
    IdeaStatusEditForm,
    IdeaStatusForm,
    LinkForm,
    LoopClosureForm,
    MergeForm,
    MoveForm,
    RoadmapForm,
)
from feedback.models import Idea, IdeaLink, Importance, LoopClosure, StatusCategory
from feedback.selectors import ideas as selectors
from feedback.selectors import intake as intake_selectors
from feedback.selectors import trends, triage_choices
from feedback.services import ideas as services
from feedback.services import loop_closures
from productops import page_notes
from productops.access import WorkspaceRequest, member_required
from productops.capabilities import Capability
from productops.csvfiles import csv_download
from productops.errors import StaleEdit
from productops.form_submit import form_status, submit_form
from productops.forms import add_service_errors
from productops.models import Workspace

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from feedback.selectors.ideas import IdeaWithDemand

    TrendedIdea = WithAnnotations[Idea, "Trended"]
    ShownLink = WithAnnotations[IdeaLink, "LinkShown"]
    ShownClosure = WithAnnotations[LoopClosure, "ClosureShown"]


class Trended(selectors.Demand):
    trend: str  # selectors.trend()
    weekly: list[int]  # trends.weekly_mentions(): the sparkline's weeks, oldest first


class LinkShown(TypedDict):
    item_url: str  # item_url()


class ClosureShown(TypedDict):
    subject_shown: str  # the subject as sent, with "…" for the name


STALE_MESSAGE = "Someone changed this idea first; you are looking at what it says now."


def item_url(slug: str, item_id: int) -> str:
    """Where an item opens in triage's inbox."""
    try:
        return reverse("feedback_item", args=[slug, item_id])
    except NoReverseMatch:  # triage's pages not mounted
        return f"/w/{slug}/feedback/{item_id}/"


def _with_trend(rows: Iterable["IdeaWithDemand"], *, workspace: Workspace) -> None:
    """The trend arrow and the sparkline's weeks of each row; one query for all of them."""
    shown = cast("list[TrendedIdea]", list(rows))
    weekly = trends.weekly_mentions(workspace=workspace, idea_ids=[row.pk for row in shown])
    for row in shown:
        row.trend = selectors.trend(row)
        row.weekly = weekly[row.pk]


def _filter_context(request: WorkspaceRequest, filters: selectors.IdeaFilters) -> dict:
    workspace = request.workspace
    return {
        "filters": filters,
        "statuses": selectors.statuses(workspace=workspace),
        "areas": triage_choices.product_areas(workspace=workspace),
        "owners": selectors.owners(workspace=workspace),
        "sorts": selectors.SORTS.items(),
        "query": request.GET.copy(),
    }


@require_GET
@member_required(Capability.VIEW_FEEDBACK)
@vary_on_headers("HX-Request")
def idea_list(request: WorkspaceRequest) -> HttpResponse:
    filters = selectors.IdeaFilters.from_params(request.GET)
    context = _filter_context(request, filters)
    page = selectors.idea_page(
        workspace=request.workspace, filters=filters, cursor=request.GET.get("cursor")
    )
    _with_trend(page.rows, workspace=request.workspace)
    context["page"] = page
    template = "feedback/ideas/list.html#rows" if request.htmx else "feedback/ideas/list.html"
    return render(request, template, context)


def _board(request: WorkspaceRequest, *, status: int = 200, notice: str = "") -> HttpResponse:
    filters = selectors.IdeaFilters.from_params(request.GET)
    context = _filter_context(request, filters)
    columns = selectors.board(workspace=request.workspace, filters=filters)
    _with_trend((row for column in columns for row in column.ideas), workspace=request.workspace)
    context.update(columns=columns, notice=notice)
    template = "feedback/ideas/board.html#board" if request.htmx else "feedback/ideas/board.html"
    return render(request, template, context, status=status)


@require_GET
@member_required(Capability.VIEW_FEEDBACK)
@vary_on_headers("HX-Request")
def idea_board(request: WorkspaceRequest) -> HttpResponse:
    return _board(request)


def _close_url(request: WorkspaceRequest, idea: Idea) -> str:
    return reverse("idea_close", args=[request.workspace.slug, idea.pk])


def _to(request: WorkspaceRequest, url: str) -> HttpResponse:
    """A redirect that htmx follows as a full page load."""
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _moved_to_closing(request: WorkspaceRequest, before: Idea, after: Idea) -> bool:
    return (
        after.status_id != before.status_id
        and loop_closures.closing_outcome(after) is not None
        and request.actor.can(Capability.CLOSE_THE_LOOP)
    )


@require_POST
@member_required(Capability.MANAGE_IDEAS)
def idea_move(request: WorkspaceRequest, idea_id: int) -> HttpResponse:
    """The board's move (drag and drop, or the card's status select): status + version."""
    idea = selectors.idea(workspace=request.workspace, idea_id=idea_id)
    form = MoveForm(request.POST, workspace=request.workspace)
    if not form.is_valid():
        return _board(request, status=400, notice="Choose a status for the card.")
    try:
        moved = services.idea_update(
            actor=request.actor,
            idea=idea,
            expected_version=form.cleaned_data["version"],
            status=form.cleaned_data["status"],
        )
    except StaleEdit:
        return _board(
            request,
            status=409,
            notice=f"“{idea.title}” was changed by someone else first; the board shows it now.",
        )
    except ValidationError as error:
        return _board(request, status=400, notice=" ".join(error.messages))
    if _moved_to_closing(request, idea, moved):
        return _to(request, _close_url(request, moved))
    if request.htmx:
        return _board(request)
    return redirect("idea_board", slug=request.workspace.slug)


@require_http_methods(["GET", "POST"])
@member_required(Capability.MANAGE_IDEAS)
def idea_create(request: WorkspaceRequest) -> HttpResponse:
    form = IdeaForm(request.POST or None, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            lambda: services.idea_create(actor=request.actor, **form.cleaned_data),
            success=lambda idea: f"Idea “{idea.title}” created.",
            then=lambda idea: redirect("idea_detail", slug=request.workspace.slug, idea_id=idea.pk),
        )
        if done:
            return done
    return render(request, "feedback/ideas/new.html", {"form": form}, status=form_status(form))


def _detail(
    request: WorkspaceRequest,
    idea: "IdeaWithDemand",
    *,
    form: IdeaEditForm | None = None,
    merge_form: MergeForm | None = None,
    notice: str = "",
    status: int = 200,
    partial: str = "",
) -> HttpResponse:
    workspace = request.workspace
    _with_trend([idea], workspace=workspace)
    links = cast("list[ShownLink]", list(selectors.links(workspace=workspace, idea=idea)))
    for row in links:
        row.item_url = item_url(workspace.slug, row.item_id)
    closures = cast("list[ShownClosure]", list(selectors.closures(workspace=workspace, idea=idea)))
    for closure in closures:
        closure.subject_shown = loop_closures.render_message(
            closure.subject, name="…", idea=idea, workspace=workspace
        )
    context = {
        "idea": idea,
        "form": form or IdeaEditForm.for_idea(idea, workspace=workspace),
        "merge_form": merge_form or MergeForm(),
        "notice": notice,
        "links": links,
        "accounts": selectors.idea_accounts(workspace=workspace, idea=idea),
        "chart": selectors.weekly_chart(idea=idea),
        "events": selectors.history(workspace=workspace, idea=idea),
        "closures": closures,
        "outcome": loop_closures.closing_outcome(idea),
        "idea_merge_choices": [
            i for i in selectors.ideas_for_picker(workspace=workspace, limit=200) if i.pk != idea.pk
        ],
        "importances": Importance.choices,
        "loop_closed_count": sum(1 for row in links if row.item.loop_closed_at),
    }
    template = "feedback/ideas/detail.html" + (f"#{partial}" if partial else "")
    return render(request, template, context, status=status)


@require_GET
@member_required(Capability.VIEW_FEEDBACK)
def idea_detail(request: WorkspaceRequest, idea_id: int) -> HttpResponse:
    idea = selectors.idea(workspace=request.workspace, idea_id=idea_id)
    if idea.merged_into_id:
        messages.info(request, f"“{idea.title}” was merged into this idea.")
        return redirect("idea_detail", slug=request.workspace.slug, idea_id=idea.merged_into_id)
    return _detail(request, idea)


@require_POST
@member_required(Capability.MANAGE_IDEAS)
def idea_edit(request: WorkspaceRequest, idea_id: int) -> HttpResponse:
    idea = selectors.idea(workspace=request.workspace, idea_id=idea_id)
    form = IdeaEditForm(request.POST, workspace=request.workspace)
    partial = "details" if request.htmx else ""
    if not form.is_valid():
        return _detail(request, idea, form=form, status=400, partial=partial)
    changes = {k: v for k, v in form.cleaned_data.items() if k != "version"}
    try:
        updated = services.idea_update(
            actor=request.actor,
            idea=idea,
            expected_version=form.cleaned_data["version"],
            **changes,
        )
    except StaleEdit:
        current = selectors.idea(workspace=request.workspace, idea_id=idea_id)
        return _detail(request, current, notice=STALE_MESSAGE, status=409, partial=partial)
    except ValidationError as error:
        add_service_errors(form, error)
        return _detail(request, idea, form=form, status=400, partial=partial)
    if _moved_to_closing(request, idea, updated):
        return _to(request, _close_url(request, updated))
    if request.htmx:
        fresh = selectors.idea(workspace=request.workspace, idea_id=idea_id)
        return _detail(request, fresh, notice="Saved.", partial=partial)
    messages.success(request, "Idea saved.")
    return redirect("idea_detail", slug=request.workspace.slug, idea_id=idea_id)


@require_POST
@member_required(Capability.MANAGE_IDEAS)
def idea_merge(request: WorkspaceRequest, idea_id: int) -> HttpResponse:
    idea = selectors.idea(workspace=request.workspace, idea_id=idea_id)
    form = MergeForm(request.POST)
    if form.is_valid():
        into = selectors.idea(workspace=request.workspace, idea_id=form.cleaned_data["into"])
        done = submit_form(
            request,
            form,
            lambda: services.idea_merge(actor=request.actor, idea=idea, into=into),
            success=f"Merged “{idea.title}” into this idea; every link moved here.",
            then=lambda survivor: redirect(
                "idea_detail", slug=request.workspace.slug, idea_id=survivor.pk
            ),
        )
        if done:
            return done
    return _detail(request, idea, merge_form=form, status=400)


@require_POST
@member_required(Capability.MANAGE_IDEAS)
def idea_link_edit(request: WorkspaceRequest, idea_id: int, idea_link_id: int) -> HttpResponse:
    """Changes a link's importance and note (linking again with new values)."""
    idea = selectors.idea(workspace=request.workspace, idea_id=idea_id)
    link = selectors.link(workspace=request.workspace, idea=idea, link_id=idea_link_id)
    form = LinkForm(request.POST)
    if form.is_valid():
        services.idea_link(actor=request.actor, idea=idea, items=[link.item], **form.cleaned_data)
        messages.success(request, "Link updated.")
    else:
        messages.error(request, "Choose an importance.")
    return redirect("idea_detail", slug=request.workspace.slug, idea_id=idea.pk)


@require_POST
@member_required(Capability.MANAGE_IDEAS)
def idea_unlink(request: WorkspaceRequest, idea_id: int, idea_link_id: int) -> HttpResponse:
    idea = selectors.idea(workspace=request.workspace, idea_id=idea_id)
    link = selectors.link(workspace=request.workspace, idea=idea, link_id=idea_link_id)
    services.idea_unlink(actor=request.actor, link=link)
    messages.success(request, "Feedback unlinked from the idea.")
    return redirect("idea_detail", slug=request.workspace.slug, idea_id=idea.pk)


@require_http_methods(["GET", "POST"])
@member_required(Capability.CLOSE_THE_LOOP)
def idea_close(request: WorkspaceRequest, idea_id: int) -> HttpResponse:
    """Preview and send the message telling the people who asked how their request ended."""
    workspace = request.workspace
    idea = selectors.idea(workspace=workspace, idea_id=idea_id)
    if idea.merged_into_id:
        return redirect("idea_close", slug=workspace.slug, idea_id=idea.merged_into_id)
    outcome = loop_closures.closing_outcome(idea)
    people = selectors.loop_audience(workspace=workspace, idea=idea, outcome=outcome)
    subject, body = loop_closures.default_message(outcome) if outcome else ("", "")
    form = LoopClosureForm(request.POST or None, initial={"subject": subject, "message": body})
    status = 200
    if request.method == "POST":
        if outcome is None:
            form.add_error(None, "Move the idea to a shipped or declined status first.")
        elif form.is_valid() and request.POST.get("action") == "send":
            waiting = sum(1 for p in people if not p.told)
            done = submit_form(
                request,
                form,
                lambda: loop_closures.loop_closure_create(
                    actor=request.actor, idea=idea, **form.cleaned_data
                ),
                success=f"Sending to {waiting} {'person' if waiting == 1 else 'people'}; "
                "each is told once.",
                then=lambda _: redirect("idea_detail", slug=workspace.slug, idea_id=idea.pk),
            )
            if done:
                return done
        status = form_status(form)
    subject_text = form["subject"].value() or ""
    message_text = form["message"].value() or ""
    first = next((p for p in people if not p.told), people[0] if people else None)
    preview = None
    if first is not None and outcome:
        preview = {
            "to": first,
            "subject": loop_closures.render_message(
                subject_text, name=first.name, idea=idea, workspace=workspace
            ),
            "body": loop_closures.render_message(
                message_text, name=first.name, idea=idea, workspace=workspace
            ),
        }
    return render(
        request,
        "feedback/ideas/close.html",
        {
            "idea": idea,
            "outcome": outcome,
            "outcome_label": StatusCategory(outcome).label if outcome else "",
            "form": form,
            "people": people,
            "to_tell": sum(1 for p in people if not p.told),
            "preview": preview,
        },
        status=status,
    )


@require_GET
@member_required(Capability.VIEW_FEEDBACK)
def idea_export(request: WorkspaceRequest) -> HttpResponse:
    filters = selectors.IdeaFilters.from_params(request.GET)
    rows = selectors.ordered(
        selectors.ideas(workspace=request.workspace, filters=filters), filters.sort
    )
    return csv_download(
        f"{request.workspace.slug}-ideas.csv",
        exports.IDEA_COLUMNS,
        exports.idea_rows(rows.iterator(chunk_size=500)),
    )


def _settings_page(
    request: WorkspaceRequest,
    *,
    status_form: IdeaStatusForm | None = None,
    roadmap_form: RoadmapForm | None = None,
    status: int = 200,
) -> HttpResponse:
    workspace = request.workspace
    roadmap = selectors.roadmap_settings(workspace=workspace)
    return render(
        request,
        "feedback/ideas/settings.html",
        {
            "idea_statuses": selectors.statuses(workspace=workspace),
            "status_form": status_form or IdeaStatusForm(),
            "roadmap_form": roadmap_form
            or RoadmapForm(
                initial={"enabled": roadmap.enabled, "title": roadmap.title, "intro": roadmap.intro}
            ),
            "roadmap": roadmap,
            "categories": StatusCategory.choices,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@member_required(Capability.MANAGE_SOURCES)
def idea_settings(request: WorkspaceRequest) -> HttpResponse:
    """Idea statuses and the public roadmap; the POST saves the roadmap settings."""
    if request.method == "GET":
        return _settings_page(request)
    form = RoadmapForm(request.POST)
    if form.is_valid():
        services.roadmap_update(actor=request.actor, **form.cleaned_data)
        messages.success(request, "Roadmap settings saved.")
        return redirect("idea_settings", slug=request.workspace.slug)
    return _settings_page(request, roadmap_form=form, status=400)


@require_POST
@member_required(Capability.MANAGE_SOURCES)
def idea_status_create(request: WorkspaceRequest) -> HttpResponse:
    form = IdeaStatusForm(request.POST)
    if form.is_valid():
        done = submit_form(
            request,
            form,
            lambda: services.idea_status_create(actor=request.actor, **form.cleaned_data),
            success=lambda created: f"Status “{created.name}” added.",
            then=lambda _: redirect("idea_settings", slug=request.workspace.slug),
        )
        if done:
            return done
    return _settings_page(request, status_form=form, status=400)


@require_POST
@member_required(Capability.MANAGE_SOURCES)
def idea_status_edit(request: WorkspaceRequest, idea_status_id: int) -> HttpResponse:
    found = selectors.status(workspace=request.workspace, status_id=idea_status_id)
    form = IdeaStatusEditForm(request.POST)
    if form.is_valid():
        try:
            services.idea_status_update(actor=request.actor, status=found, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Status “{found.name}” saved.")
    else:
        messages.error(request, "Give the status a name and a position of 0 or more.")
    return redirect("idea_settings", slug=request.workspace.slug)


def _roadmap_cards(workspace: Workspace) -> list[tuple[selectors.RoadmapLane, list]]:
    """Each lane with its ideas and their notes from higher apps ("Planned for Q4 2026")."""
    lanes = selectors.roadmap(workspace=workspace)
    notes = page_notes.notes(
        page_notes.PUBLIC_ROADMAP_IDEA,
        workspace=workspace,
        ids=[idea.pk for lane in lanes for idea in lane.ideas],
    )
    return [(lane, [(idea, notes.get(idea.pk, [])) for idea in lane.ideas]) for lane in lanes]


@require_GET
def roadmap(request, slug: str) -> HttpResponse:
    """The public roadmap: no sign-in; 404 unless the workspace turned it on."""
    workspace = selectors.public_workspace(slug=slug)
    settings = selectors.roadmap_settings(workspace=workspace)
    if not settings.enabled:
        raise Http404
    form_open = intake_selectors.web_form_source(workspace=workspace) is not None
    response = render(
        request,
        "feedback/ideas/roadmap.html",
        {
            "public_workspace": workspace,
            "settings": settings,
            "lanes": _roadmap_cards(workspace),
            # "Me too" and "Send feedback" go through the public form, when it is open.
            "form_url": reverse("public_feedback_form", args=[slug]) if form_open else "",
        },
    )
    # A change the team makes shows at the next load: browsers and proxies may keep the page
    # but ask again every time (a 304 while nothing changed), never serve it a minute stale.
    response["Cache-Control"] = "public, no-cache"
    set_response_etag(response)
    return get_conditional_response(request, etag=response["ETag"], response=response) or response
