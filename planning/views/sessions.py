"""Pages of planning sessions: the list, a session's room and its live poll, the facilitator's
controls, votes, decisions, the summary and its CSV, and the idea page's history fragment.

The room is made of fragments (head, agenda, item, vote, people). The poll answers 204 while
the session's version is the one the page has, else every fragment as an htmx out-of-band swap,
each with a digest of its content (`data-key`) so the page skips the ones that did not change and
never replaces one holding text the person has not sent (static/js/planning.js).
"""

import hashlib
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feedback.selectors import ideas as idea_selectors
from inventory.selectors import tools as inventory_tools
from planning import csv as planning_csv
from planning import evidence
from planning.forms.sessions import (
    AgendaForm,
    AnnounceForm,
    DecisionForm,
    HandOverForm,
    InviteForm,
    JoinForm,
    SessionForm,
)
from planning.models import (
    PHASE_LABELS,
    DecisionOutcome,
    PlanningSession,
    SessionKind,
    SessionState,
)
from planning.selectors import decisions as decision_selectors
from planning.selectors import retro as retro_selectors
from planning.selectors import room as room_selectors
from planning.selectors import sessions as selectors
from planning.services import agenda as agenda_services
from planning.services import decisions as decision_services
from planning.services import participants as participant_services
from planning.services import sessions as services
from planning.services import summary as summary_services
from planning.services import votes as vote_services
from productops import signed_in
from productops.access import WorkspaceRequest, member_required
from productops.capabilities import Capability, role_has
from productops.forms import add_service_errors

FRAGMENTS = ("head", "agenda", "item", "vote", "people")
FULL_REFRESH_SECONDS = 15  # the page asks for everything this often (presence, timers)


def _session(request: WorkspaceRequest, session_id: int) -> PlanningSession:
    return selectors.session(workspace=request.workspace, session_id=session_id)


def _room_url(session: PlanningSession) -> str:
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
            return redirect(_room_url(session))
    status = 400 if form.errors else 200
    return render(request, "planning/new.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@member_required(Capability.RUN_PLANNING)
def session_edit(request: WorkspaceRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    form = SessionForm(
        request.POST or None,
        initial=SessionForm.initial_for(session),
        workspace=request.workspace,
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(actor=request.actor, session=session, settings=form.settings())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Settings saved.")
            return redirect(_room_url(session))
    status = 400 if form.errors else 200
    return render(request, "planning/edit.html", {"form": form, "session": session}, status=status)


# The room


def _context(request: WorkspaceRequest, session: PlanningSession) -> dict:
    room = room_selectors.room(session=session, user=request.user)
    live_evidence, hints = None, {}
    if room.item is not None and room.item.idea_id:
        found = evidence.ideas_evidence(workspace=request.workspace, idea_ids=[room.item.idea_id])
        live_evidence = found[room.item.idea_id]
        if room.model is not None:
            hints = evidence.prefill(model=room.model, evidence=found)[room.item.idea_id]
    vote_fields = []
    if room.model is not None:
        for field in room.model.fields:
            scale = field.scale_info
            vote_fields.append(
                {
                    "name": field.name,
                    "label": field.label,
                    "help": field.help,
                    "choices": scale.labels,
                    "mine": room.my_votes.get(field.name, ""),
                    "suggested": hints.get(field.name),
                }
            )
    retro = {}
    if session.kind == SessionKind.RETROSPECTIVE:
        retro = {
            "board": retro_selectors.board(session=session, user=request.user),
            "retro_templates": retro_selectors.templates(workspace=request.workspace),
            "people": selectors.members(workspace=request.workspace),
        }
    return {
        **retro,
        "session": session,
        "room": room,
        "phase_list": [(key, PHASE_LABELS.get(key, key)) for key in session.phases],
        "voting_phases": selectors.VOTING_PHASES,
        "vote_fields": vote_fields,
        "live_evidence": live_evidence,
        "now": timezone.now(),
        "decision_outcomes": DecisionOutcome.choices,
        "may_facilitate": request.actor.can(Capability.RUN_PLANNING),
        "may_add": request.actor.can(Capability.ADD_AGENDA_ITEMS),
    }


def _fragments(request: WorkspaceRequest, context: dict) -> list[tuple[str, str, str]]:
    """(element id, inner HTML, digest) of each fragment of the room."""
    found = []
    templates = [(name, f"planning/room.html#{name}") for name in FRAGMENTS]
    if "board" in context:  # a retrospective: its board is one more fragment
        templates.append(("retro", "planning/retro.html#board"))
    for name, template in templates:
        html = render_to_string(template, context, request=request)
        found.append((f"room-{name}", html, hashlib.sha1(html.encode()).hexdigest()[:16]))
    return found


def _poller(session: PlanningSession, request: WorkspaceRequest) -> str:
    """The element that polls, and the version the page shows (the poll sends it as `v`).

    Answers replace only `#room-version`, never the poller: a poller replaced while its
    request is in flight would find no targets for that request's answer.
    """
    url = reverse("planning_poll", args=[request.workspace.slug, session.pk])
    return format_html(
        '<div id="room-poller" data-poller hx-get="{}" hx-trigger="every 1s" hx-swap="none">'
        '</div><div id="room-version" data-version="{}" hidden></div>',
        url,
        session.version,
    )


def _live_answer(
    request: WorkspaceRequest, session: PlanningSession, *, notice: str = "", status: int = 200
) -> HttpResponse:
    """Every fragment as an out-of-band swap, the poller with the new version, and a notice."""
    context = _context(request, session)
    parts = format_html_join(
        "",
        '<section id="{}" class="room-part" data-key="{}" hx-swap-oob="true">{}</section>',
        ((element_id, key, _safe(html)) for element_id, html, key in _fragments(request, context)),
    )
    note = format_html(
        '<div id="room-notice" class="message{}" role="status" hx-swap-oob="true">{}</div>',
        " warning" if notice else " hidden",
        notice,
    )
    version = format_html(
        '<div id="room-version" data-version="{}" hidden hx-swap-oob="true"></div>',
        session.version,
    )
    return HttpResponse(parts + version + note, status=status)


def _safe(html: str):
    return mark_safe(html)  # rendered by our templates, autoescaped there


@require_GET
@member_required(Capability.VIEW_PLANNING)
def session_room(request: WorkspaceRequest, session_id: int) -> HttpResponse:
    return _render_room(request, _session(request, session_id))


def _render_room(request: WorkspaceRequest, session: PlanningSession, status: int = 200):
    context = _context(request, session)
    context["sections"] = {
        element_id.removeprefix("room-"): format_html(
            '<section id="{}" class="room-part" data-key="{}">{}</section>',
            element_id,
            key,
            _safe(html),
        )
        for element_id, html, key in _fragments(request, context)
    }
    context["poller"] = _poller(session, request)
    if request.actor.can(Capability.RUN_PLANNING):
        horizon = selectors.renewal_horizon(session=session)
        context.update(
            members=selectors.members(workspace=request.workspace),
            facilitators=selectors.facilitators(workspace=request.workspace),
            renewal_horizon=horizon,
            contract_choices=selectors.renewals_before(workspace=request.workspace, day=horizon),
        )
    if request.actor.can(Capability.ADD_AGENDA_ITEMS):
        context["idea_choices"] = selectors.idea_choices(
            workspace=request.workspace,
            owner=None if request.actor.can(Capability.RUN_PLANNING) else request.user,
        )
    return render(request, "planning/room.html", context, status=status)


def _poll_state(request: HttpRequest, slug: str, session_id: int) -> room_selectors.PollState:
    """The poll's state for the signed-in viewer; raises 404 for a non-member or a session not
    in the workspace, and `_SignIn` when the request is not signed in.

    The fast way reads the user's row in the poll's one statement and verifies the session
    against it; any session it cannot verify goes through `request.user` (Django's own check,
    which may rotate or flush the session) and the statement again.
    """
    user_id = signed_in.claimed_user_id(request)
    state = None
    if user_id is not None:
        state = room_selectors.poll_state(slug=slug, session_id=session_id, user_id=user_id)
    if state is None or not signed_in.claim_holds(
        request, user_id=user_id or 0, password=state.password, is_active=state.is_active
    ):
        if not request.user.is_authenticated or not request.user.is_active:
            raise _SignIn
        state = room_selectors.poll_state(slug=slug, session_id=session_id, user_id=request.user.pk)
    if state is None or state.role is None or state.version is None:
        raise Http404("No such session.")
    return state


class _SignIn(Exception):
    """The poll of a request that is not signed in: answered with the sign-in redirect."""


@require_GET
def session_poll(request: HttpRequest, slug: str, session_id: int) -> HttpResponse:
    """204 when the page's version is current (two queries: the sign-in's session row, then one
    statement for the user, membership, version and presence), else the fragments.

    Also stamps the viewer's presence (every few seconds, not every poll) and performs an
    auto-reveal whose countdown ran out.
    """
    try:
        state = _poll_state(request, slug, session_id)
    except _SignIn:
        return redirect_to_login(request.get_full_path())
    if not role_has(state.role, Capability.VIEW_PLANNING):
        raise PermissionDenied
    now = timezone.now()
    changed = False
    if state.reveal_due_at is not None and state.reveal_due_at <= now:
        changed = vote_services.reveal_when_due(session_id=session_id)
    if state.participant_id is not None and (
        state.last_seen_at is None or now - state.last_seen_at > participant_services.PRESENCE_TOUCH
    ):
        participant_services.participant_seen(
            session_id=session_id,
            participant_id=state.participant_id,
            last_seen_at=state.last_seen_at,
        )
        changed = changed or state.last_seen_at is None
    try:
        seen = int(request.GET.get("v", ""))
    except ValueError:
        seen = 0
    if seen == state.version and not changed:
        return HttpResponse(status=204)
    return _gated_live_answer(request, slug, session_id)


@member_required(Capability.VIEW_PLANNING)
def _gated_live_answer(request: WorkspaceRequest, session_id: int) -> HttpResponse:
    return _live_answer(request, _session(request, session_id))


def _action(capability: Capability) -> Callable:
    """A POST from the room: runs the service, then answers with the room's fragments (htmx)
    or a redirect to the room. A refused action answers 400, or 409 for a late vote or a move
    the session no longer allows, with the reason in the room's notice."""

    def decorator(act: Callable[[WorkspaceRequest, PlanningSession], str | None]) -> Callable:
        @require_POST
        @member_required(capability)
        @wraps(act)
        def view(request: WorkspaceRequest, session_id: int, **kwargs) -> HttpResponse:
            session = _session(request, session_id)
            notice, status = "", 200
            try:
                notice = act(request, session, **kwargs) or ""
            except vote_services.LateVote as error:
                notice, status = " ".join(error.messages), 409
            except ValidationError as error:
                notice, status = " ".join(error.messages), 400
            session.refresh_from_db()
            if request.htmx:
                return _live_answer(request, session, notice=notice, status=status)
            if notice:
                (messages.error if status >= 400 else messages.success)(request, notice)
            if status != 200:
                return _render_room(request, session, status)
            return redirect(_room_url(session))

        return view

    return decorator


CONTROLS = {
    "open_lobby": lambda actor, session: services.session_open_lobby(actor=actor, session=session),
    "start": lambda actor, session: services.session_start(actor=actor, session=session),
    "next_phase": lambda a, s: services.session_move_phase(actor=a, session=s, step=1),
    "previous_phase": lambda a, s: services.session_move_phase(actor=a, session=s, step=-1),
    "next_item": lambda a, s: services.session_go_to_item(actor=a, session=s, step=1),
    "previous_item": lambda a, s: services.session_go_to_item(actor=a, session=s, step=-1),
    "reveal": lambda a, s: vote_services.item_reveal(actor=a, session=s),
    "revote": lambda a, s: vote_services.item_revote(actor=a, session=s),
    "cancel_reveal": lambda a, s: vote_services.auto_reveal_cancel(actor=a, session=s),
    "end": lambda a, s: services.session_end(actor=a, session=s),
}


@_action(Capability.RUN_PLANNING)
def session_control(request: WorkspaceRequest, session: PlanningSession) -> str | None:
    action = request.POST.get("action", "")
    if action == "go_to_item":
        try:
            item = selectors.agenda_item(session=session, item_id=int(request.POST["item"]))
        except (KeyError, ValueError):
            raise ValidationError("Choose an item.") from None
        services.session_go_to_item(actor=request.actor, session=session, item=item)
        return None
    if action not in CONTROLS:
        raise ValidationError("Unknown action.")
    CONTROLS[action](request.actor, session)
    return None


@_action(Capability.JOIN_PLANNING)
def session_join(request: WorkspaceRequest, session: PlanningSession) -> str | None:
    form = JoinForm(request.POST)
    if not form.is_valid():
        raise ValidationError("Join as a voter or a spectator.")
    participant_services.participant_join(
        actor=request.actor, session=session, role=form.cleaned_data["role"]
    )
    return None


@_action(Capability.JOIN_PLANNING)
def session_ready(request: WorkspaceRequest, session: PlanningSession) -> str | None:
    participant_services.participant_ready(
        actor=request.actor, session=session, ready=request.POST.get("ready") != "0"
    )
    return None


@_action(Capability.JOIN_PLANNING)
def session_vote(request: WorkspaceRequest, session: PlanningSession) -> str | None:
    try:
        item = selectors.agenda_item(session=session, item_id=int(request.POST.get("item", "")))
    except (ValueError, Http404):
        raise ValidationError("That item is not on this agenda.") from None
    model = selectors.scoring_model(session)
    values = {name: request.POST.get(name, "") for name in model.field_names}
    vote_services.vote_cast(actor=request.actor, session=session, item=item, values=values)
    return "Your vote is in. You can change it until the reveal."


@_action(Capability.RUN_PLANNING)
def session_invite(request: WorkspaceRequest, session: PlanningSession) -> str | None:
    form = InviteForm(request.POST)
    if not form.is_valid():
        raise ValidationError("Choose a member and a role.")
    user = (
        selectors.members(workspace=request.workspace).filter(pk=form.cleaned_data["user"]).first()
    )
    if user is None:
        raise ValidationError("Invite members of this workspace.")
    participant_services.participant_invite(
        actor=request.actor, session=session, user=user, role=form.cleaned_data["role"]
    )
    return f"{user.display_name} is invited."


@_action(Capability.RUN_PLANNING)
def session_hand_over(request: WorkspaceRequest, session: PlanningSession) -> str | None:
    form = HandOverForm(request.POST)
    user = None
    if form.is_valid():
        user = (
            selectors.facilitators(workspace=request.workspace)
            .filter(pk=form.cleaned_data["to"])
            .first()
        )
    if user is None:
        raise ValidationError("Hand facilitation to an ops lead or admin.")
    services.session_hand_over(actor=request.actor, session=session, to=user)
    return f"{user.display_name} facilitates now."


@_action(Capability.ADD_AGENDA_ITEMS)
def agenda_add(request: WorkspaceRequest, session: PlanningSession) -> str | None:
    form = AgendaForm(request.POST)
    if not form.is_valid():
        raise ValidationError("Choose an idea, a contract or write a topic.")
    data = form.cleaned_data
    idea = contract = None
    if data.get("idea"):
        idea = idea_selectors.ideas(workspace=request.workspace).filter(pk=data["idea"]).first()
        if idea is None:
            raise ValidationError("No such idea in this workspace.")
    if data.get("contract"):
        contract = (
            inventory_tools.contracts(workspace=request.workspace)
            .filter(pk=data["contract"])
            .first()
        )
        if contract is None:
            raise ValidationError("No such contract in this workspace.")
    item = agenda_services.agenda_add(
        actor=request.actor,
        session=session,
        idea=idea,
        contract=contract,
        topic=data.get("topic") or "",
    )
    return f"“{item}” is on the agenda."


@_action(Capability.RUN_PLANNING)
def agenda_remove(request: WorkspaceRequest, session: PlanningSession, item_id: int) -> str | None:
    item = selectors.agenda_item(session=session, item_id=item_id)
    agenda_services.agenda_remove(actor=request.actor, session=session, item=item)
    return None


@_action(Capability.RUN_PLANNING)
def agenda_move(request: WorkspaceRequest, session: PlanningSession, item_id: int) -> str | None:
    item = selectors.agenda_item(session=session, item_id=item_id)
    step = 1 if request.POST.get("direction") == "down" else -1
    agenda_services.agenda_move(actor=request.actor, session=session, item=item, step=step)
    return None


@_action(Capability.RUN_PLANNING)
def item_accept(request: WorkspaceRequest, session: PlanningSession, item_id: int) -> str | None:
    item = selectors.agenda_item(session=session, item_id=item_id)
    model = selectors.scoring_model(session)
    values = {name: request.POST.get(name, "") for name in model.field_names}
    vote_services.item_accept_score(actor=request.actor, session=session, item=item, values=values)
    return "Score accepted."


@_action(Capability.RUN_PLANNING)
def item_decide(request: WorkspaceRequest, session: PlanningSession, item_id: int) -> str | None:
    item = selectors.agenda_item(session=session, item_id=item_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        raise ValidationError(
            " ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
        )
    data = form.cleaned_data
    decision = decision_services.decision_record(
        actor=request.actor,
        session=session,
        item=item,
        outcome=data["outcome"],
        rationale=data.get("rationale") or "",
        estimate=data.get("estimate"),
        defer_until=data.get("defer_until"),
    )
    return f"Decided: {decision.get_outcome_display().lower()}."


# After the session


@require_GET
@member_required(Capability.VIEW_PLANNING)
def session_summary(request: WorkspaceRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    me = selectors.participant_of(session=session, user=request.user)
    return render(
        request,
        "planning/summary.html",
        {
            "session": session,
            "summary": decision_selectors.summary(session=session),
            "me": me,
            "may_facilitate": request.actor.can(Capability.RUN_PLANNING),
        },
    )


@require_GET
@member_required(Capability.VIEW_PLANNING)
def session_export(request: WorkspaceRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    return planning_csv.summary_download(session=session)


@require_POST
@member_required(Capability.RUN_PLANNING)
def session_email_summary(request: WorkspaceRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
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
    session = _session(request, session_id)
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
        from feedback.services.ideas import render_message

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
def idea_history(request: WorkspaceRequest, idea_id: int) -> HttpResponse:
    """The idea page's planning history, loaded by htmx (feedback does not import planning)."""
    idea = idea_selectors.idea(workspace=request.workspace, idea_id=idea_id)
    rows = decision_selectors.idea_history(workspace=request.workspace, idea=idea)
    return render(request, "planning/_idea_history.html", {"idea": idea, "rows": rows})


def _idea_ids(request) -> list[int]:
    raw = request.GET.get("ids", "")
    return [int(part) for part in raw.split(",") if part.isdigit() and len(part) < 19][:500]


@require_GET
@member_required(Capability.VIEW_PLANNING)
def board_decisions(request: WorkspaceRequest) -> HttpResponse:
    """The ideas board's decision badges, as out-of-band swaps into its cards."""
    found = decision_selectors.latest_decisions(
        workspace=request.workspace, idea_ids=_idea_ids(request)
    )
    return render(request, "planning/_board_decisions.html", {"decisions": found.values()})
