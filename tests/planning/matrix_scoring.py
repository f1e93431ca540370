"""Planning settings and formulas in the access matrix: ops leads and admins only."""

from planning.services import scoring as services
from tests.access import Check, roles_page

OPS = ("admin", "ops_lead")

MATRIX: dict[str, list[Check]] = {
    "planning_settings": [
        Check("GET", roles_page(200, *OPS)),
        Check("POST", roles_page(302, *OPS), {"evidence_half_life_days": "30"}),
    ],
    "planning_formula_create": [
        Check("GET", roles_page(200, *OPS)),
        Check(
            "POST",
            roles_page(302, *OPS),
            {"name": "Matrix", "field_lines": "v | V | one_to_ten", "expression": "v * 2"},
        ),
    ],
    "planning_formula_edit": [
        Check("GET", roles_page(200, *OPS)),
        Check(
            "POST",
            roles_page(302, *OPS),
            {
                "name": "Renamed",
                "field_lines": "v | V | one_to_ten",
                "expression": "v",
                "version": "{formula_version}",
            },
        ),
    ],
}


def url_values(personas, workspace) -> dict:
    formula = services.formula_create(
        actor=personas["admin"].actor,
        spec=services.FormulaSpec(
            name="Doubled", expression="v * 2", fields=[{"name": "v", "scale": "one_to_ten"}]
        ),
    )
    return {"formula_id": formula.pk, "{formula_version}": formula.version}
