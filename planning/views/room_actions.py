"""What the room's buttons and forms post: facilitator controls, joining, ready, votes,
invitations, hand-over, the agenda, accepted scores and decisions. Each runs its service and
answers the room's fragments (htmx) or redirects to the room (`room_action`)."""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from feedback.selectors import ideas as idea_selectors
from inventory.selectors import tools as inventory_tools
from planning.forms.sessions import (
    AgendaForm,
    DecisionForm,
    HandOverForm,
    InviteForm,
    JoinForm,
)
from planning.models import (
    PlanningSession,
)
from planning.selectors import sessions as selectors
from planning.services import agenda as agenda_services
from planning.services import decisions as decision_services
from planning.services import participants as participant_services
from planning.services import sessions as services
from planning.services import votes as vote_services
from planning.views.room import live_answer, render_room
from planning.views.sessions import room_url, session_of
from productops.access import WorkspaceRequest, member_required
from productops.capabilities import Capability


def room_action(capability: Capability) -> Callable:
    """A POST from the room: runs the service, then answers with the room's fragments (htmx)
    or a redirect to the room. A refused action answers 400, or 409 for a late vote or a move
    the session no longer allows, with the reason in the room's notice."""

    def decorator(act: Callable[[WorkspaceRequest, PlanningSession], str | None]) -> Callable:
        @require_POST
        @member_required(capability)
        @wraps(act)
        def view(request: WorkspaceRequest, session_id: int, **kwargs) -> HttpResponse:
            session = session_of(request, session_id)
            notice, status = "", 200
            try:
                notice = act(request, session, **kwargs) or ""
            except vote_services.LateVote as error:
                notice, status = " ".join(error.messages), 409
            except ValidationError as error:
                notice, status = " ".join(error.messages), 400
            session.refresh_from_db()
            if request.htmx:
                return live_answer(request, session, notice=notice, status=status)
            if notice:
                (messages.error if status >= 400 else messages.success)(request, notice)
            if status != 200:
                return render_room(request, session, status)
            return redirect(room_url(session))

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


@room_action(Capability.RUN_PLANNING)
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


@room_action(Capability.JOIN_PLANNING)
def session_join(request: WorkspaceRequest, session: PlanningSession) -> str | None:
    form = JoinForm(request.POST)
    if not form.is_valid():
        raise ValidationError("Join as a voter or a spectator.")
    participant_services.participant_join(
        actor=request.actor, session=session, role=form.cleaned_data["role"]
    )
    return None


@room_action(Capability.JOIN_PLANNING)
def session_ready(request: WorkspaceRequest, session: PlanningSession) -> str | None:
    participant_services.participant_ready(
        actor=request.actor, session=session, ready=request.POST.get("ready") != "0"
    )
    return None


@room_action(Capability.JOIN_PLANNING)
def session_vote(request: WorkspaceRequest, session: PlanningSession) -> str | None:
    try:
        item = selectors.agenda_item(session=session, item_id=int(request.POST.get("item", "")))
    except (ValueError, Http404):
        raise ValidationError("That item is not on this agenda.") from None
    model = selectors.session_scoring_model(session)
    values = {name: request.POST.get(name, "") for name in model.field_names}
    vote_services.vote_cast(actor=request.actor, session=session, item=item, values=values)
    return "Your vote is in. You can change it until the reveal."


@room_action(Capability.RUN_PLANNING)
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


@room_action(Capability.RUN_PLANNING)
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


@room_action(Capability.ADD_AGENDA_ITEMS)
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


@room_action(Capability.RUN_PLANNING)
def agenda_remove(request: WorkspaceRequest, session: PlanningSession, item_id: int) -> str | None:
    item = selectors.agenda_item(session=session, item_id=item_id)
    agenda_services.agenda_remove(actor=request.actor, session=session, item=item)
    return None


@room_action(Capability.RUN_PLANNING)
def agenda_move(request: WorkspaceRequest, session: PlanningSession, item_id: int) -> str | None:
    item = selectors.agenda_item(session=session, item_id=item_id)
    step = 1 if request.POST.get("direction") == "down" else -1
    agenda_services.agenda_move(actor=request.actor, session=session, item=item, step=step)
    return None


@room_action(Capability.RUN_PLANNING)
def item_accept(request: WorkspaceRequest, session: PlanningSession, item_id: int) -> str | None:
    item = selectors.agenda_item(session=session, item_id=item_id)
    model = selectors.session_scoring_model(session)
    values = {name: request.POST.get(name, "") for name in model.field_names}
    vote_services.item_accept_score(actor=request.actor, session=session, item=item, values=values)
    return "Score accepted."


@room_action(Capability.RUN_PLANNING)
def item_decide(request: WorkspaceRequest, session: PlanningSession, item_id: int) -> str | None:
    item = selectors.agenda_item(session=session, item_id=item_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        raise ValidationError(
            " ".join(
                f"{name}: {' '.join(str(e) for e in errors)}"
                for name, errors in form.errors.items()
            )
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
