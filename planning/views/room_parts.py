"""The room's fragments, the parts everyone sees alike rendered once per version.

After a reveal every participant's next poll asks for the whole room, and most of it is the
same for all of them at that version: the head, the agenda, the item and the list of people
differ only by whether the viewer facilitates the session and may run planning. So those are
rendered once per (session, version, second, kind of viewer, who is present) in this process
and kept briefly; each answer renders only the viewer's own parts (their vote, their ready
button, a retrospective's board, which shows their own reflections) and fills in the viewer's
CSRF token, which the kept HTML holds as a placeholder. Fifty pages brought up to date cost
about one full render per kind of viewer and second, plus fifty small ones.

Keyed by the second because the head shows timers from the server's clock; keyed by who is
present because going away changes no version. Nothing else the fragments show changes without
a new version (planning.services.live), and kept parts live seconds, not minutes.
"""

import dataclasses
import hashlib
import threading
from collections import OrderedDict
from datetime import datetime

from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from planning import evidence
from planning.models import PHASE_LABELS, DecisionOutcome, PlanningSession, SessionKind
from planning.selectors import retro as retro_selectors
from planning.selectors import room as room_selectors
from planning.selectors import sessions as selectors
from planning.selectors.votes import own_votes
from productops.access import WorkspaceRequest
from productops.capabilities import Capability

# The partials with no viewer's own data in them (a test reads them); "seats" goes into "people".
SHARED = ("head", "agenda", "item", "seats")
AGENDA_PARTS = ("agenda", "item")  # only a kind of session with an agenda has them
# Rendered in place of {% csrf_token %}'s value in kept parts; each answer puts the viewer's in.
CSRF_PLACEHOLDER = "csrf-placeholder-for-the-viewers-token"
KEEP = 64  # kept renders in this process (a few per live session and second)


@dataclasses.dataclass(frozen=True)
class Parts:
    context: dict  # the viewer's whole context (for the page around the fragments)
    fragments: list[tuple[str, str, str]]  # (element id, inner HTML, digest of it)


@dataclasses.dataclass(frozen=True)
class _Kept:
    context: dict  # the context shared by the kind of viewer it was rendered for
    html: dict[str, str]  # shared part -> HTML with the CSRF placeholder


_kept: OrderedDict[tuple, _Kept] = OrderedDict()
_lock = threading.Lock()


def room_parts(request: WorkspaceRequest, session: PlanningSession) -> Parts:
    """Every fragment of the room for this viewer, and the context they were rendered from."""
    now = timezone.now()
    may_facilitate = request.actor.can(Capability.RUN_PLANNING)
    key = (
        session.pk,
        session.version,
        int(now.timestamp()),
        session.facilitator_id == request.user.pk,
        may_facilitate,
        room_selectors.present_ids(session=session, now=now),
    )
    with _lock:
        kept = _kept.get(key)
    if kept is None:
        kept = _render_shared(request, session, now, may_facilitate)
        with _lock:
            _kept[key] = kept
            while len(_kept) > KEEP:
                _kept.popitem(last=False)
    context = _viewer_context(request, session, kept.context)
    token = get_token(request)
    fragments = []
    own = _render_own(request, context, mark_safe(kept.html["seats"]))  # rendered, escaped
    shared = [(name, html) for name, html in kept.html.items() if name != "seats"]
    for name, html in [*shared, *own.items()]:
        digest = hashlib.sha1(html.encode()).hexdigest()[:16]  # before the token: stable
        fragments.append((f"room-{name}", html.replace(CSRF_PLACEHOLDER, token), digest))
    return Parts(context=context, fragments=fragments)


def forget() -> None:
    """Drops every kept render (a new process starts so)."""
    with _lock:
        _kept.clear()


def _render_shared(
    request: WorkspaceRequest, session: PlanningSession, now: datetime, may_facilitate: bool
) -> _Kept:
    room = room_selectors.room(session=session, user=request.user, now=now)
    room = dataclasses.replace(room, me=None, my_votes={})  # whose they are is not shared
    live_evidence, hints = None, {}
    if room.item is not None and room.item.idea_id:
        found = evidence.ideas_evidence(workspace=request.workspace, idea_ids=[room.item.idea_id])
        live_evidence = found[room.item.idea_id]
        if room.model is not None:
            hints = evidence.prefill(
                model=room.model, evidence=found, currency=request.workspace.currency
            )[room.item.idea_id]
    context = {
        "workspace": request.workspace,
        "session": session,
        "room": room,
        "phase_list": [(key, PHASE_LABELS.get(key, key)) for key in session.phases],
        "voting_phases": selectors.VOTING_PHASES,
        "vote_fields": _vote_fields(room, hints),
        "live_evidence": live_evidence,
        "now": now,
        "decision_outcomes": DecisionOutcome.choices,
        "may_facilitate": may_facilitate,
        "csrf_token": CSRF_PLACEHOLDER,
    }
    # Without the request: no context processor runs, and the token stays a placeholder.
    parts = [n for n in SHARED if session.has.agenda or n not in AGENDA_PARTS]
    html: dict[str, str] = {
        name: render_to_string(f"planning/room.html#{name}", context) for name in parts
    }
    return _Kept(context=context, html=html)


def _vote_fields(room: room_selectors.Room, hints: dict) -> list[dict]:
    if room.model is None:
        return []
    return [
        {
            "name": field.name,
            "label": field.label,
            "help": field.help,
            "choices": field.scale_info.labels,
            "mine": room.my_votes.get(field.name, ""),
            "suggested": hints.get(field.name),
        }
        for field in room.model.fields
    ]


def _viewer_context(request: WorkspaceRequest, session: PlanningSession, shared: dict) -> dict:
    """The shared context with the viewer's own seat, votes and powers."""
    room = shared["room"]
    me = next((s.participant for s in room.seats if s.participant.user_id == request.user.pk), None)
    mine = own_votes(participant=me, item=room.item) if me and room.item else {}
    room = dataclasses.replace(room, me=me, my_votes=mine)
    context = {
        **shared,
        "session": session,
        "room": room,
        "vote_fields": [
            {**field, "mine": mine.get(field["name"], "")} for field in shared["vote_fields"]
        ],
        "may_add": request.actor.can(Capability.ADD_AGENDA_ITEMS),
    }
    if session.kind == SessionKind.RETROSPECTIVE:
        context |= {
            "board": retro_selectors.board(session=session, user=request.user),
            "retro_templates": retro_selectors.templates(workspace=request.workspace),
            "people": selectors.members(workspace=request.workspace),
        }
    return context


def _render_own(request: WorkspaceRequest, context: dict, seats: str) -> dict[str, str]:
    """The viewer's own parts: their vote, the people card (the kept list of seats and their
    ready button) and a retrospective's board (with the request: its template reads `can`)."""
    own: dict[str, str] = {
        "vote": render_to_string("planning/room.html#vote", context),
        "people": render_to_string("planning/room.html#people", {**context, "seats": seats}),
    }
    if "board" in context:
        own["retro"] = render_to_string("planning/retro.html#board", context, request=request)
    return own
