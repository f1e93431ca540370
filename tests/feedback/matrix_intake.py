"""This area's rows of the access matrix (see tests/access.py)."""

from feedback.models import Account, Channel
from feedback.services import sources
from tests.access import Check, api, page, public, roles_api, roles_page

MAKERS = ("admin", "ops_lead", "pm")
OPS = ("admin", "ops_lead")

MATRIX: dict[str, list[Check]] = {
    # Pages
    "feedback_new": [
        Check("GET", roles_page(200, *MAKERS)),
        Check("POST", roles_page(302, *MAKERS), {"body": "Said on a call"}),
    ],
    "feedback_import": [Check("GET", roles_page(200, *MAKERS))],
    "source_list": [
        Check("GET", roles_page(200, *OPS)),
        Check("POST", roles_page(302, *OPS), {"name": "Hook", "channel": "webhook"}),
    ],
    "source_web_form": [Check("POST", roles_page(302, *OPS), {"enabled": "on"})],
    "source_detail": [
        Check("GET", roles_page(200, *OPS)),
        Check(
            "POST", roles_page(302, *OPS), {"name": "Hook", "is_active": "on", "map_body": "text"}
        ),
    ],
    "account_list": [Check("GET", page())],
    "account_detail": [Check("GET", page())],
    # Rotating redirects to the source's page, which shows the new secret on its next GET only
    # (kept in the session until then, never in a URL: productops.form_submit.show_once).
    "source_rotate_secret": [Check("POST", roles_page(302, *OPS))],
    # Public: the form of a workspace that opened it, for anyone, signed in or not.
    "public_feedback_form": [Check("GET", public(200))],
    "public_logo": [Check("GET", public(404))],  # public pages on, but no logo yet
    # API
    "api_source_list": [Check("GET", api())],
    # Authenticated by signature only: without one, everybody gets 401 alike.
    "api_source_webhook": [Check("POST", public(401))],
    "api_account_list": [
        Check("GET", api()),
        Check("POST", roles_api(201, *MAKERS), {"external_id": "crm-9", "name": "Nine"}),
    ],
    "api_account_detail": [Check("GET", api())],
    "api_contact_list": [Check("GET", api())],
}


def url_values(personas, workspace) -> dict:
    """A real object of `workspace` for each URL parameter this area's URLs take."""
    admin = personas["admin"].actor
    source, _ = sources.source_create(actor=admin, name="Matrix hook", channel=Channel.WEBHOOK)
    sources.web_form_set(actor=admin, enabled=True)
    account = Account.objects.create(workspace=workspace, name="Matrix Co", domain="matrix.test")
    return {"source_id": source.pk, "account_id": account.pk}
