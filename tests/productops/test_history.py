"""History and audit pages read as sentences, from one renderer over the audit log's diffs."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from inventory.services import contracts as contract_services
from inventory.services import tools as tool_services
from productops.models import AuditEvent
from tests.conftest import signed_in
from tests.inventory.factories import ContractFactory, ToolFactory

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 2, 20, 9, 30, tzinfo=UTC)


def event(verb, before=None, after=None, repr_="Miro"):
    """An event as productops.audit writes it (not saved: the renderer reads fields only)."""
    return AuditEvent(
        actor_label="Ana",
        verb=verb,
        object_type="inventory.contract",
        object_id="1",
        object_repr=repr_,
        before=before,
        after=after,
        created_at=WHEN,
    )


@pytest.mark.parametrize(
    ("verb", "before", "after", "expected"),
    [
        (
            "contract.updated",
            {"renewal_date": "2026-03-01"},
            {"renewal_date": "2026-04-01"},
            ["Ana moved the renewal date from 1 March to 1 April"],
        ),
        (
            "contract.updated",
            {"renewal_date": "2026-12-01", "seats_bought": 10},
            {"renewal_date": "2027-01-15", "seats_bought": 8},
            [
                "Ana moved the renewal date from 1 December to 15 January 2027",
                "Ana changed the seats bought from 10 to 8",
            ],
        ),
        (
            "feedback.triaged",
            {"status": "new"},
            {"status": "triaged"},
            ["Ana changed the status from new to triaged"],
        ),
        ("tool.updated", {"team": ""}, {"team": "Brand"}, ["Ana set the team to Brand"]),
        ("tool.updated", {"owner": "Olu"}, {"owner": None}, ["Ana cleared the owner (was Olu)"]),
        ("tool.updated", {"sso_enabled": False}, {"sso_enabled": True}, ["Ana turned SSO on"]),
        (
            "tool.updated",
            {"tags": ["core", "old"]},
            {"tags": ["core", "beta"]},
            ["Ana added beta to the tags and removed old from the tags"],
        ),
        (
            "idea.updated",
            {"description": "Short."},
            {"description": "x" * 200},
            ["Ana edited the description"],
        ),
        ("tool.created", None, {"name": "Miro", "team": "Design"}, ["Ana created the tool “Miro”"]),
        ("token.revoked", None, None, ["Ana revoked the token “Miro”"]),
        ("source.secret_rotated", None, {}, ["Ana rotated the secret"]),
        ("retro.voted", None, {"dots": 2}, ["Ana voted on the retro: dots 2"]),
        (
            "idea.linked",
            None,
            {"items": [4, 9], "importance": "Critical", "note": ""},
            ["Ana linked 2 feedback items to the idea as critical"],
        ),
        (
            "idea.unlinked",
            {"item": 9, "importance": "Critical"},
            None,
            ["Ana unlinked feedback item #9 from the idea"],
        ),
        (
            "contract.renewal_decided",
            {"decision": "", "auto_renew": True},
            {"decision": "cancel", "auto_renew": False, "reason": "Moved to FigJam."},
            ["Ana decided to cancel at renewal: “Moved to FigJam.”"],
        ),
        (
            "contract.renewal_decided",
            {"decision": "", "auto_renew": True},
            {
                "decision": "renegotiate",
                "auto_renew": True,
                "reason": "6 of 10 in use.",
                "target_seats": 6,
                "target_annual_cost": "1440.00",
                "currency": "EUR",
            },
            ["Ana decided to renegotiate, aiming for 6 seats for €1,440 a year: “6 of 10 in use.”"],
        ),
    ],
)
def test_known_events_read_as_sentences(verb, before, after, expected):
    assert event(verb, before, after).sentences == expected


def retro_event(verb, before=None, after=None, *, anonymous=True):
    """A retro card's event as planning.services.retro writes it: in an anonymous retro no
    actor and the retro as its object; in a named one the author and the card."""
    return AuditEvent(
        actor_label="A participant" if anonymous else "Ana",
        verb=verb,
        object_type="planning.planningsession" if anonymous else "planning.reflection",
        object_id="7",
        object_repr="Sprint 13 retro" if anonymous else "Reflection 41",
        before=before,
        after=after,
        created_at=WHEN,
    )


@pytest.mark.parametrize(
    ("verb", "before", "after", "anonymous", "expected"),
    [
        (
            "retro.reflection_added",
            None,
            {"prompt": "What went well?"},
            True,
            "A participant added a reflection under “What went well?” "
            "in the retro “Sprint 13 retro”",
        ),
        (
            "retro.reflection_added",
            None,
            {"prompt": "What went well?"},
            False,
            "Ana added a reflection under “What went well?”",
        ),
        (
            "retro.reflection_edited",
            None,
            None,
            True,
            "A participant edited a reflection in the retro “Sprint 13 retro”",
        ),
        (
            "retro.reflection_deleted",
            None,
            None,
            True,
            "A participant deleted a reflection in the retro “Sprint 13 retro”",
        ),
        ("retro.reflection_edited", None, None, False, "Ana edited a reflection"),
        (
            "retro.reflection_moved",
            {"group": None},
            {"group": 12},
            False,
            "Ana grouped a reflection with another",
        ),
        (
            "retro.reflection_moved",
            {"group": 12},
            {"group": 15},
            False,
            "Ana moved a reflection to another group",
        ),
        (
            "retro.reflection_moved",
            {"group": 12},
            {"group": None},
            False,
            "Ana took a reflection out of its group",
        ),
        (
            "retro.reflection_moved",
            {"group": None},
            {"group": 12},
            True,
            "A participant grouped a reflection with another in the retro “Sprint 13 retro”",
        ),
        (
            "retro.reflection_moved",
            {"group": 12},
            {"group": None},
            True,
            "A participant took a reflection out of its group in the retro “Sprint 13 retro”",
        ),
        (
            "retro.groups_merged",
            {"group": 12},
            {"into": 15},
            False,
            "Ana merged two groups of reflections",
        ),
        (
            "retro.groups_merged",
            {"group": 12},
            {"into": 15},
            True,
            "A participant merged two groups of reflections in the retro “Sprint 13 retro”",
        ),
        (
            "retro.group_renamed",
            {"title": ""},
            {"title": "Testing"},
            True,
            "A participant named a group “Testing” in the retro “Sprint 13 retro”",
        ),
        (
            "retro.group_renamed",
            {"title": "Tests"},
            {"title": "Testing"},
            False,
            "Ana renamed a group from “Tests” to “Testing”",
        ),
        ("retro.note_added", None, {"group": 15}, False, "Ana added a discussion note on a group"),
        ("retro.note_added", None, {"group": None}, False, "Ana added a discussion note"),
        (
            "retro.prompts_set",
            None,
            {"prompts": ["Went well", "To improve"]},
            False,
            "Ana set the retro's prompts: “Went well”, “To improve”",
        ),
    ],
)
def test_a_retros_events_read_as_sentences_naming_no_anonymous_author(
    verb, before, after, anonymous, expected
):
    """No card ids, no field names ("prompt", "group 12"), and in an anonymous retro nobody."""
    assert retro_event(verb, before, after, anonymous=anonymous).sentences == [expected]


def test_the_tool_page_tells_its_history_in_sentences(ops_lead, workspace_a):
    contract = ContractFactory(
        tool=ToolFactory(workspace=workspace_a, name="Miro"),
        start_date=date(2026, 1, 1),
        renewal_date=date(2027, 3, 1),
    )
    contract_services.contract_update(
        actor=ops_lead.actor,
        contract=contract,
        expected_version=contract.version,
        renewal_date=date(2027, 4, 1),
    )
    tool_services.tool_update(
        actor=ops_lead.actor,
        tool=contract.tool,
        expected_version=contract.tool.version,
        team="Brand",
    )

    html = signed_in(ops_lead).get(f"/w/alpha/tools/{contract.tool_id}/").content.decode()
    history = html.split('id="history"')[1].split("</section>")[0]

    name = ops_lead.user.display_name
    assert f"{name} moved the renewal date from 1 March 2027 to 1 April 2027." in history
    assert f"{name} changed the team from Product to Brand." in history
    assert 'class="before"' not in history and "<code>contract.updated</code>" not in history


def test_the_audit_log_tells_each_event_in_sentences(admin, ops_lead, workspace_a):
    contract = ContractFactory(tool=ToolFactory(workspace=workspace_a, name="Miro"))
    contract_services.renewal_decide(
        actor=ops_lead.actor,
        contract=contract,
        decision="renegotiate",
        reason="Ask for fewer seats.",
        target_seats=6,
        target_annual_cost=Decimal("900"),
    )

    html = signed_in(admin).get("/w/alpha/audit/").content.decode()

    assert (
        f"{ops_lead.user.display_name} decided to renegotiate, aiming for 6 seats for "
        "$900 a year: “Ask for fewer seats.”" in html
    )
