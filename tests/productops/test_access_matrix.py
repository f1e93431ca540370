"""Every URL pattern, for every persona, through the one access gate.

The table below names each URL's expected answer for anonymous, each role and the outsider (an
admin of another workspace). A URL pattern with no entry fails the test, so no page or endpoint
can be added without saying who may reach it.
"""

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from productops import imports, services
from tests.access import (
    Check,
    admin_api,
    admin_page,
    answers,
    api,
    joined,
    page,
    public,
    roles_api,
    roles_page,
    signed_in_only,
)
from tests.conftest import PERSONAS, signed_in
from tests.dashboards import matrix as dashboards_matrix
from tests.factories import PASSWORD
from tests.feedback import matrix as feedback_matrix
from tests.inventory import matrix as inventory_matrix
from tests.planning import matrix as planning_matrix

APP_MATRICES = [feedback_matrix, inventory_matrix, planning_matrix, dashboards_matrix]


NEW = "a-new-horse-battery-staple"  # a password change's new password

PLATFORM: dict[str, list[Check]] = {
    # Accounts
    "login": [Check("GET", answers(200, 302, 302, 302, 302, 302))],
    "logout": [Check("POST", public(302))],
    "password_change": [
        Check("GET", signed_in_only()),
        Check(
            "POST",
            signed_in_only(302),
            {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
        ),
    ],
    "password_change_done": [Check("GET", signed_in_only())],
    "password_reset": [
        Check("GET", public()),
        Check("POST", public(302), {"email": "pm@alpha.test"}),
    ],
    "password_reset_done": [Check("GET", public())],
    "password_reset_confirm": [Check("GET", public())],
    "password_reset_complete": [Check("GET", public())],
    # Outside any workspace
    "home": [Check("GET", signed_in_only(302))],
    "workspace_list": [
        Check("GET", signed_in_only()),
        Check("POST", signed_in_only(302), {"name": "Gamma", "slug": "gamma", "time_zone": "UTC"}),
    ],
    "invitation_accept": [Check("GET", public())],
    "healthz": [Check("GET", public())],
    "livez": [Check("GET", public())],
    "api_schema": [Check("GET", public())],
    "api_docs": [Check("GET", public())],
    # Workspace pages
    "workspace_home": [Check("GET", page())],
    "workspace_settings": [
        Check("GET", admin_page()),
        Check(
            "POST",
            admin_page(302),
            {"name": "Alpha", "currency": "EUR", "time_zone": "UTC", "date_order": "dmy"},
        ),
    ],
    "workspace_logo_upload": [Check("POST", admin_page(400))],  # no file: the page says so
    "workspace_logo_remove": [Check("POST", admin_page(302))],
    "workspace_logo": [Check("GET", page(404))],  # members may see it; this workspace has none
    "member_list": [Check("GET", page())],
    "member_invite": [Check("POST", admin_page(302), {"email": "new@alpha.test", "role": "pm"})],
    "member_role": [Check("POST", admin_page(302), {"role": "ops_lead"})],
    "member_remove": [Check("POST", admin_page(302))],
    "invitation_revoke": [Check("POST", admin_page(302))],
    "token_list": [
        Check("GET", admin_page()),
        Check("POST", admin_page(302), {"name": "Deploys", "scopes": ["read"]}),
    ],
    "token_revoke": [Check("POST", admin_page(302))],
    "audit_log": [Check("GET", admin_page())],
    "palette": [Check("GET", page())],
    "import_list": [Check("GET", roles_page(200, "admin", "ops_lead", "pm"))],
    "import_new": [Check("GET", admin_page())],  # members: only admins invite
    "import_detail": [
        Check("GET", admin_page()),
        Check("POST", admin_page(302), {"map_email": "email", "action": "preview"}),
    ],
    "import_report": [Check("GET", admin_page())],
    # API
    "api_workspace": [Check("GET", api())],
    "api_member_list": [Check("GET", api())],
    "api_member_detail": [
        Check("GET", api()),
        Check("PATCH", admin_api(), {"role": "ops_lead"}),
        Check("DELETE", admin_api(204)),
    ],
    "api_invitation_list": [
        Check("GET", admin_api()),
        Check("POST", admin_api(201), {"email": "new@alpha.test", "role": "pm"}),
    ],
    "api_invitation_detail": [Check("DELETE", admin_api(204))],
    "api_audit_event_list": [Check("GET", admin_api())],
    # Imports (the job is a members import: only admins invite)
    "api_import_list": [Check("GET", roles_api(200, "admin", "ops_lead", "pm"))],
    "api_import_detail": [Check("GET", admin_api())],
    "api_import_start": [Check("POST", admin_api(202), {"mapping": {"email": "email"}})],
    "api_import_report": [Check("GET", admin_api())],
}


MATRIX = joined(PLATFORM, *(app.MATRIX for app in APP_MATRICES))


def url_patterns(resolver: URLResolver | None = None, prefix: str = "") -> list[tuple[str, str]]:
    """(name, route) for every named pattern the resolver can reach."""
    resolver = resolver or get_resolver()
    found = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found.extend(url_patterns(pattern, route))
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"URL pattern {route!r} has no name, so the matrix cannot list it"
            found.append((pattern.name, route))
    return found


def test_every_url_pattern_has_an_entry_in_the_matrix():
    missing = sorted({name for name, _ in url_patterns()} - MATRIX.keys())
    assert not missing, f"URL patterns without an access-matrix entry: {missing}"
    stale = sorted(MATRIX.keys() - {name for name, _ in url_patterns()})
    assert not stale, f"Matrix entries for URLs that no longer exist: {stale}"


# Which app's url_values() fill a URL's parameters: two apps may name theirs alike (`item_id`
# is a feedback item in feedback's URLs, an agenda item in planning's).
APP_OF = {name: app for app in APP_MATRICES for name in app.MATRIX}


@pytest.fixture
def url_values(personas, workspace_a):
    """values(name): a real object of workspace A for each parameter of URL `name`."""
    return url_values_of(personas, workspace_a)


def url_values_of(personas, workspace_a):
    """The url_values fixture's function, for other crawls of every page (tests/e2e)."""
    admin = personas["admin"].actor
    invitation, invitation_token = services.invitation_create(
        actor=admin, email="invitee@alpha.test", role="pm"
    )
    token, _ = services.token_create(actor=admin, name="CI", scopes=["read"])
    job = imports.import_upload(
        actor=admin, kind="members", filename="team.csv", raw=b"email,role\nx@alpha.test,pm\n"
    )
    values = {
        "slug": workspace_a.slug,
        "membership_id": personas["exec"].membership.pk,
        "invitation_id": invitation.pk,
        "token_id": token.pk,
        "job_id": job.pk,
        "kind": "members",
        "token": invitation_token,
        "uidb64": "MQ",
        "reset_token": "set-password",
    }
    own = {app: app.url_values(personas, workspace_a) for app in APP_MATRICES}
    for app_values in own.values():
        values.update(app_values)
    # A URL takes its own app's value where two apps use the same name, any app's otherwise.
    return lambda name: {**values, **own[APP_OF[name]]} if name in APP_OF else values


def concrete(route: str, values: dict) -> str:
    import re

    def fill(match: re.Match) -> str:
        name = match.group(2)
        if name == "token" and "reset" in route:
            return values["reset_token"]
        return str(values[name])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route).lstrip("^").rstrip("$")


# API tokens of workspace A, one per scope. A token is not a session: on a page it is nobody.
TOKEN_PERSONAS = {"intake_token": "intake", "read_token": "read", "write_token": "write"}
# The scope an API call needs: GET reads ("read"), every other method writes ("write"), except:
TOKEN_SCOPE = {
    ("api_feedback_list", "POST"): "intake",
    ("api_account_list", "POST"): "intake",
    # A planning session is a ceremony of people: a token reads it and writes nothing in it,
    # nor reads its own votes (it has none). Capacity plans and action items are writable.
    ("api_planning_session_list", "POST"): None,
    ("api_planning_join", "POST"): None,
    ("api_planning_agenda", "POST"): None,
    ("api_planning_votes", "GET"): None,
    ("api_planning_votes", "POST"): None,
    ("api_planning_reveal", "POST"): None,
    ("api_planning_decisions", "POST"): None,
    # Imports are the import capability's, which tokens hold with the write scope; but the job
    # url_values() makes is a members import, which no token may see or start.
    ("api_import_list", "GET"): "write",
    ("api_import_detail", "GET"): None,
    ("api_import_report", "GET"): None,
    ("api_import_start", "POST"): None,
    # Only signed-in members: people, invitations, a person's own saved views.
    **{
        (name, method): None
        for name, methods in {
            "api_member_detail": ("PATCH", "DELETE"),
            "api_invitation_list": ("GET", "POST"),
            "api_invitation_detail": ("DELETE",),
            "api_saved_view_list": ("GET", "POST"),
            "api_saved_view_detail": ("PATCH", "DELETE"),
        }.items()
        for method in methods
    },
}


def token_expects(name: str, check: Check, scope: str) -> int:
    if check.expect["anonymous"] != 401 or check.expect["admin"] == 401:
        # a page, or an endpoint that asks for no token (the webhook: its signature)
        return check.expect["anonymous"]
    needed = TOKEN_SCOPE.get((name, check.method), "read" if check.method == "GET" else "write")
    return check.expect["admin"] if needed == scope else 403


EVERY_PERSONA = [*PERSONAS, *TOKEN_PERSONAS]
CASES = [(name, index) for name, checks in MATRIX.items() for index in range(len(checks))]


def _client(persona: str, personas) -> tuple[Client, str | None]:
    if persona not in TOKEN_PERSONAS:
        return signed_in(personas[persona]), None
    _, secret = services.token_create(
        actor=personas["admin"].actor, name=persona, scopes=[TOKEN_PERSONAS[persona]]
    )
    return Client(headers={"Authorization": f"Bearer {secret}"}), TOKEN_PERSONAS[persona]


@pytest.mark.parametrize(("name", "index"), CASES)
def test_the_gate_answers_as_the_matrix_says(name, index, personas, url_values):
    """Every persona and token against one URL and method, each request on the same data.

    The objects are made once per URL; each persona's request runs inside a savepoint that is
    rolled back, so a write one persona is allowed (a DELETE) never changes another's answer.
    """
    routes = dict(url_patterns())
    check = MATRIX[name][index]
    values = url_values(name)
    url = concrete(routes[name], values)
    # A form value written "{name}" is the id url_values() made for it (a vote's item, a member).
    data = {
        key: values[value] if isinstance(value, str) and value.startswith("{") else value
        for key, value in check.data.items()
    }
    kwargs = {"data": data, "headers": check.headers}
    if name.startswith("api_") and check.method in ("PATCH", "POST"):
        kwargs["content_type"] = "application/json"
    clients = {persona: _client(persona, personas) for persona in EVERY_PERSONA}

    wrong = {}
    for persona, (client, scope) in clients.items():
        expected = check.expect[persona] if scope is None else token_expects(name, check, scope)
        savepoint = transaction.savepoint_create()
        try:
            status = getattr(client, check.method.lower())(url, **kwargs).status_code
        finally:
            transaction.savepoint_rollback(savepoint)
        if status != expected:
            wrong[persona] = f"{status}, expected {expected}"

    assert not wrong, f"{check.method} {url}: {wrong}"


def _table_fingerprints() -> dict[str, tuple[int, str]]:
    """Each table's row count and, where no GET may touch a row at all, a digest of its rows (so
    an UPDATE shows as well as an INSERT or a DELETE)."""
    fingerprints = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table in UNWATCHED_TABLES or model._meta.proxy:
                continue
            digest = (
                "''" if table in COUNTED_ONLY else "md5(string_agg(t::text, ',' ORDER BY t::text))"
            )
            cursor.execute(
                f"SELECT count(*), coalesce({digest}, '') FROM {connection.ops.quote_name(table)} t"
            )
            fingerprints[table] = cursor.fetchone()
    return fingerprints


# Signing in writes the session row.
UNWATCHED_TABLES = {"django_session"}
# A planning room's poll stamps the viewer's presence (last_seen_at, and the session's version
# when someone comes back): rows there may change on a GET, but none may appear or go.
COUNTED_ONLY = {"planning_participant", "planning_planningsession"}


def test_no_get_of_any_page_or_endpoint_changes_a_row(personas, url_values):
    routes = dict(url_patterns())
    gets = [
        (concrete(routes[name], url_values(name)), check.data, check.headers)
        for name, checks in MATRIX.items()
        for check in checks
        if check.method == "GET"
    ]
    clients = {persona: signed_in(personas[persona]) for persona in PERSONAS}

    answered, changed = 0, []
    for persona, client in clients.items():
        before = _table_fingerprints()
        for url, data, headers in gets:
            answered += client.get(url, data, headers=headers).status_code == 200
        after = _table_fingerprints()
        changed += [f"{table} as {persona}" for table in before if before[table] != after[table]]

    assert not changed, f"GETs changed rows: {changed}"
    assert answered > 100, "the crawl reached too few pages to mean anything"


# Post/redirect/get: a page form's POST that writes answers with a redirect, so reloading the
# page it lands on asks for nothing again (a 200 renders a page at the URL posted to, and a
# reload posts it once more: a second token, a second secret). Only these POSTs write nothing
# and answer with a page: a preview of the message they would send.
PREVIEWS = {"idea_close", "planning_announce"}
# Page URLs that take a POST but have no POST row yet (it needs data this table has no way to
# make); each redirects on success through productops.form_submit or Django's own auth views.
# A new page that takes a POST gets a row with valid data instead of joining this list.
POST_ROWS_MISSING = {
    "contract_create",
    "contract_edit",
    "feedback_import",
    "import_new",
    "invitation_accept",
    "login",
    "password_reset_confirm",
    "planning_announce",
    "planning_edit",
    "public_feedback_form",
}


def test_a_page_form_that_writes_answers_with_a_redirect():
    """Every page POST in the table (valid data, no htmx: a plain form's submit) answers a
    redirect, a refusal or an error, never a page of its own."""
    pages = [
        (name, check)
        for name, checks in MATRIX.items()
        if not name.startswith("api_") and name not in PREVIEWS
        for check in checks
        if check.method == "POST"
    ]
    answered_a_page = sorted(
        name for name, check in pages if any(s == 200 for s in check.expect.values())
    )
    assert not answered_a_page, f"POSTs answering 200 instead of a redirect: {answered_a_page}"
    assert len(pages) > 60


def test_every_page_that_takes_a_post_has_a_post_row(personas, url_values):
    """A page answering a POST (anything but 405) has a POST row in the table, so the test above
    sees its answer; the rows still missing are listed, and that list only shrinks."""
    routes = dict(url_patterns())
    without_row = [
        name
        for name, checks in MATRIX.items()
        if not name.startswith("api_")
        and name != "logout"  # it has its row; signing out would end the client's session
        and not any(check.method == "POST" for check in checks)
    ]
    takes_post = set()
    for name in without_row:
        client = signed_in(personas["admin"])
        savepoint = transaction.savepoint_create()
        try:
            status = client.post(concrete(routes[name], url_values(name))).status_code
        finally:
            transaction.savepoint_rollback(savepoint)
        if status != 405:
            takes_post.add(name)

    assert takes_post - POST_ROWS_MISSING == set(), "give these a POST row with valid data"
    assert POST_ROWS_MISSING - takes_post == set(), "these have a POST row now, or take none"
