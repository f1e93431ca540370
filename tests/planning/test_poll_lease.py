"""The unchanged poll answered from its lease in the cache (planning/poll_lease.py): no query,
and never a 204 the database would not give: after a change of the session, a sign-out, a
password change, a removal, a deactivation, or with Redis down."""

import re
from pathlib import Path

import redis
from django.conf import settings
from django.core.cache import caches
from django.test import Client, RequestFactory
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from planning import poll_lease
from planning.middleware import POLL_PATH
from planning.models import AgendaItem, PlanningSession
from planning.services import live
from planning.services import participants as participant_services
from planning.services import votes as vote_services
from productops import services as platform
from productops.models import Role
from tests.conftest import count_queries_of, signed_in
from tests.planning.planning_data import rice, running_session
from tests.private_redis import app_on

ROOT = Path(__file__).resolve().parents[2]


def _poll_url(session: PlanningSession, slug: str = "alpha") -> str:
    return reverse("planning_poll", args=[slug, session.pk])


def _queries(client: Client, url: str) -> int:
    """The queries of one unchanged poll (a 204), counted as it comes: no warming GET, which
    would grant or use the lease this file is about."""
    return count_queries_of(client, url, status=204, warm=False)[0]


def _leased(
    personas, name: str = "exec", session: PlanningSession | None = None
) -> tuple[PlanningSession, Client, str]:
    """A running session, `name`'s client, and the poll URL of the current version, after the
    full way answered 204 once (which grants the lease)."""
    session = session or running_session(personas)
    client = signed_in(personas[name])
    assert client.get(_poll_url(session) + "?v=0").status_code == 200  # present now
    session.refresh_from_db()
    url = f"{_poll_url(session)}?v={session.version}"
    # The full way: one statement (the browser session is read from its copy in the cache).
    assert _queries(client, url) == 1
    return session, client, url


def test_an_unchanged_poll_answers_204_from_its_lease_without_a_query(personas):
    _session, client, url = _leased(personas)
    assert _queries(client, url) == 0
    assert _queries(client, url) == 0


def test_a_lease_is_never_used_for_another_version_or_workspace(personas):
    session, client, _url = _leased(personas)
    assert client.get(f"{_poll_url(session)}?v={session.version - 1}").status_code == 200
    assert client.get(f"{_poll_url(session, 'bravo')}?v={session.version}").status_code == 404


def test_every_change_to_the_session_ends_the_lease(personas):
    session, client, url = _leased(personas)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    vote_services.vote_cast(
        actor=personas["pm"].actor, session=session, item=item, values=rice("5")
    )
    answer = client.get(url)
    assert answer.status_code == 200 and "room-people" in answer.content.decode()
    session.refresh_from_db()
    url = f"{_poll_url(session)}?v={session.version}"
    assert _queries(client, url) == 1
    live.touch([session.pk])  # a capacity plan or action item shown in the room changed
    assert client.get(url).status_code == 200


def test_a_signed_out_session_gets_no_204_even_replayed(personas):
    _session, client, url = _leased(personas)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.post(reverse("logout")).status_code == 302
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = cookie
    answer = replay.get(url)
    assert answer.status_code == 302 and "/login" in answer["Location"]


def test_a_password_change_ends_every_other_sessions_lease(personas):
    _session, client, url = _leased(personas)
    user = personas["exec"].user
    user.set_password("a new secret for this test")
    user.save(update_fields=["password"])
    answer = client.get(url)
    assert answer.status_code == 302 and "/login" in answer["Location"]


def test_a_lease_belongs_to_one_browser_session(personas):
    _session, _client, url = _leased(personas)
    assert _queries(signed_in(personas["exec"]), url) == 1


def test_a_removed_or_deactivated_member_gets_no_204(personas):
    _session, client, url = _leased(personas)
    platform.membership_remove(
        actor=personas["admin"].actor, membership=personas["exec"].membership
    )
    assert client.get(url).status_code == 404
    _session, lead, url = _leased(personas, "ops_lead", _session)
    personas["ops_lead"].user.is_active = False
    personas["ops_lead"].user.save(update_fields=["is_active"])
    assert lead.get(url).status_code == 302


def test_a_role_change_ends_the_lease(personas):
    _session, client, url = _leased(personas, "pm")
    platform.membership_change_role(
        actor=personas["admin"].actor, membership=personas["pm"].membership, role=Role.EXEC
    )
    assert _queries(client, url) == 1  # asked again, and still allowed to see it


def test_a_lease_ends_before_presence_is_due_to_be_stamped():
    assert poll_lease.LONGEST <= participant_services.PRESENCE_TOUCH


def test_with_redis_down_the_poll_answers_from_the_database_and_never_wrongly(
    personas, private_redis, settings
):
    with app_on(private_redis, settings):
        session, client, url = _leased(personas)
        assert _queries(client, url) == 0
        private_redis.stop()
        try:
            assert _queries(client, url) == 2  # the session's row, one statement
            item = AgendaItem.objects.get(pk=session.current_item_id)
            vote_services.vote_cast(
                actor=personas["pm"].actor, session=session, item=item, values=rice("5")
            )
            assert client.get(url).status_code == 200
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            client.post(reverse("logout"))
            replay = Client()
            replay.cookies[settings.SESSION_COOKIE_NAME] = cookie
            assert replay.get(url).status_code == 302
        finally:
            private_redis.start()
        session.refresh_from_db()
        again = signed_in(personas["exec"])
        url = f"{_poll_url(session)}?v={session.version}"
        assert _queries(again, url) == 1  # a fresh Redis: earned again the full way
        assert _queries(again, url) == 0


# A rise of the version that skipped live.bump / live.touch would leave leases standing.
VERSION_WRITE = re.compile(
    r"PlanningSession\.objects[^\n]*update\([^)]*version|session\.version\s*\+?=",
)


def test_only_the_live_module_raises_a_session_version():
    writers = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "planning").rglob("*.py")
        if path.name != "live.py" and VERSION_WRITE.search(path.read_text())
    ]
    assert writers == []
    assert VERSION_WRITE.search((ROOT / "planning/services/live.py").read_text())


def test_a_lease_earned_while_a_change_commits_does_not_outlive_the_commit(
    personas, django_capture_on_commit_callbacks
):
    """A poll on another connection reads the stamps after the change replaced them at once,
    but the rows before it commits: the replacement on commit ends that lease."""
    session, client, url = _leased(personas)
    version = session.version
    with django_capture_on_commit_callbacks(execute=True):
        live.touch([session.pk])
        request = RequestFactory().get(url)
        request.COOKIES = {
            settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value
        }
        earning = poll_lease.Pending(request, slug="alpha", session_id=session.pk)
        earning.before_session()
        earning.before_user(personas["exec"].user.pk)
        earning.grant(version=version, until=timezone.now() + poll_lease.LONGEST)
        assert poll_lease.holds(request, slug="alpha", session_id=session.pk, seen=version)
    assert not poll_lease.holds(request, slug="alpha", session_id=session.pk, seen=version)
    assert client.get(url).status_code == 200


def test_an_unchanged_poll_is_one_round_trip_to_the_cache(personas, private_redis, settings):
    """The lease and its three stamps in one MGET, counted by the Redis server itself."""
    with app_on(private_redis, settings):
        _session, client, url = _leased(personas)
        server = redis.Redis(port=private_redis.port)
        server.config_resetstat()
        assert _queries(client, url) == 0
        assert _queries(client, url) == 0
        calls = {
            name.removeprefix("cmdstat_"): stats["calls"]
            for name, stats in server.info("commandstats").items()
            if name != "cmdstat_config|resetstat"
        }
        assert calls == {"mget": 2}


def test_a_lease_granted_by_another_process_holds_and_ends_as_ever(personas):
    """This process remembers which user a browser session's lease is for only to name the
    user's stamp in the same read: a lease it knows nothing of (granted by another worker),
    or a hint naming someone else, is checked against the stamps of the lease's own user."""
    _session, client, url = _leased(personas, "pm")
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    poll_lease._users.pop(key)  # as in a worker that did not grant it
    assert _queries(client, url) == 0
    poll_lease._users[key] = personas["exec"].user.pk  # a hint naming another user
    assert _queries(client, url) == 0
    poll_lease._users[key] = personas["exec"].user.pk
    platform.membership_change_role(
        actor=personas["admin"].actor, membership=personas["pm"].membership, role=Role.EXEC
    )
    assert _queries(client, url) == 1  # the full way: its own user's stamp was replaced


def test_the_leased_204_is_the_full_ways_204(personas):
    session, client, url = _leased(personas)
    lease = poll_lease.lease_key(
        client.cookies[settings.SESSION_COOKIE_NAME].value, "alpha", session.pk
    )
    caches["default"].delete(lease)
    full = client.get(url)
    leased = client.get(url)
    assert full.status_code == leased.status_code == 204
    assert leased.content == full.content == b""
    without_date = {name: value for name, value in full.headers.items() if name != "Expires"}
    assert {n: v for n, v in leased.headers.items() if n != "Expires"} == without_date
    assert "no-store" in leased["Cache-Control"] and "Expires" in leased.headers


def test_a_leased_poll_still_checks_the_host_and_the_method(personas):
    _session, client, url = _leased(personas)
    assert client.get(url, headers={"host": "elsewhere.example"}).status_code == 400
    assert client.head(url).status_code == 405  # the view's require_GET
    assert _queries(client, url) == 0


def test_the_middlewares_poll_path_is_the_url_confs():
    for slug, session_id in [("alpha", 1), ("a-b_c9", 1234567)]:
        path = reverse("planning_poll", args=[slug, session_id])
        match = POLL_PATH.fullmatch(path)
        assert match and match["slug"] == slug and int(match["session_id"]) == session_id
        assert resolve(path).url_name == "planning_poll"
    for path in [
        "/w/alpha/planning/1/poll/x/",
        "/w/alpha/planning/x/poll/",
        "/w/al.pha/planning/1/poll/",
        "/w/alpha/planning/1/poll",
        "/x/w/alpha/planning/1/poll/",
    ]:
        assert POLL_PATH.fullmatch(path) is None
        assert _view_name(path) != "planning_poll"


def _view_name(path: str) -> str | None:
    try:
        return resolve(path).url_name
    except Resolver404:
        return None
