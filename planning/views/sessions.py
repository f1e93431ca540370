"""Pages of planning sessions around the room: the list, new and edit, and after the session
the summary, its CSV and email, the close-the-loop preview, the idea page's history fragment
and the ideas board's decision badges. The room and its poll are in `room`, its actions in
`room_actions`."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feedback.selectors import ideas as idea_selectors
from feedback.services.loop_closures import render_message
from planning import csv as planning_csv
from planning.forms.sessions import (
    AnnounceForm,
    SessionForm,
)
from planning.models import (
    DecisionOutcome,
    PlanningSession,
    SessionKind,
    SessionState,
)
from planning.selectors import decisions as decision_selectors
from planning.selectors import retro as retro_selectors
from planning.selectors import sessions as selectors
from planning.services import decisions as decision_services
from planning.services import participants as participant_services
from planning.services import sessions as services
from planning.services import summary as summary_services
from productops.access import WorkspaceRequest, member_required
from productops.capabilities import Capability
from productops.forms import add_service_errors
from productops.fragments import fragment_of
from productops.validation import ID


def session_of(request: WorkspaceRequest, session_id: int) -> PlanningSession:
    return selectors.session(workspace=request.workspace, session_id=session_id)


def room_url(session: PlanningSession) -> str:
    return reverse("planning_session", args=[session.workspace.slug, session.pk])


@require_GET
@member_required(Capability.VIEW_PLANNING)
def session_list(request: WorkspaceRequest) -> HttpResponse:
    rows = list(selectors.sessions(workspace=request.workspace)[:200])
    live = [s for s in rows if s.is_live]
    upcoming = [s for s in rows if s.state == SessionState.DRAFT]
    ended = [s for s in rows if s.state == SessionState.ENDED]
    groups = [
        ("Live now", live, "No session is running."),
        ("Drafts", upcoming, "No session in preparation."),
        ("Ended", ended, "No session has ended yet."),
    ]
    return render(request, "planning/list.html", {"groups": groups})


@require_http_methods(["GET", "POST"])
@member_required(Capability.RUN_PLANNING)
def session_create(request: WorkspaceRequest) -> HttpResponse:
    form = SessionForm(request.POST or None, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(
                actor=request.actor, kind=form.cleaned_data["kind"], settings=form.settings()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(room_url(session))
    status = 400 if form.errors else 200
    return render(request, "planning/new.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@member_required(Capability.RUN_PLANNING)
def session_edit(request: WorkspaceRequest, session_id: int) -> HttpResponse:
    session = session_of(request, session_id)
    form = SessionForm(
        request.POST or None,
        initial=SessionForm.initial_for(session),
        workspace=request.workspace,
        kind=session.kind,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(actor=request.actor, session=session, settings=form.settings())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Settings saved.")
            return redirect(room_url(session))
    status = 400 if form.errors else 200
    return render(request, "planning/edit.html", {"form": form, "session": session}, status=status)


@require_GET
@member_required(Capability.VIEW_PLANNING)
def session_summary(request: WorkspaceRequest, session_id: int) -> HttpResponse:
    session = session_of(request, session_id)
    context = {
        "session": session,
        "me": selectors.participant_of(session=session, user=request.user),
        "may_facilitate": request.actor.can(Capability.RUN_PLANNING),
    }
    if session.kind == SessionKind.RETROSPECTIVE:
        # The board as the viewer sees it in the room: the same anonymity, the same phases.
        retro = retro_selectors.retro_summary(session=session, user=request.user)
        return render(request, "planning/retro_summary.html", {**context, "summary": retro})
    summary = decision_selectors.summary(session=session)
    return render(request, "planning/summary.html", {**context, "summary": summary})


@require_GET
@member_required(Capability.VIEW_PLANNING)
def session_export(request: WorkspaceRequest, session_id: int) -> StreamingHttpResponse:
    session = session_of(request, session_id)
    return planning_csv.summary_download(session=session, viewer=request.user)


@require_POST
@member_required(Capability.RUN_PLANNING)
def session_email_summary(request: WorkspaceRequest, session_id: int) -> HttpResponse:
    session = session_of(request, session_id)
    try:
        sent = summary_services.summary_email(actor=request.actor, session=session)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The summary is on its way to {sent} participants.")
    return redirect("planning_summary", slug=request.workspace.slug, session_id=session.pk)


@require_POST
@member_required(Capability.JOIN_PLANNING)
def session_opt_out(request: WorkspaceRequest, session_id: int) -> HttpResponse:
    session = session_of(request, session_id)
    opt_out = request.POST.get("opt_out") != "0"
    try:
        participant_services.participant_summary_opt_out(
            actor=request.actor, session=session, opt_out=opt_out
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            "You will not get the summary email." if opt_out else "You will get the summary email.",
        )
    return redirect("planning_summary", slug=request.workspace.slug, session_id=session.pk)


@require_http_methods(["GET", "POST"])
@member_required(Capability.RUN_PLANNING)
def decision_announce(request: WorkspaceRequest, decision_id: int) -> HttpResponse:
    """Previews the message to the customers who asked; confirming sends it, each person once."""
    decision = decision_selectors.decision(workspace=request.workspace, decision_id=decision_id)
    initial = {"subject": decision.announce_subject, "message": decision.announce_message}
    form = AnnounceForm(request.POST or None, initial=initial)
    recipients, told = [], set()
    if decision.idea is not None:
        recipients = list(
            idea_selectors.recipients(workspace=request.workspace, idea=decision.idea)
        )
        category = decision_services.DECISION_CATEGORY.get(decision.outcome)
        if category:
            told = idea_selectors.already_told(idea=decision.idea, outcome=category)
    if request.method == "POST" and form.is_valid() and request.POST.get("action") == "send":
        try:
            decision_services.decision_announce(
                actor=request.actor,
                decision=decision,
                subject=form.cleaned_data["subject"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The message is on its way to everyone who asked.")
            return redirect(
                "planning_summary", slug=request.workspace.slug, session_id=decision.session_id
            )
    preview = None
    if form.is_bound and form.is_valid() and recipients and decision.idea is not None:
        first = recipients[0]
        preview = {
            "to": first.email,
            "subject": render_message(
                form.cleaned_data["subject"],
                name=first.name,
                idea=decision.idea,
                workspace=request.workspace,
            ),
            "message": render_message(
                form.cleaned_data["message"],
                name=first.name,
                idea=decision.idea,
                workspace=request.workspace,
            ),
        }
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "planning/announce.html",
        {
            "decision": decision,
            "form": form,
            "recipients": recipients,
            "told": told,
            "preview": preview,
        },
        status=status,
    )


@require_GET
@member_required(Capability.VIEW_PLANNING)
@fragment_of(
    lambda request, idea_id: (
        reverse("idea_detail", args=[request.workspace.slug, idea_id]) + "#planning-history"
    )
)
def idea_history(request: WorkspaceRequest, idea_id: int) -> HttpResponse:
    """The idea page's planning history, loaded by htmx (feedback does not import planning)."""
    idea = idea_selectors.idea(workspace=request.workspace, idea_id=idea_id)
    rows = decision_selectors.idea_history(workspace=request.workspace, idea=idea)
    return render(request, "planning/_idea_history.html", {"idea": idea, "rows": rows})


BOARD_IDS = 1_000  # the board's cards: 100 a status (feedback's BOARD_LIMIT_PER_STATUS)


def _idea_ids(request) -> list[int]:
    """The board's idea ids, comma separated (a trailing comma is fine); a part that is not an
    id, or more than BOARD_IDS of them, is a 400 naming `ids`, never dropped."""
    parts = [part for part in request.GET.get("ids", "").split(",") if part.strip()]
    if len(parts) > BOARD_IDS:
        raise ValidationError(
            {"ids": [f"Give at most {BOARD_IDS:,} ids; this has {len(parts):,}."]}
        )
    return [ID.clean(part, field="ids") for part in parts]


@require_GET
@member_required(Capability.VIEW_PLANNING)
@fragment_of(lambda request: reverse("idea_board", args=[request.workspace.slug]))
def board_decisions(request: WorkspaceRequest) -> HttpResponse:
    """The ideas board's decision badges, as out-of-band swaps into its cards."""
    found = decision_selectors.latest_decisions(
        workspace=request.workspace, idea_ids=_idea_ids(request)
    )
    return render(request, "planning/_board_decisions.html", {"decisions": found.values()})


@require_GET
@member_required(Capability.VIEW_PLANNING)
def decision_list(request: WorkspaceRequest) -> HttpResponse:
    """Decisions, newest first, filtered by `outcome`, the days `since`/`until` (both
    included; a decision's day is its session's period start, else the day it was made) and
    `demand` (yes: ideas backed by customer demand, no: ideas without). A bad value is a 400
    naming it. The dashboards' committed counts link here."""
    filters = decision_selectors.DecisionFilters.from_params(request.GET)
    found = decision_selectors.decision_list(workspace=request.workspace, filters=filters)
    context = {
        "found": found,
        "outcome": DecisionOutcome(filters.outcome).label if filters.outcome else "",
        "since": filters.since,
        "until": filters.until,
        "demand": filters.demand,
    }
    return render(request, "planning/decisions.html", context)
