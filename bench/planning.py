"""`make bench`, planning: the live room's poll for 50 participants.

- the poll that finds nothing changed (204), answered from its lease in the cache, against the
  bare `/livez`: the goal is within 5x (wall time); also in CPU time, which a loaded machine
  does not stretch as it stretches the lease's one round trip to Redis;
- the same poll the full way (no lease: a page's first poll after a change, or Redis down),
  against `/livez`: the session row and one statement;
- one changed poll (every fragment of the room, none of it rendered before), against the
  unchanged one;
- a reveal seen by all 50 clients (the reveal, then each client's next poll), against one
  changed poll: what the server spends to bring 50 pages up to date, a small multiple of one
  page because the parts everyone sees alike are rendered once (planning/views/room_parts.py).

Server time in-process through every middleware (the Django test client, signed in), medians.
"""

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.test import Client
from django.utils import timezone

from bench.figures import Figure, median_cpu_ms, median_ms
from feedback.services import ideas as idea_services
from planning import poll_lease
from planning.models import AgendaItem, Participant, ParticipantRole, PlanningSession
from planning.services import agenda as agenda_services
from planning.services import participants as participant_services
from planning.services import sessions as services
from planning.services import votes as vote_services
from planning.views import room_parts
from productops import services as platform
from productops.access import Actor
from productops.models import Membership, Role, User, Workspace

PARTICIPANTS = 50
SLUG = "benchplan"


def _people() -> list[Actor]:
    """The workspace, its ops lead and 50 voters: made once, found after that."""
    people = []
    with transaction.atomic():
        lead_user = User.objects.filter(email="lead@benchplan.test").first()
        if lead_user is None:
            lead_user = User.objects.create_user("lead@benchplan.test", name="Lead")
        workspace = Workspace.objects.filter(slug=SLUG).first()
        if workspace is None:
            workspace = platform.workspace_create(user=lead_user, name="Bench planning", slug=SLUG)
        for n in range(PARTICIPANTS):
            user, _ = User.objects.get_or_create(
                email=f"voter{n}@benchplan.test", defaults={"name": f"Voter {n}"}
            )
            membership, _ = Membership.objects.get_or_create(
                workspace=workspace, user=user, defaults={"role": Role.EXEC}
            )
            people.append(Actor.for_membership(membership))
    lead = Actor.for_membership(Membership.objects.get(workspace=workspace, user=lead_user))
    return [lead, *people]


def _session(lead: Actor, voters: list[Actor]) -> PlanningSession:
    session = services.session_create(
        actor=lead,
        kind="prioritisation",
        settings=services.SessionSettings(title="Bench", scoring_model="ice"),
    )
    for n in range(5):
        idea = idea_services.idea_create(actor=lead, title=f"Bench idea {n}")
        agenda_services.agenda_add(actor=lead, session=session, idea=idea)
    for voter in voters:
        participant_services.participant_join(
            actor=voter, session=session, role=ParticipantRole.VOTER
        )
    services.session_start(actor=lead, session=session)
    services.session_move_phase(actor=lead, session=session, step=1)
    session.refresh_from_db()
    return session


def run() -> list[Figure]:
    lead, *voters = _people()
    session = _session(lead, voters)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    for voter in voters[:40]:
        vote_services.vote_cast(
            actor=voter,
            session=session,
            item=item,
            values={"impact": "5", "confidence": "6", "ease": "7"},
        )
    clients = []
    for voter in voters:
        client = Client()
        client.force_login(voter.user)
        clients.append(client)
    url = f"/w/{SLUG}/planning/{session.pk}/poll/"

    def poll(client: Client, version: int, status: int) -> None:
        answer = client.get(f"{url}?v={version}")
        assert answer.status_code == status, answer.status_code

    def everyone_present() -> None:
        # A poll after 15 s of silence comes back from absence and bumps the version (as it
        # should), so each measurement starts with every client seen just now.
        Participant.objects.filter(session=session).update(last_seen_at=timezone.now())

    first = clients[0]
    poll(first, 0, 200)
    everyone_present()
    session.refresh_from_db()
    unchanged = median_ms(lambda: poll(first, session.version, 204), repeat=50)
    livez = median_ms(lambda: first.get("/livez"), repeat=50)
    everyone_present()  # a lease lasts at most 5 s: earn a fresh one for the CPU figures
    poll(first, session.version, 204)
    unchanged_cpu = median_cpu_ms(lambda: poll(first, session.version, 204), repeat=200)
    livez_cpu = median_cpu_ms(lambda: first.get("/livez"), repeat=200)
    # The floor under the lease: /livez plus the one cache round trip it cannot skip (the
    # lease and its three stamps in one MGET), a bare MGET of four missing keys on the same
    # cache.
    cache = caches["default"]
    missing = [f"bench:none:{n}" for n in range(4)]
    floor = median_ms(lambda: (first.get("/livez"), cache.get_many(missing)), repeat=50)
    lease = poll_lease.lease_key(
        first.cookies[settings.SESSION_COOKIE_NAME].value, SLUG, session.pk
    )

    def full_way() -> None:
        caches["default"].delete(lease)  # as after a change, or with Redis down
        poll(first, session.version, 204)

    unleased = median_ms(full_way, repeat=50)

    def changed_poll() -> None:
        room_parts.forget()  # nothing rendered before: the whole cost of one page
        poll(first, 0, 200)

    changed = median_ms(changed_poll, repeat=15)

    def reveal_seen_by_all() -> None:
        # Each client polls with the version it had, so every answer is the changed room.
        vote_services.item_reveal(actor=lead, session=session)
        for client in clients:
            poll(client, 0, 200)
        vote_services.item_revote(actor=lead, session=session)  # hidden again for the next run
        room_parts.forget()

    everyone_present()
    reveal = median_ms(reveal_seen_by_all, repeat=5, warmup=1)
    return [
        Figure(
            "planning poll, nothing changed (204 from its lease) vs bare /livez (server)",
            unchanged,
            livez,
        ),
        Figure(
            "planning poll, nothing changed (204 from its lease) vs bare /livez (CPU time)",
            unchanged_cpu,
            livez_cpu,
        ),
        Figure(
            "planning poll, nothing changed (204 from its lease) vs /livez + one bare cache MGET",
            unchanged,
            floor,
        ),
        Figure(
            "planning poll, nothing changed, the full way (no lease) vs bare /livez (server)",
            unleased,
            livez,
        ),
        Figure("planning poll, changed (the whole room) vs unchanged (server)", changed, unchanged),
        Figure(
            f"planning reveal seen by {PARTICIPANTS} clients vs one changed poll (server)",
            reveal,
            changed,
        ),
    ]
