"""The live room of a session and its poll.

The room is made of fragments (head, agenda, item, vote, people). The poll answers 204 while
the session's version is the one the page has, else every fragment as an htmx out-of-band swap,
each with a digest of its content (`data-key`) so the page skips the ones that did not change and
never replaces one holding text the person has not sent (static/js/planning.js). The fragments
come from room_parts, which renders what everyone sees alike once per version.
"""

from datetime import datetime

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from planning import poll_lease
from planning.middleware import seen_version
from planning.models import (
    PlanningSession,
)
from planning.selectors import room as room_selectors
from planning.selectors import sessions as selectors
from planning.services import participants as participant_services
from planning.services import votes as vote_services
from planning.views.room_parts import room_parts
from planning.views.sessions import session_of
from productops import signed_in
from productops.access import WorkspaceRequest, member_required
from productops.capabilities import Capability, role_has


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
    parts = format_html_join(
        "",
        '<section id="{}" class="room-part" data-key="{}" hx-swap-oob="true">{}</section>',
        (
            (element_id, key, _safe(html))
            for element_id, html, key in room_parts(request, session).fragments
        ),
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
    parts = room_parts(request, session)
    context = parts.context
    context["sections"] = {
        element_id.removeprefix("room-"): format_html(
            '<section id="{}" class="room-part" data-key="{}">{}</section>',
            element_id,
            key,
            _safe(html),
        )
        for element_id, html, key in parts.fragments
    }
    context["poller"] = _poller(session, request)
    if request.actor.can(Capability.RUN_PLANNING):
        context.update(
            members=selectors.members(workspace=request.workspace),
            facilitators=selectors.facilitators(workspace=request.workspace),
        )
        if session.has.agenda:
            horizon = selectors.renewal_horizon(session=session)
            context.update(
                renewal_horizon=horizon,
                contract_choices=selectors.renewals_before(
                    workspace=request.workspace, day=horizon
                ),
            )
    if session.has.agenda and request.actor.can(Capability.ADD_AGENDA_ITEMS):
        context["idea_choices"] = selectors.idea_choices(
            workspace=request.workspace,
            owner=None if request.actor.can(Capability.RUN_PLANNING) else request.user,
        )
    return render(request, "planning/room.html", context, status=status)


def _poll_state(
    request: HttpRequest, pending: poll_lease.Pending, slug: str, session_id: int
) -> tuple[room_selectors.PollState, bool]:
    """The poll's state for the signed-in viewer, and whether the fast check vouched for the
    session (only then may a lease be granted); raises 404 for a non-member or a session not
    in the workspace, and `_SignIn` when the request is not signed in.

    The fast way reads the user's row in the poll's one statement and verifies the session
    against it; any session it cannot verify goes through `request.user` (Django's own check,
    which may rotate or flush the session) and the statement again.
    """
    pending.before_session()
    user_id = signed_in.claimed_user_id(request)
    state = None
    if user_id is not None:
        pending.before_user(user_id)
        state = room_selectors.poll_state(slug=slug, session_id=session_id, user_id=user_id)
    vouched = state is not None and signed_in.claim_holds(
        request, user_id=user_id or 0, password=state.password, is_active=state.is_active
    )
    if not vouched:
        if not request.user.is_authenticated or not request.user.is_active:
            raise _SignIn
        state = room_selectors.poll_state(slug=slug, session_id=session_id, user_id=request.user.pk)
    if state is None or state.role is None or state.version is None:
        raise Http404("No such session.")
    return state, vouched


class _SignIn(Exception):
    """The poll of a request that is not signed in: answered with the sign-in redirect."""


@never_cache
@require_GET
def session_poll(request: HttpRequest, slug: str, session_id: int) -> HttpResponse:
    """204 when the page's version is current, else the fragments.

    The full way: an unchanged poll that its lease in the cache vouches for never gets here
    (planning.middleware.UnchangedPoll answers it: one cache read, no query). This reads the
    sign-in's session row, then one statement for the user, membership, version and presence,
    after which a 204 grants the lease. It also stamps the viewer's presence (every few
    seconds, not every poll) and performs an auto-reveal whose countdown ran out.
    """
    seen = seen_version(request)
    pending = poll_lease.Pending(request, slug=slug, session_id=session_id)
    try:
        state, vouched = _poll_state(request, pending, slug, session_id)
    except _SignIn:
        return redirect_to_login(request.get_full_path())
    if state.role is None or not role_has(state.role, Capability.VIEW_PLANNING):
        raise PermissionDenied
    now = timezone.now()
    changed = False
    if state.reveal_due_at is not None and state.reveal_due_at <= now:
        changed = vote_services.reveal_when_due(session_id=session_id)
    seen_at = state.last_seen_at
    if state.participant_id is not None and (
        seen_at is None or now - seen_at > participant_services.PRESENCE_TOUCH
    ):
        participant_services.participant_seen(
            session_id=session_id, participant_id=state.participant_id, last_seen_at=seen_at
        )
        changed = changed or seen_at is None
        seen_at = now
    if seen != state.version or changed:
        return _gated_live_answer(request, slug, session_id)
    if vouched:
        pending.grant(version=state.version, until=_lease_end(request, state, seen_at, now))
    return HttpResponse(status=204)


def _lease_end(
    request: HttpRequest, state: room_selectors.PollState, seen_at: datetime | None, now: datetime
) -> datetime:
    """When the full way must answer again: the viewer's presence due to be stamped, the
    auto-reveal due, the browser session expiring, whichever is first."""
    ends = [now + poll_lease.LONGEST, getattr(request.session, "stored_expiry", None) or now]
    if state.participant_id is not None and seen_at is not None:
        ends.append(seen_at + participant_services.PRESENCE_TOUCH)
    if state.reveal_due_at is not None:
        ends.append(state.reveal_due_at)
    return min(ends)


@member_required(Capability.VIEW_PLANNING)
def _gated_live_answer(request: WorkspaceRequest, session_id: int) -> HttpResponse:
    return live_answer(request, session_of(request, session_id))
