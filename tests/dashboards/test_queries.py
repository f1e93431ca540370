"""Every dashboard page and endpoint runs the same number of queries at any data size: they
read rollups (and a few small tables), never the feedback rows."""

from dashboards import refresh, selectors
from feedback.models import Account
from tests.conftest import signed_in
from tests.dashboards.writes import Writer
from tests.feedback import triage_data

URLS = [
    ("exec", "/w/alpha/dashboards/?range=90d"),
    *[  # filtered (the cube) and not (the slices)
        ("exec", f"/w/alpha/dashboards/tiles/{name}/?{query}")
        for name in selectors.TILES
        for query in ("range=12m&segment=Enterprise", "range=12m")
    ],
    ("exec", "/w/alpha/dashboards/tiles/volume.csv?range=90d"),
    ("exec", "/w/alpha/dashboards/status/"),
    ("exec", "/w/alpha/dashboards/home/"),
    ("ops_lead", "/w/alpha/dashboards/home/"),
    ("pm", "/w/alpha/dashboards/home/"),
    ("exec", "/api/v1/w/alpha/metrics/"),
    ("exec", "/api/v1/w/alpha/metrics/ideas/?range=30d"),
]


def _counts(personas, count_queries) -> list[int]:
    counts = []
    for persona, url in URLS:
        fragment = ("/tiles/" in url and ".csv" not in url) or url.endswith(("/status/", "/home/"))
        headers = {"HTTP_HX_REQUEST": "true"} if fragment else {}
        queries, _ = count_queries(signed_in(personas[persona]), url, **headers)
        counts.append(queries)
    return counts


def test_dashboards_run_the_same_queries_at_any_data_size(personas, admin, count_queries):
    workspace = admin.actor.workspace
    writer = Writer(admin.actor, 31)
    # the segment the URLs filter on (a segment no account has is a 400)
    enterprise = triage_data.account(workspace, "Enterprise Only Co", segment="Enterprise")
    writer.intake()
    writer.idea()
    writer.link()
    writer.tool()
    refresh.refresh_changed(workspace_id=workspace.pk)
    small = _counts(personas, count_queries)
    for _ in range(25):
        writer.intake()
    for _ in range(4):
        writer.idea()
        writer.tool()
    for _ in range(15):
        writer.link()
        writer.triage()
        writer.idea_status()
        writer.decide()
        writer.account_change()
    writer.process()
    # the writer may have moved that account to another segment
    Account.objects.filter(pk=enterprise.pk).update(segment="Enterprise")
    refresh.refresh_changed(workspace_id=workspace.pk)
    large = _counts(personas, count_queries)
    assert large == small, list(zip(URLS, small, large, strict=True))
