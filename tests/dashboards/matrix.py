"""The dashboards' rows of the access matrix (see tests/access.py)."""

from tests.access import HTMX, Check, answers, api, page, roles_page

OPS = ("admin", "ops_lead")

MATRIX: dict[str, list[Check]] = {
    "dashboards_overview": [Check("GET", page())],
    "dashboards_tile": [Check("GET", page(), headers=HTMX)],
    "dashboards_tile_csv": [Check("GET", page())],
    "dashboards_status": [Check("GET", page(), headers=HTMX)],
    "dashboards_refresh": [Check("POST", roles_page(302, *OPS))],
    "dashboards_digest": [
        Check("POST", answers(302, 302, 302, 302, 302, 404), {"subscribed": "yes"})
    ],
    "dashboards_home": [Check("GET", page(), headers=HTMX)],
    "api_metric_index": [Check("GET", api())],
    "api_metric_detail": [Check("GET", api())],
}


def url_values(personas, workspace) -> dict:
    return {"name": "volume", "tile": "triage"}
