import re

import pytest
from django.test import Client

from productops import services
from productops.models import ApiToken, AuditEvent, Membership, OutboundEmail, Role
from tests.conftest import signed_in
from tests.factories import PASSWORD, MembershipFactory, UserFactory


def sign_in(client: Client, email: str, password: str):
    return client.post("/accounts/login/", {"username": email, "password": password})


def test_a_member_signs_in_with_email_and_password_and_lands_in_their_workspace(personas):
    client = Client()
    response = sign_in(client, "pm@alpha.test", PASSWORD)
    assert response.status_code == 302
    response = client.get(response["Location"], follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/w/alpha/"
    assert b"Alpha Inc" in response.content


def test_a_wrong_password_is_refused_with_a_message(personas):
    response = sign_in(Client(), "pm@alpha.test", "not-the-password")
    assert response.status_code == 200
    assert b"correct email and password" in response.content.replace(b"\n", b" ")


def test_failed_sign_ins_are_rate_limited_even_with_the_right_password(personas, settings):
    settings.SIGN_IN_FAILURES_ALLOWED = 3
    client = Client()
    for _ in range(3):
        assert sign_in(client, "pm@alpha.test", "wrong").status_code == 200
    response = sign_in(client, "pm@alpha.test", PASSWORD)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in client.session


def test_sign_out_ends_the_session(personas):
    client = signed_in(personas["pm"])
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/w/alpha/").status_code == 302


def test_a_member_changes_their_password(personas):
    client = Client()
    sign_in(client, "pm@alpha.test", PASSWORD)
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-better-passphrase",
            "new_password2": "a-much-better-passphrase",
        },
    )
    assert response.status_code == 302
    assert sign_in(Client(), "pm@alpha.test", "a-much-better-passphrase").status_code == 302


def test_a_forgotten_password_is_reset_through_the_emailed_link(personas, mailoutbox):
    response = Client().post("/accounts/password/reset/", {"email": "pm@alpha.test"})
    assert response.status_code == 302
    queued = OutboundEmail.objects.get(to="pm@alpha.test")
    services.email_send(email_id=queued.pk)
    body = mailoutbox[0].body
    link = re.search(r"http://[^/]+(/accounts/password/reset/\S+/)", body).group(1)
    client = Client()
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(
        form_url,
        {
            "new_password1": "fresh-start-passphrase",
            "new_password2": "fresh-start-passphrase",
        },
    )
    assert response.status_code == 302
    assert sign_in(Client(), "pm@alpha.test", "fresh-start-passphrase").status_code == 302
    assert Client().get(link, follow=True).context["validlink"] is False


def test_every_page_carries_a_strict_content_security_policy(personas):
    client = signed_in(personas["admin"])
    for url in [
        "/accounts/login/",
        "/w/alpha/",
        "/w/alpha/members/",
        "/w/alpha/audit/",
        "/w/alpha/tokens/",
        "/api/docs/",
        "/w/nope/",
    ]:
        policy = client.get(url)["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
        assert re.search(r"script-src 'self'( 'nonce-[\w+/=-]+')?;", policy), url
        assert "style-src 'self'" in policy, url
        assert "frame-ancestors 'none'" in policy, url


def test_pages_have_no_inline_script_or_style(personas):
    client = signed_in(personas["admin"])
    for url in ["/w/alpha/", "/w/alpha/members/", "/w/alpha/audit/", "/w/alpha/tokens/"]:
        html = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert " style=" not in html and "<style" not in html, url
        assert re.search(r" on[a-z]+=", html) is None, url


def test_htmx_requests_carry_the_csrf_token_in_hx_headers(personas):
    html = signed_in(personas["pm"]).get("/w/alpha/").content.decode()
    assert re.search(r"<body hx-headers='\{&quot;X-CSRFToken&quot;: &quot;\w+", html) or re.search(
        r"<body hx-headers='\{\"X-CSRFToken\": \"\w+", html
    )
    assert "/static/django_htmx/htmx-2.min.js" in html


def test_the_shell_shows_the_member_role_switcher_and_only_allowed_areas(personas, workspace_b):
    MembershipFactory(workspace=workspace_b, user=personas["pm"].user, role=Role.EXEC)
    html = signed_in(personas["pm"]).get("/w/alpha/").content.decode()
    assert "Bravo Ltd" in html  # the workspace switcher
    assert ">PM<" in html
    assert "/w/alpha/members/" in html
    assert "/w/alpha/audit/" not in html and "/w/alpha/tokens/" not in html


def test_a_non_member_gets_404_and_a_member_without_the_capability_gets_403(personas):
    response = signed_in(personas["outsider"]).get("/w/alpha/members/")
    assert response.status_code == 404
    assert b"Not found" in response.content
    response = signed_in(personas["exec"]).get("/w/alpha/audit/")
    assert response.status_code == 403
    assert b"can't do that here" in response.content


def test_an_admin_invites_and_the_newcomer_creates_an_account_to_join(personas, mailoutbox):
    admin = signed_in(personas["admin"])
    response = admin.post("/w/alpha/members/invite/", {"email": "new@alpha.test", "role": "pm"})
    assert response.status_code == 302
    services.email_send(email_id=OutboundEmail.objects.get(to="new@alpha.test").pk)
    link = re.search(r"http://[^/]+(/invitations/\S+/)", mailoutbox[0].body).group(1)
    newcomer = Client()
    assert b"Create account and join" in newcomer.get(link).content
    response = newcomer.post(link, {"name": "Nia New", "password": "a-good-long-passphrase"})
    assert response.status_code == 302 and response["Location"] == "/w/alpha/"
    assert Membership.objects.get(user__email="new@alpha.test").role == Role.PM
    assert Client().get(link).status_code == 404


def test_a_weak_password_is_refused_when_joining(personas):
    _, token = services.invitation_create(
        actor=personas["admin"].actor, email="weak@alpha.test", role="pm"
    )
    response = Client().post(f"/invitations/{token}/", {"name": "W", "password": "123"})
    assert response.status_code == 400
    assert not Membership.objects.filter(user__email="weak@alpha.test").exists()


def test_an_admin_changes_a_role_inline_with_htmx(personas):
    pm = personas["pm"].membership
    response = signed_in(personas["admin"]).post(
        f"/w/alpha/members/{pm.pk}/role/", {"role": "ops_lead"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith(f'<tr id="member-{pm.pk}"')
    pm.refresh_from_db()
    assert pm.role == Role.OPS_LEAD


def test_demoting_the_last_admin_inline_shows_why_and_changes_nothing(personas):
    me = personas["admin"].membership
    response = signed_in(personas["admin"]).post(
        f"/w/alpha/members/{me.pk}/role/", {"role": "pm"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert b"last admin" in response.content
    me.refresh_from_db()
    assert me.role == Role.ADMIN


def test_a_new_token_is_shown_once_and_a_reload_creates_none(personas):
    admin = signed_in(personas["admin"])
    created = admin.post("/w/alpha/tokens/", {"name": "Intercom", "scopes": ["intake"]})
    shown = admin.get(created["Location"]).content.decode()
    reloaded = admin.get(created["Location"]).content.decode()

    assert created.status_code == 302 and created["Location"] == "/w/alpha/tokens/"
    secret = re.search(r"po_[0-9a-f]{8}_[\w-]{20,}", shown).group(0)
    assert ApiToken.objects.get().prefix in secret
    assert secret not in reloaded
    assert ApiToken.objects.count() == 1


def test_the_audit_log_filters_by_verb(personas):
    admin = personas["admin"]
    services.token_create(actor=admin.actor, name="One", scopes=["read"])
    services.membership_change_role(
        actor=admin.actor, membership=personas["pm"].membership, role="exec"
    )
    html = signed_in(admin).get("/w/alpha/audit/", {"verb": "member."}).content.decode()
    assert "<code>member.role_changed</code>" in html
    assert "<code>token.created</code>" not in html


@pytest.mark.parametrize("url", ["/w/alpha/members/", "/w/alpha/audit/"])
def test_list_pages_run_the_same_number_of_queries_as_rows_grow(
    personas, workspace_a, url, count_queries
):
    client = signed_in(personas["admin"])
    few = count_queries(client, url)[0]
    for _ in range(40):
        member = MembershipFactory(workspace=workspace_a, user=UserFactory(), role=Role.PM)
        services.membership_change_role(
            actor=personas["admin"].actor, membership=member, role=Role.EXEC
        )
    assert AuditEvent.objects.count() >= 40
    assert count_queries(client, url)[0] == few


def test_the_audit_log_pages_by_keyset(personas):
    admin = personas["admin"]
    for n in range(60):
        services.token_create(actor=admin.actor, name=f"token {n}", scopes=["read"])
    client = signed_in(admin)
    first = client.get("/w/alpha/audit/")
    cursor = re.search(r"cursor=([\w=-]+)", first.content.decode()).group(1)
    second = client.get("/w/alpha/audit/", {"cursor": cursor}).content.decode()
    assert "token 59" in first.content.decode() and "token 59" not in second
    assert "token 0" in second


def test_a_server_error_shows_a_plain_apology_page(rf):
    from productops.views import error_500

    response = error_500(rf.get("/w/alpha/"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"<script" not in response.content
