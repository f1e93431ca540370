"""The inbox, search and duplicate candidates at 1,000,000 items, against hand-written SQL.

Database figures compare the SQL our selectors issue with the best hand-written SQL for the same
rows, both timed inside Postgres (EXPLAIN ANALYZE: planning + execution) in the same run. Server
figures time whole requests in-process against a baseline answered in the same run.
"""

import json
import os
from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import Count, OuterRef, Subquery
from django.http import JsonResponse
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import include, path

from bench.feedback_data import load
from bench.figures import Figure, median_cpu_ms, median_ms
from feedback.models import FeedbackItem, IdeaLink, ProductArea, Tag
from feedback.selectors import evidence, triage
from feedback.selectors import intake as intake_selectors
from productops.models import Membership

ITEMS = int(os.environ.get("BENCH_ITEMS", "1000000"))
BIG = "1M" if ITEMS == 1_000_000 else f"{ITEMS:,}"  # how the figures name the big size
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
    # What the inbox page reads (its rows as plain values, in one query).
    ours = _captured(lambda: triage.inbox_page(workspace=workspace, filters=filters))
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
    # Its two reads (the newest matches, the compared texts); the trigram ranking of those few
    # rows runs in Python, microseconds a pair.
    ours = [(_literal(s), p) for s, p in ours if "feedback_feedbackitem" in s]
    # The textbook baseline: trigram `%` over every title (GIN trigram index), best 5. The
    # product keeps no such index (migration feedback 0011), so the bench builds the baseline's.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS bench_title_trigram"
            " ON feedback_feedbackitem USING gin (title gin_trgm_ops)"
        )
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


def _api_list_url(workspace) -> str:
    return f"/api/v1/w/{workspace.slug}/feedback/"


def _api_list_ms(workspace) -> float:
    client = _member_client(workspace)
    assert client.get(_api_list_url(workspace)).status_code == 200
    return median_ms(lambda: client.get(_api_list_url(workspace)), repeat=15)


def _queries(client: Client, url: str, **options) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **options).status_code == 200
    return len(captured)


def values_floor(request, slug: str) -> JsonResponse:
    """The floor for the API list: a hand-written `.values()` of the same fields for the same
    rows (the first 50 new items, newest first), behind the same middleware and session and a
    membership check, as JSON. Served only by the bench's URLconf below."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "sign in"}, status=401)
    member = Membership.objects.select_related("workspace").get(
        user=request.user, workspace__slug=slug
    )
    tags = (
        FeedbackItem.tags.through.objects.filter(feedbackitem_id=OuterRef("pk"))
        .values("feedbackitem_id")
        .annotate(names=ArrayAgg("tag__name"))
        .values("names")
    )
    links = (
        IdeaLink.objects.filter(item=OuterRef("pk"))
        .values("item")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = list(
        FeedbackItem.objects.filter(workspace=member.workspace, status="new")
        .order_by("-received_at", "-id")
        .values(
            *triage.VALUE_FIELDS,
            "source__name",
            "source__channel",
            "contact__email",
            "contact__name",
            "account__name",
            "account__plan",
            "account__segment",
            "account__annual_revenue",
            "assignee__name",
            "product_area__name",
            tag_names=Subquery(tags),
            link_count=Subquery(links),
            votes=evidence.item_votes(),
            mentions=evidence.item_mentions(),
        )[:50]
    )
    return JsonResponse({"next": None, "previous": None, "results": rows})


# The bench's URLconf: the product's URLs and the hand-written floor beside them.
urlpatterns = [
    path("bench/values/<slug:slug>/", values_floor),
    path("", include("productops.urls")),
]


def _triage_action_ms(workspace, median: Callable[..., float] = median_ms) -> float:
    """One keypress of triage from the inbox, as inbox.js sends it: archive the item, in one
    POST that names the next item and is answered with the archived item's row, the status
    tabs, the undo note and the next item's panel. `median`: median_ms, or median_cpu_ms."""
    client = _member_client(workspace)
    inbox_url = f"/w/{workspace.slug}/feedback/"
    hx = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{inbox_url}"}
    pending = list(
        FeedbackItem.objects.filter(workspace=workspace, status="new")
        .order_by("-received_at", "-id")
        .values_list("pk", "version")[:40]
    )

    def act() -> None:
        (pk, version), (next_pk, _) = pending.pop(0), pending[0]
        done = client.post(  # a URL-encoded body, as inbox.js sends it (not the test
            f"{inbox_url}{pk}/update/",  # client's default multipart)
            urlencode({"version": version, "status": "archived", "answer": "row", "next": next_pk}),
            content_type="application/x-www-form-urlencoded",
            headers=hx,
        )
        assert done.status_code == 200, done.status_code
        assert f'data-item="{next_pk}"'.encode() in done.content  # the next panel came along

    return median(act, repeat=15)


def server_figures(big, small) -> list[Figure]:
    """Whole requests through every middleware, in-process: CPU per request, as a sync worker
    spends it (so the ratio is the inverse of the throughput ratio on a CPU-bound server)."""
    client = _member_client(big)
    assert client.get("/livez").status_code == 200
    livez = median_ms(lambda: client.get("/livez"), repeat=30)
    inbox_big = _inbox_page_ms(big)
    api_big = _api_list_ms(big)
    with override_settings(ROOT_URLCONF="bench.feedback"):
        floor_url = f"/bench/values/{big.slug}/"
        assert len(client.get(floor_url).json()["results"]) == 50
        floor = median_ms(lambda: client.get(floor_url), repeat=15)
    inbox_url = f"/w/{big.slug}/feedback/"
    figures = [
        Figure(f"inbox page at {BIG} items vs bare /livez (server)", inbox_big, livez),
        Figure(f"inbox page at {BIG} vs 10k items (server)", inbox_big, _inbox_page_ms(small)),
        Figure(
            f"inbox page at {BIG} items vs bare /livez, CPU time (server)",
            median_cpu_ms(lambda: client.get(inbox_url)),
            median_cpu_ms(lambda: client.get("/livez"), repeat=30),
        ),
        Figure(
            f"inbox page queries at {BIG} vs 10k items",
            _queries(client, inbox_url),
            _queries(_member_client(small), f"/w/{small.slug}/feedback/"),
            unit="queries",
        ),
        Figure(
            f"triage action (archive, open the next) at {BIG} items vs bare /livez (server)",
            _triage_action_ms(big),
            livez,
        ),
        Figure(
            f"triage action at {BIG} items vs bare /livez, CPU time (server)",
            _triage_action_ms(big, median_cpu_ms),
            median_cpu_ms(lambda: client.get("/livez"), repeat=30),
        ),
        Figure(f"API list of 50 at {BIG} items vs hand-written .values() (server)", api_big, floor),
        Figure(f"API list of 50 at {BIG} vs 10k items (server)", api_big, _api_list_ms(small)),
        Figure(
            f"API list queries at {BIG} vs 10k items",
            _queries(client, _api_list_url(big)),
            _queries(_member_client(small), _api_list_url(small)),
            unit="queries",
        ),
        Figure(f"API list at {BIG} items vs bare /livez (server)", api_big, livez),
    ]
    # Intake goes to a workspace of its own: its items, the newest, would otherwise become the
    # big inbox's first page (no area, no tags) and change what the figures above compare.
    intake = load(slug="benchintake", items=1)
    figures.append(_bulk_intake_figure(intake, _member_client(intake)))
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
    # Statistics as autovacuum keeps them in production: a server run with autovacuum off (the
    # shared machines are) would plan against tables as empty as before earlier runs wrote
    # into them (the audit log: the item panel's history check walked the wrong index).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return database_figures(big) + server_figures(big, small)
