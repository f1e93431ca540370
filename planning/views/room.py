"""The live room of a session and its poll.

The room is made of fragments (head, agenda, item, vote, people). The poll answers 204 while
the session's version is the one the page has, else every fragment as an htmx out-of-band swap,
each with a digest of its content (`data-key`) so the page skips the ones that did not change and
never replaces one holding text the person has not sent (static/js/planning.js).
"""

import hashlib

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from planning import evidence
from planning.models import (
    PHASE_LABELS,
    DecisionOutcome,
    PlanningSession,
    SessionKind,
)
from planning.selectors import retro as retro_selectors
from planning.selectors import room as room_selectors
from planning.selectors import sessions as selectors
from planning.services import participants as participant_services
from planning.services import votes as vote_services
from planning.views.sessions import session_of
from productops import signed_in
from productops.access import WorkspaceRequest, member_required
from productops.capabilities import Capability, role_has

FRAGMENTS = ("head", "agenda", "item", "vote", "people")


def _context(request: WorkspaceRequest, session: PlanningSession) -> dict:
    room = room_selectors.room(session=session, user=request.user)
    live_evidence, hints = None, {}
    if room.item is not None and room.item.idea_id:
        found = evidence.ideas_evidence(workspace=request.workspace, idea_ids=[room.item.idea_id])
        live_evidence = found[room.item.idea_id]
        if room.model is not None:
            hints = evidence.prefill(
                model=room.model, evidence=found, currency=request.workspace.currency
            )[room.item.idea_id]
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
    found: list[tuple[str, str, str]] = []
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


def live_answer(
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
    return render_room(request, session_of(request, session_id))


def render_room(request: WorkspaceRequest, session: PlanningSession, status: int = 200):
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
    if state.role is None or not role_has(state.role, Capability.VIEW_PLANNING):
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
    return live_answer(request, session_of(request, session_id))
