"""Pages sign members in from the cache (productops/session_store.py, productops/signed_in.py):
no session, user or membership query once a copy is kept, and never a page the database would
not give: after a sign-out, a password change, a deactivation, a removal, a role change, a
rename of the workspace, or with Redis down. Real Redis (the shared one, and a private one
stopped mid-test)."""

import logging
import pickle

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from productops import services as platform
from productops import session_store
from productops import signed_in as signed_in_module
from productops.models import Role
from productops.session_store import SessionStore
from tests.conftest import signed_in
from tests.private_redis import app_on

INBOX = "/w/alpha/feedback/"
NEW_FEEDBACK = "/w/alpha/feedback/new/"  # makers only: an exec is refused (403)


def _signs_in(sql: str) -> bool:
    """A read of the session's row, or of a user's or membership's rows as such (not a join
    of another list: saved views' owners, the pickers' assignees)."""
    return 'FROM "django_session"' in sql or sql.startswith(
        ('SELECT "productops_user"."id"', 'SELECT "productops_membership"."id"')
    )


def _sign_in_reads(client: Client, url: str, status: int = 200) -> list[str]:
    """The queries of one GET that read the session, a user or a membership."""
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(url)
    assert answer.status_code == status, (url, answer.status_code)
    return [q["sql"] for q in captured if _signs_in(q["sql"])]


def _warm(client: Client, url: str = INBOX) -> None:
    """One page the full way (which keeps the copy); the next one reads nothing to sign in."""
    assert client.get(url).status_code == 200
    assert _sign_in_reads(client, url) == []


def test_a_members_next_page_reads_no_session_user_or_membership_row(personas):
    client = signed_in(personas["pm"])
    assert len(_sign_in_reads(client, INBOX)) >= 2  # the first: user and membership rows
    assert _sign_in_reads(client, INBOX) == []
    answer = client.get(INBOX)
    page = answer.content.decode()
    assert answer.wsgi_request.user.pk == personas["pm"].user.pk
    assert personas["pm"].user.display_name in page and "Alpha Inc" in page
    assert "Bravo Ltd" not in page  # the switcher lists the pm's own workspaces only


def test_a_role_change_takes_effect_on_the_next_page(personas):
    client = signed_in(personas["pm"])
    _warm(client, NEW_FEEDBACK)
    platform.membership_change_role(
        actor=personas["admin"].actor, membership=personas["pm"].membership, role=Role.EXEC
    )
    assert client.get(NEW_FEEDBACK).status_code == 403
    assert "Exec" in client.get(INBOX).content.decode()


def test_a_removed_member_is_refused_on_the_next_page(personas):
    client = signed_in(personas["pm"])
    _warm(client)
    platform.membership_remove(actor=personas["admin"].actor, membership=personas["pm"].membership)
    assert client.get(INBOX).status_code == 404


def test_a_deactivated_user_is_signed_out_on_the_next_page(personas):
    client = signed_in(personas["pm"])
    _warm(client)
    personas["pm"].user.is_active = False
    personas["pm"].user.save(update_fields=["is_active"])
    answer = client.get(INBOX)
    assert answer.status_code == 302 and "/login" in answer["Location"]


def test_a_password_change_signs_out_every_other_session(personas):
    client = signed_in(personas["pm"])
    _warm(client)
    user = personas["pm"].user
    user.set_password("a new secret for this test")
    user.save(update_fields=["password"])
    answer = client.get(INBOX)
    assert answer.status_code == 302 and "/login" in answer["Location"]


def test_a_signed_out_session_is_refused_even_replayed(personas):
    client = signed_in(personas["pm"])
    _warm(client)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.post(reverse("logout")).status_code == 302
    assert caches["default"].get(SessionStore.cache_key_prefix + cookie) is None
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = cookie
    answer = replay.get(INBOX)
    assert answer.status_code == 302 and "/login" in answer["Location"]


def test_a_renamed_workspace_shows_its_new_name_on_the_next_page(personas):
    client = signed_in(personas["pm"])
    _warm(client)
    platform.workspace_update(actor=personas["admin"].actor, name="Alpha Renamed", currency="EUR")
    assert "Alpha Renamed" in client.get(INBOX).content.decode()


def test_the_copy_is_for_one_workspace_and_one_user(personas):
    client = signed_in(personas["outsider"])
    _warm(client, "/w/bravo/feedback/")
    assert client.get(INBOX).status_code == 404  # a copy for bravo says nothing of alpha
    assert signed_in(personas["exec"]).get(NEW_FEEDBACK).status_code == 403


def test_the_cache_never_holds_a_password_hash(personas):
    client = signed_in(personas["pm"])
    _warm(client)
    user = personas["pm"].user
    user.refresh_from_db()
    raw = caches["default"].get(signed_in_module._kept_key(user.pk, "alpha"))
    assert isinstance(raw, signed_in_module.KeptMember)
    assert "password" not in raw.membership.user.__dict__
    assert user.password.encode() not in pickle.dumps(raw)
    # A view that asks for it still gets it, from the database.
    assert raw.membership.user.password == user.password


def test_with_redis_down_pages_sign_in_from_the_database_and_never_wrongly(
    personas, private_redis, settings
):
    with app_on(private_redis, settings):
        client = signed_in(personas["pm"])
        _warm(client)
        private_redis.stop()
        try:
            assert len(_sign_in_reads(client, INBOX)) >= 3  # session, user, membership
            platform.membership_change_role(
                actor=personas["admin"].actor, membership=personas["pm"].membership, role=Role.EXEC
            )
            assert client.get(NEW_FEEDBACK).status_code == 403
        finally:
            private_redis.start()
        # A fresh Redis: nothing kept survived, the copy is earned again the full way.
        assert client.get(NEW_FEEDBACK).status_code == 403
        assert client.get(INBOX).status_code == 200
        assert _sign_in_reads(client, INBOX) == []


API_LIST = "/api/v1/w/alpha/feedback/"


def test_the_api_signs_a_session_in_from_the_cache_too_and_never_wrongly(personas):
    client = signed_in(personas["pm"])
    assert client.get(API_LIST).status_code == 200
    assert _sign_in_reads(client, API_LIST) == []
    platform.membership_change_role(
        actor=personas["admin"].actor, membership=personas["pm"].membership, role=Role.EXEC
    )
    refused = client.post(API_LIST, {"body": "x"}, content_type="application/json")
    assert refused.status_code == 403  # an exec submits no feedback
    platform.membership_remove(actor=personas["admin"].actor, membership=personas["pm"].membership)
    assert client.get(API_LIST).status_code == 404


def test_the_api_still_refuses_a_session_write_without_its_csrf_token(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["pm"].user)
    assert client.get(API_LIST).status_code == 200  # the sign-in is kept now
    answer = client.post(API_LIST, {"body": "No token"}, content_type="application/json")
    assert answer.status_code == 403 and "CSRF" in answer.content.decode()


# Nothing listens on port 1: every call to this cache fails at once with "connection refused".
UNREACHABLE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    },
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}


def test_with_the_cache_down_pages_answer_and_the_session_store_says_so_once(
    personas, caplog, monkeypatch
):
    monkeypatch.setattr(session_store.CACHE_DOWN, "last_logged", None)  # as in a fresh process
    with override_settings(CACHES=UNREACHABLE), caplog.at_level(logging.WARNING):
        client = signed_in(personas["pm"])
        for _ in range(5):
            assert client.get(INBOX).status_code == 200
    said = [r.getMessage() for r in caplog.records if r.name == "productops.session_store"]
    assert said == ["The cache is unreachable; sessions are read from the database."]
