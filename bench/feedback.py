"""The inbox, search and duplicate candidates at 1,000,000 items, against hand-written SQL.

Database figures compare the SQL our selectors issue with the best hand-written SQL for the same
rows, both timed inside Postgres (EXPLAIN ANALYZE: planning + execution) in the same run. Server
figures time whole requests in-process against a baseline answered in the same run.
"""

import json
import os

from django.db import connection
from django.http import JsonResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from bench.feedback_data import load
from bench.figures import Figure, median_ms
from feedback.models import FeedbackItem, ProductArea, Tag
from feedback.selectors import intake as intake_selectors
from feedback.selectors import triage
from productops.models import Membership

ITEMS = int(os.environ.get("BENCH_ITEMS", "1000000"))
SMALL = 10_000


def _db_ms(sql: str, params) -> float:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = plan if isinstance(plan, list) else json.loads(plan)
    return plan[0]["Planning Time"] + plan[0]["Execution Time"]


def _captured(action) -> list[tuple[str, tuple]]:
    """The SQL (with parameters) an action sends, to replay inside EXPLAIN ANALYZE."""
    with CaptureQueriesContext(connection) as captured:
        action()
    return [(q["sql"], ()) for q in captured.captured_queries]


def _db_median(queries: list[tuple[str, tuple]], repeat: int = 9) -> float:
    runs = sorted(sum(_db_ms(sql, params) for sql, params in queries) for _ in range(repeat))
    return runs[len(runs) // 2]


def _literal(sql: str) -> str:
    return sql.replace("%", "%%")


INBOX_SQL = """
SELECT i.id, i.title, i.body, i.received_at, i.status, i.priority, i.sentiment,
       s.name, a.name, a.segment,
       (SELECT count(*) FROM feedback_idealink l WHERE l.item_id = i.id),
       (SELECT count(*) FROM feedback_feedbackitem d WHERE d.duplicate_of_id = i.id),
       (SELECT array_agg(t.name) FROM feedback_feedbackitem_tags it
          JOIN feedback_tag t ON t.id = it.tag_id WHERE it.feedbackitem_id = i.id)
FROM feedback_feedbackitem i
JOIN feedback_source s ON s.id = i.source_id
LEFT JOIN feedback_account a ON a.id = i.account_id
WHERE i.workspace_id = %s AND i.status = 'new' {extra}
ORDER BY i.received_at DESC, i.id DESC
LIMIT 51
"""


def _inbox_figure(name, workspace, filters, extra_sql, extra_params) -> Figure:
    ours = _captured(lambda: triage.inbox(workspace=workspace, filters=filters))
    baseline = [(INBOX_SQL.format(extra=extra_sql), (workspace.pk, *extra_params))]
    return Figure(name, _db_median([(_literal(s), p) for s, p in ours]), _db_median(baseline))


def database_figures(workspace) -> list[Figure]:
    area = ProductArea.objects.filter(workspace=workspace).order_by("pk").first()
    tag = Tag.objects.filter(workspace=workspace).order_by("pk").first()
    tag_sql = (
        "AND i.product_area_id = %s AND EXISTS (SELECT 1 FROM feedback_feedbackitem_tags"
        " it WHERE it.feedbackitem_id = i.id AND it.tag_id = %s)"
    )
    figures = [
        _inbox_figure("inbox first page (db)", workspace, triage.InboxFilters(), "", ()),
        _inbox_figure(
            "inbox filtered by area and tag (db)",
            workspace,
            triage.InboxFilters(area=area.pk, tag=tag.pk),
            tag_sql,
            (area.pk, tag.pk),
        ),
        _inbox_figure(
            "inbox search (db)",
            workspace,
            triage.InboxFilters(q="billing export"),
            "AND i.search @@ websearch_to_tsquery('english', %s)",
            ("billing export",),
        ),
    ]
    titled = FeedbackItem.objects.filter(workspace=workspace).exclude(title="").order_by("-pk")[0]
    ours = _captured(lambda: intake_selectors.duplicate_matches(item=titled))
    ours = [(_literal(s), p) for s, p in ours if "similarity" in s]
    # The textbook baseline: trigram `%` over every title (GIN trigram index), best 5.
    baseline = [
        (
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true),"
            " (SELECT array_agg(id) FROM (SELECT id FROM feedback_feedbackitem"
            " WHERE workspace_id = %s AND title %% %s AND id <> %s"
            " ORDER BY similarity(title, %s) DESC LIMIT 5) best)",
            (
                str(intake_selectors.TITLE_THRESHOLD),
                workspace.pk,
                titled.title,
                titled.pk,
                titled.title,
            ),
        )
    ]
    figures.append(
        Figure(
            "duplicate candidates vs trigram % on titles (db)",
            _db_median(ours),
            _db_median(baseline, repeat=3),
        )
    )
    return figures


def _inbox_page_ms(workspace) -> float:
    client = _member_client(workspace)
    url = f"/w/{workspace.slug}/feedback/"
    assert client.get(url).status_code == 200
    return median_ms(lambda: client.get(url), repeat=15)


def _member_client(workspace) -> Client:
    member = Membership.objects.filter(workspace=workspace).select_related("user").first()
    client = Client()
    client.force_login(member.user)
    return client


def server_figures(big, small) -> list[Figure]:
    """Whole requests through every middleware, in-process: CPU per request, as a sync worker
    spends it (so the ratio is the inverse of the throughput ratio on a CPU-bound server)."""
    figures = [
        Figure("inbox page at 1M vs 10k items (server)", _inbox_page_ms(big), _inbox_page_ms(small))
    ]
    client = _member_client(big)
    api_url = f"/api/v1/w/{big.slug}/feedback/"
    assert client.get(api_url).status_code == 200
    assert client.get("/livez").status_code == 200
    figures.append(
        Figure(
            "API list at 1M items vs bare /livez (server)",
            median_ms(lambda: client.get(api_url), repeat=15),
            median_ms(lambda: client.get("/livez"), repeat=15),
        )
    )
    figures.append(_bulk_intake_figure(big, client))
    return figures


def _bare_intake(request) -> JsonResponse:
    """The floor for intake: read and parse the body, answer. No middleware, no database."""
    items = json.loads(request.body)["items"]
    return JsonResponse({"received": len(items)}, status=201)


def _bulk_intake_figure(workspace, client: Client) -> Figure:
    """1,000 items in one POST (new ones each time) against a bare endpoint taking the same body."""
    counter = iter(range(10**9))

    def body() -> str:
        batch = next(counter)
        return json.dumps(
            {
                "source_name": "Bench API",
                "items": [
                    {
                        "external_id": f"bulk-{batch}-{n}",
                        "body": f"Bulk intake item {n} about exports",
                        "email": f"person{n}@account{n % 2000}.{workspace.slug}.test",
                    }
                    for n in range(1000)
                ],
            }
        )

    url = f"/api/v1/w/{workspace.slug}/feedback/"
    first = client.post(url, body(), content_type="application/json")
    assert first.status_code in (200, 201), first.content[:300]
    ours = median_ms(
        lambda: client.post(url, body(), content_type="application/json"), repeat=5, warmup=1
    )
    factory = RequestFactory()
    baseline = median_ms(
        lambda: _bare_intake(factory.post(url, body(), content_type="application/json")),
        repeat=5,
        warmup=1,
    )
    return Figure("API bulk intake of 1,000 items vs a bare endpoint (server)", ours, baseline)


def run() -> list[Figure]:
    big = load(slug="bench", items=ITEMS)
    small = load(slug="bench10k", items=SMALL)
    return database_figures(big) + server_figures(big, small)
