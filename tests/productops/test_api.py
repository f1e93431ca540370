"""The platform API as an integrator meets it: tokens, the error shape, the audit log, limits."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.db import DatabaseError, transaction
from django.test import Client

from feedback.models import Tag
from productops import api_urls, services
from productops.audit import audit
from productops.models import AuditEvent, Invitation, Membership, Role
from productops.validation import ID
from tests.conftest import signed_in
from tests.factories import MembershipFactory

API = "/api/v1/w/alpha"


def bearer(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def error_of(response, status: int, code: str | None = None) -> dict:
    """The body's `error`, after checking it has the one shape every API error has."""
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert list(body) == ["error"], body
    error = body["error"]
    assert set(error) <= {"status", "code", "message", "fields"}, error
    assert error["status"] == status == response.status_code
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code
    return error


@pytest.fixture
def read_token(admin):
    return services.token_create(actor=admin.actor, name="BI export", scopes=["read"])


# Bearer tokens


def test_a_read_token_lists_the_members_and_the_audit_log(read_token):
    _, secret = read_token
    client = bearer(secret)

    members = client.get(f"{API}/members/")
    assert members.status_code == 200
    assert {m["email"] for m in members.json()["results"]} == {
        "admin@alpha.test",
        "ops_lead@alpha.test",
        "pm@alpha.test",
        "exec@alpha.test",
    }

    events = client.get(f"{API}/audit-events/")
    assert events.status_code == 200
    verbs = [e["verb"] for e in events.json()["results"]]
    # Newest first: the token, after what the workspace was set up with.
    assert verbs[0] == "token.created"
    assert set(verbs[1:]) == {"idea_status.created"}


@pytest.mark.parametrize("scopes", [["intake"], ["write"], ["intake", "write"]])
@pytest.mark.parametrize("path", ["/", "/members/", "/audit-events/"])
def test_a_token_without_the_read_scope_gets_403_on_reads(admin, scopes, path):
    _, secret = services.token_create(actor=admin.actor, name="Intake", scopes=scopes)

    response = bearer(secret).get(f"{API}{path}")

    error_of(response, 403, "permission_denied")


def test_a_token_of_another_workspace_gets_404(outsider):
    _, secret = services.token_create(actor=outsider.actor, name="Bravo BI", scopes=["read"])

    assert bearer(secret).get("/api/v1/w/bravo/members/").status_code == 200
    response = bearer(secret).get(f"{API}/members/")

    error_of(response, 404, "not_found")
    assert "alpha.test" not in response.content.decode()


def test_a_revoked_token_gets_401(admin, read_token):
    token, secret = read_token
    services.token_revoke(actor=admin.actor, token=token)

    response = bearer(secret).get(f"{API}/members/")

    error = error_of(response, 401, "authentication_failed")
    assert "revoked" in error["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "credential",
    [
        "not-a-token",
        "po_",
        "po_deadbeef_",
        "po_deadbeef_thisSecretWasNeverIssued",
    ],
)
def test_a_malformed_or_unknown_token_gets_401(db, workspace_a, credential):
    response = bearer(credential).get(f"{API}/members/")

    error_of(response, 401, "authentication_failed")


def test_a_known_prefix_with_the_wrong_secret_gets_401(read_token):
    token, _ = read_token

    response = bearer(f"po_{token.prefix}_{'x' * 43}").get(f"{API}/members/")

    error_of(response, 401, "authentication_failed")


@pytest.mark.parametrize("scopes", [["read", "write"], ["intake", "read", "write"]])
def test_a_token_cannot_manage_members_even_with_write_scope(admin, exec_, scopes):
    _, secret = services.token_create(actor=admin.actor, name="Sync", scopes=scopes)
    client = bearer(secret)
    url = f"{API}/members/{exec_.membership.pk}/"

    patched = client.patch(url, {"role": "admin"}, content_type="application/json")
    deleted = client.delete(url)

    error_of(patched, 403, "permission_denied")
    error_of(deleted, 403, "permission_denied")
    assert Membership.objects.get(pk=exec_.membership.pk).role == Role.EXEC


def test_a_token_cannot_invite_even_with_write_scope(admin):
    _, secret = services.token_create(actor=admin.actor, name="Sync", scopes=["read", "write"])

    response = bearer(secret).post(
        f"{API}/invitations/",
        {"email": "new@alpha.test", "role": "admin"},
        content_type="application/json",
    )

    error_of(response, 403, "permission_denied")
    assert not Invitation.objects.exists()


def test_a_call_records_when_the_token_was_last_used(read_token):
    token, secret = read_token
    assert token.last_used_at is None

    assert bearer(secret).get(f"{API}/").status_code == 200

    token.refresh_from_db()
    assert token.last_used_at is not None


# The one error shape


def test_a_bad_invitation_gets_400_with_a_message_per_field(admin):
    response = signed_in(admin).post(
        f"{API}/invitations/",
        {"email": "not-an-email", "role": "wizard"},
        content_type="application/json",
    )

    error = error_of(response, 400, "invalid")
    assert set(error["fields"]) == {"email", "role"}
    assert "valid email" in error["fields"]["email"][0]
    assert "wizard" in error["fields"]["role"][0]
    assert not Invitation.objects.exists()


def test_inviting_a_member_gets_400_naming_the_email_field(admin, pm):
    response = signed_in(admin).post(
        f"{API}/invitations/",
        {"email": "PM@alpha.test", "role": "pm"},
        content_type="application/json",
    )

    error = error_of(response, 400, "invalid")
    assert error["fields"] == {"email": ["This person is already a member."]}


def test_an_anonymous_call_gets_401(db, workspace_a):
    response = Client().get(f"{API}/members/")

    error_of(response, 401, "not_authenticated")


def test_a_pm_changing_a_role_gets_403(pm, exec_):
    response = signed_in(pm).patch(
        f"{API}/members/{exec_.membership.pk}/", {"role": "admin"}, content_type="application/json"
    )

    error_of(response, 403, "permission_denied")
    assert Membership.objects.get(pk=exec_.membership.pk).role == Role.EXEC


def test_an_unknown_workspace_gets_404(admin):
    response = signed_in(admin).get("/api/v1/w/no-such-workspace/members/")

    error_of(response, 404, "not_found")


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize(
    "path",
    [
        f"{API}/metrics/nosuch/",
        f"{API}/no-such-thing/",
        "/api/v1/",
        "/api/nothing",
        "/api/v2/w/alpha/members/",
    ],
)
def test_a_path_no_api_route_matches_gets_the_json_404(admin, settings, debug, path):
    # Under DEBUG, Django answered its HTML debug page (handler404 is not used there).
    settings.DEBUG = debug

    response = signed_in(admin).get(path)

    assert response["Content-Type"] == "application/json"
    error_of(response, 404, "not_found")


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize(
    ("who", "method", "path", "status", "code"),
    [
        ("admin", "get", "/api/v1/w/no-such-workspace/members/", 404, "not_found"),  # DRF
        ("admin", "get", "/api/nothing/", 404, "not_found"),  # no route: the catch-all
        ("admin", "get", f"{API}/members", 404, "not_found"),  # only lacks its slash
        ("admin", "get", f"{API}/members/?q=%00", 400, "nul_character"),  # the request edge
        ("admin", "form", f"{API}/tags/", 415, "unsupported_media_type"),
        ("admin", "multipart", f"{API}/tags/", 415, "unsupported_media_type"),
        ("admin", "delete", f"{API}/tags/", 405, "method_not_allowed"),
        ("nobody", "get", f"{API}/members/", 401, "not_authenticated"),
    ],
)
def test_every_api_error_is_rendered_alike_whoever_answers_it(
    admin, settings, debug, who, method, path, status, code
):
    # The catch-all 404 wrote JsonResponse's `{"error": {"status": 404, ...}}` where DRF's
    # errors read `{"error":{"status":404,...}}`: the same shape, different bytes.
    settings.DEBUG = debug
    client = signed_in(admin) if who == "admin" else Client()
    if method == "multipart":  # was a 400 "name: This field is required." (the body unread)
        response = client.post(path, {"name": "Form"})
    elif method == "form":
        response = client.post(path, "name=Form", content_type="application/x-www-form-urlencoded")
    else:
        response = getattr(client, method)(path)

    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert list(response.json()) == ["error"]
    assert (error["status"], error["code"]) == (status, code)
    assert isinstance(error["message"], str) and error["message"]
    rendered = json.dumps(response.json(), ensure_ascii=False, separators=(",", ":"))
    assert response.content == rendered.encode()


def test_a_page_path_no_route_matches_still_gets_the_html_404(admin, settings):
    settings.DEBUG = False

    response = signed_in(admin).get("/w/alpha/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("debug", [True, False])
def test_an_api_get_without_its_trailing_slash_gets_a_json_404_naming_the_url(
    read_token, settings, debug
):
    # Django's APPEND_SLASH answered a 301 (an HTML body) to the slashed URL.
    settings.DEBUG = debug

    response = bearer(read_token[1]).get(f"{API}/members?limit=2")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "Location" not in response
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert error["with_slash"] == f"{API}/members/?limit=2"
    assert f"{API}/members/?limit=2" in error["message"]


@pytest.mark.parametrize("debug", [True, False])
def test_an_api_post_without_its_trailing_slash_is_refused_not_redirected(admin, settings, debug):
    # The 301 dropped the body (a client following it sent a GET); under DEBUG Django raised.
    settings.DEBUG = debug
    _, secret = services.token_create(actor=admin.actor, name="CRM", scopes=["write"])

    response = bearer(secret).post(
        f"{API}/tags", {"name": "Slashless"}, content_type="application/json"
    )

    assert response.status_code == 404
    assert "Location" not in response
    assert response.json()["error"]["with_slash"] == f"{API}/tags/"
    assert not Tag.objects.filter(name="Slashless").exists()
    created = bearer(secret).post(
        f"{API}/tags/", {"name": "Slashless"}, content_type="application/json"
    )
    assert created.status_code == 201


def test_a_page_without_its_trailing_slash_is_still_redirected(admin):
    response = signed_in(admin).get("/w/alpha/ideas")

    assert response.status_code == 301
    assert response["Location"] == "/w/alpha/ideas/"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/members/{member}/"),
        ("patch", "/members/{member}/"),
        ("delete", "/members/{member}/"),
        ("delete", "/invitations/{invitation}/"),
    ],
)
@pytest.mark.parametrize("whose", ["nobody", "another workspace"])
def test_an_id_that_is_not_in_the_workspace_gets_404(admin, outsider, method, path, whose):
    if whose == "nobody":
        member, invitation = 999_999_999, 999_999_999
    else:
        member = outsider.membership.pk
        invitation, _ = services.invitation_create(
            actor=outsider.actor, email="guest@bravo.test", role="pm"
        )
        invitation = invitation.pk
    client = signed_in(admin)
    client.raise_request_exception = False

    url = API + path.format(member=member, invitation=invitation)
    if method == "patch":
        response = client.patch(url, {"role": "pm"}, content_type="application/json")
    else:
        response = getattr(client, method)(url)

    error_of(response, 404, "not_found")
    assert Membership.objects.get(pk=outsider.membership.pk).role == Role.ADMIN


@pytest.mark.parametrize("method", ["put", "post", "delete"])
def test_a_method_the_members_list_does_not_take_gets_405(admin, method):
    response = getattr(signed_in(admin), method)(
        f"{API}/members/", {}, content_type="application/json"
    )

    error_of(response, 405, "method_not_allowed")


# The last admin


def test_demoting_the_only_admin_gets_400_naming_the_role_field(admin):
    response = signed_in(admin).patch(
        f"{API}/members/{admin.membership.pk}/", {"role": "pm"}, content_type="application/json"
    )

    error = error_of(response, 400, "invalid")
    assert list(error["fields"]) == ["role"]
    assert "last admin" in error["fields"]["role"][0]
    assert Membership.objects.get(pk=admin.membership.pk).role == Role.ADMIN
    assert not AuditEvent.objects.filter(verb="member.role_changed").exists()


def test_removing_the_only_admin_gets_400(admin):
    response = signed_in(admin).delete(f"{API}/members/{admin.membership.pk}/")

    error = error_of(response, 400, "invalid")
    assert "last admin" in error["message"]
    assert Membership.objects.filter(pk=admin.membership.pk, role=Role.ADMIN).exists()
    assert not AuditEvent.objects.filter(verb="member.removed").exists()


def test_with_two_admins_one_can_be_demoted_and_the_audit_log_says_so(admin, ops_lead):
    promoted = signed_in(admin).patch(
        f"{API}/members/{ops_lead.membership.pk}/",
        {"role": "admin"},
        content_type="application/json",
    )
    assert promoted.status_code == 200

    demoted = signed_in(admin).patch(
        f"{API}/members/{admin.membership.pk}/", {"role": "pm"}, content_type="application/json"
    )

    assert demoted.status_code == 200
    assert demoted.json()["role"] == "pm"
    assert Membership.objects.get(pk=admin.membership.pk).role == Role.PM
    log = signed_in(ops_lead).get(f"{API}/audit-events/", {"verb": "member.role_changed"})
    changes = [
        (e["object_id"], e["before"], e["after"], e["actor_label"]) for e in log.json()["results"]
    ]
    assert changes == [
        (str(admin.membership.pk), {"role": "admin"}, {"role": "pm"}, admin.user.display_name),
        (
            str(ops_lead.membership.pk),
            {"role": "ops_lead"},
            {"role": "admin"},
            admin.user.display_name,
        ),
    ]


def test_with_two_admins_one_can_be_removed(admin, ops_lead):
    services.membership_change_role(actor=admin.actor, membership=ops_lead.membership, role="admin")

    response = signed_in(ops_lead).delete(f"{API}/members/{admin.membership.pk}/")

    assert response.status_code == 204
    assert not Membership.objects.filter(pk=admin.membership.pk).exists()
    removed = AuditEvent.objects.get(verb="member.removed")
    assert removed.before == {"email": "admin@alpha.test", "role": "admin"}


# The audit log


def _invite(admin, *emails: str) -> list[int]:
    """Invites each address in turn; returns the ids of the audit events, oldest first."""
    for email in emails:
        services.invitation_create(actor=admin.actor, email=email, role="pm")
    return list(
        AuditEvent.objects.filter(verb="invitation.created")
        .order_by("id")
        .values_list("id", flat=True)
    )


def test_the_audit_log_filters_by_verb(admin, exec_):
    invited = _invite(admin, "one@alpha.test", "two@alpha.test")
    services.membership_change_role(actor=admin.actor, membership=exec_.membership, role="pm")
    services.token_create(actor=admin.actor, name="CI", scopes=["read"])

    response = signed_in(admin).get(f"{API}/audit-events/", {"verb": "invitation.created"})

    assert response.status_code == 200
    results = response.json()["results"]
    assert {e["verb"] for e in results} == {"invitation.created"}
    assert sorted(e["id"] for e in results) == invited


def test_the_audit_log_lists_the_newest_event_first(admin):
    invited = _invite(admin, *(f"p{n}@alpha.test" for n in range(5)))

    # The verb filter leaves out what the workspace was set up with.
    results = (
        signed_in(admin)
        .get(f"{API}/audit-events/", {"verb": "invitation.created"})
        .json()["results"]
    )

    assert [e["id"] for e in results] == invited[::-1]
    stamps = [e["created_at"] for e in results]
    assert stamps == sorted(stamps, reverse=True)
    assert results[0]["after"]["email"] == "p4@alpha.test"


def test_the_audit_log_pages_by_cursor_without_overlap(admin):
    invited = _invite(admin, *(f"p{n}@alpha.test" for n in range(7)))
    client = signed_in(admin)

    pages = []
    url, params = f"{API}/audit-events/", {"limit": 3, "verb": "invitation.created"}
    while url:
        body = client.get(url, params).json()
        pages.append([e["id"] for e in body["results"]])
        url, params = body["next"], None
        assert len(pages) < 10, "the cursor never ends"

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [event for page in pages for event in page] == invited[::-1]


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_no_api_call_changes_or_deletes_audit_events(admin, method):
    _invite(admin, "one@alpha.test")
    before = list(AuditEvent.objects.values())

    response = getattr(signed_in(admin), method)(
        f"{API}/audit-events/", {"verb": "tampered"}, content_type="application/json"
    )

    error_of(response, 405, "method_not_allowed")
    assert list(AuditEvent.objects.values()) == before


def test_the_database_refuses_to_update_an_audit_event(admin):
    _invite(admin, "one@alpha.test")
    event = AuditEvent.objects.get(verb="invitation.created")

    with pytest.raises(DatabaseError, match="cannot be changed or deleted"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(verb="tampered")

    assert AuditEvent.objects.get(pk=event.pk).verb == "invitation.created"


def test_the_database_refuses_to_delete_an_audit_event(admin):
    _invite(admin, "one@alpha.test")
    kept = AuditEvent.objects.count()

    with pytest.raises(DatabaseError, match="cannot be changed or deleted"), transaction.atomic():
        AuditEvent.objects.filter(workspace=admin.membership.workspace).delete()

    assert AuditEvent.objects.count() == kept
    assert AuditEvent.objects.filter(verb="invitation.created").exists()


# Query counts


def test_listing_members_runs_the_same_queries_for_4_and_60_members(
    admin, workspace_a, count_queries
):
    client = signed_in(admin)
    url = f"{API}/members/?limit=100"

    few, response = count_queries(client, url)
    body = response.json()
    assert len(body["results"]) == 4
    MembershipFactory.create_batch(56, workspace=workspace_a, role=Role.EXEC)
    many, response = count_queries(client, url)
    body = response.json()
    assert len(body["results"]) == 60

    assert many == few


def test_listing_audit_events_runs_the_same_queries_for_3_and_60_events(
    admin, workspace_a, count_queries
):
    client = signed_in(admin)
    url = f"{API}/audit-events/?limit=100&verb=workspace.updated"
    actor = admin.actor

    for _ in range(3):
        audit(actor, "workspace.updated", workspace_a, before={"n": 0}, after={"n": 1})
    few, response = count_queries(client, url)
    body = response.json()
    assert len(body["results"]) == 3
    for _ in range(57):
        audit(actor, "workspace.updated", workspace_a, before={"n": 0}, after={"n": 1})
    many, response = count_queries(client, url)
    body = response.json()
    assert len(body["results"]) == 60

    assert many == few


# Limits


def test_the_fourth_call_in_a_minute_gets_429_with_retry_after(settings, read_token):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    _, secret = read_token
    client = bearer(secret)

    statuses = [client.get(f"{API}/members/").status_code for _ in range(3)]
    response = client.get(f"{API}/members/")

    assert statuses == [200, 200, 200]
    error_of(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60


def test_a_body_over_the_size_limit_gets_413(settings, admin):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"email": "big@alpha.test", "role": "pm", "note": "x" * 2048})

    response = signed_in(admin).post(f"{API}/invitations/", body, content_type="application/json")

    error_of(response, 413, "too_large")
    assert not Invitation.objects.exists()


# The OpenAPI schema and its docs


def _api_routes() -> dict[str, set[str]]:
    """Every path productops/api_urls.py defines, in OpenAPI form, with the methods it takes."""
    routes = {}
    for pattern in api_urls.urlpatterns:
        route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        methods = {method.lower() for method in pattern.callback.view_class.capabilities}
        routes["/api/v1/w/{slug}/" + route] = methods
    return routes


@pytest.fixture
def schema(db) -> dict:
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_schema_lists_every_api_path_with_its_methods(schema):
    expected = _api_routes()
    documented = {
        path: {method for method in operations if method != "parameters"}
        for path, operations in schema["paths"].items()
        if path in expected
    }

    assert documented == expected


def test_every_integer_parameter_in_the_schema_says_its_bounds(schema):
    # `source=0` was a 400 that schemathesis called a schema violation: ids lacked minimum 1.
    unbounded, ids = [], {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                kind = parameter.get("schema", {})
                if kind.get("type") != "integer" or "enum" in kind:
                    continue
                if "minimum" not in kind or "maximum" not in kind:
                    unbounded.append(f"{method} {path} {parameter['name']}")
                if parameter["name"].endswith("_id") or parameter["name"] == "source":
                    ids[parameter["name"]] = (kind["minimum"], kind["maximum"])

    assert unbounded == []
    assert ids["source"] == ids["item_id"] == ids["membership_id"] == (1, ID.max_value)
    assert set(ids.values()) == {(1, ID.max_value)}


def test_the_schema_declares_bearer_tokens_on_every_operation(schema):
    assert schema["components"]["securitySchemes"]["bearerToken"]["type"] == "http"
    assert schema["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    for path in _api_routes():
        for method, operation in schema["paths"][path].items():
            assert {"bearerToken": []} in operation["security"], f"{method} {path}"


def test_the_schema_declares_the_browser_session_on_every_operation(schema):
    assert schema["components"]["securitySchemes"]["cookieAuth"]["in"] == "cookie"
    for path in _api_routes():
        for method, operation in schema["paths"][path].items():
            assert {"cookieAuth": []} in operation["security"], f"{method} {path}"


def test_the_schema_describes_list_endpoints_as_pages_of_rows(schema):
    lists = {
        "/api/v1/w/{slug}/members/": "MemberOut",
        "/api/v1/w/{slug}/invitations/": "InvitationOut",
        "/api/v1/w/{slug}/audit-events/": "AuditEventOut",
    }
    for path, row in lists.items():
        operation = schema["paths"][path]["get"]
        assert {"cursor", "limit"} <= {p["name"] for p in operation["parameters"]}, path
        page = operation["responses"]["200"]["content"]["application/json"]["schema"]
        if "$ref" in page:
            page = schema["components"]["schemas"][page["$ref"].rsplit("/", 1)[-1]]
        assert page["properties"]["results"]["type"] == "array", path
        assert page["properties"]["results"]["items"] == {"$ref": f"#/components/schemas/{row}"}
        assert "next" in page["properties"], path
    audit_params = {
        p["name"] for p in schema["paths"]["/api/v1/w/{slug}/audit-events/"]["get"]["parameters"]
    }
    assert {"verb", "object_type", "since", "until"} <= audit_params


def test_the_api_docs_load_only_local_static_files(db):
    response = Client().get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "swagger-ui" in html
    urls = re.findall(r"""<(?:script|link)\b[^>]*?\b(?:src|href)=["']([^"']+)["']""", html)
    assert urls, "the docs page loads no script or stylesheet"
    assert not [url for url in urls if re.match(r"(?:[a-z]+:)?//", url)], urls
    for url in urls:
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), f"{url} is not a static file"
        else:
            assert url.startswith("/api/docs/"), url
    script = Client().get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert not re.search(r"https?://", script.content.decode())
