"""Capacity in the access matrix: every member reads it, ops leads and admins change it."""

from datetime import date
from decimal import Decimal

from planning.services import capacity as services
from tests.access import Check, api, page, roles_api, roles_page

OPS = ("admin", "ops_lead")
PLAN = {"team": "Matrix", "period_start": "2027-01-01", "period_end": "2027-03-31", "unit": "days"}

MATRIX: dict[str, list[Check]] = {
    "planning_capacity": [
        Check("GET", page()),
        Check("POST", roles_page(302, *OPS), PLAN),
    ],
    "planning_capacity_detail": [Check("GET", page())],
    "planning_capacity_edit": [
        Check(
            "POST",
            roles_page(302, *OPS),
            {**PLAN, "team": "Renamed", "per_person": "20", "version": "{plan_version}"},
        ),
    ],
    "planning_capacity_member_set": [
        Check(
            "POST",
            roles_page(302, *OPS),
            {"name": "Contractor", "availability": "50", "days_off": "1"},
        ),
    ],
    "planning_capacity_member_remove": [Check("POST", roles_page(302, *OPS))],
    "planning_capacity_delete": [Check("POST", roles_page(302, *OPS))],
    "api_planning_capacity_list": [
        Check("GET", api()),
        Check("POST", roles_api(201, *OPS), PLAN),
    ],
    "api_planning_capacity_detail": [
        Check("GET", api()),
        Check("PATCH", roles_api(409, *OPS), {**PLAN, "version": 99}),
    ],
    "api_planning_capacity_members": [
        Check("POST", roles_api(200, *OPS), {"name": "Contractor", "availability": 50}),
    ],
}


def url_values(personas, workspace) -> dict:
    actor = personas["admin"].actor
    plan = services.capacity_plan_create(
        actor=actor,
        spec=services.PlanSpec(
            team="Payments",
            period_start=date(2026, 7, 1),
            period_end=date(2026, 9, 30),
            per_person=Decimal(30),
        ),
    )
    member = services.capacity_member_set(actor=actor, plan=plan, user=personas["pm"].user)
    plan.refresh_from_db()
    return {"plan_id": plan.pk, "member_id": member.pk, "{plan_version}": plan.version}
