"""Loads a large feedback data set fast, with COPY.

Used by bench/feedback.py. Runs against the database DATABASE_URL names (make bench points it at
a separate `productops_bench` database, so a developer's data is never touched). Idempotent: a
workspace that already holds the items is left as it is.
"""

import io
import random
import sys
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction

from feedback.services import status_counts
from productops.models import Role, User, Workspace

WORDS = (
    "export csv report dashboard slow login sso saml okta billing invoice seat license "
    "integration slack jira salesforce hubspot zendesk intercom api webhook rate limit mobile "
    "ios android offline sync notification email digest search filter sort permission role "
    "admin audit onboarding tutorial template import bulk edit undo dark mode accessibility "
    "keyboard shortcut performance timeout error crash bug feature request roadmap priority "
    "customer churn renewal pricing plan upgrade downgrade trial analytics chart metric goal "
    "okr sprint backlog kanban calendar timezone localisation translation gdpr security "
    "encryption backup restore history version comment mention attachment upload pdf"
).split()
FILLER = "the a we our it is not when please would love need cannot keeps always never".split()
SEGMENTS = ["Enterprise", "Mid-market", "SMB", "Startup"]
SOURCES = [
    ("Intercom", "intercom"),
    ("Zendesk", "zendesk"),
    ("Web form", "web_form"),
    ("API", "api"),
    ("Slack", "slack"),
    ("CSV import", "csv_import"),
]


def _sentence(rng: random.Random, length: int) -> str:
    words = [
        rng.choice(WORDS) if rng.random() < 0.45 else rng.choice(FILLER) for _ in range(length)
    ]
    return " ".join(words).capitalize()


def _copy(table: str, columns: list[str], rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT text)", buffer
        )


def _ids(sql: str, params) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _ids_and_defs(sql: str) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def load(*, slug: str, items: int, seed: int = 7, chunk: int = 50_000) -> Workspace:
    """Creates workspace `slug` with `items` feedback items, unless it already has them."""
    workspace, _ = Workspace.objects.get_or_create(slug=slug, defaults={"name": slug.title()})
    user, _ = User.objects.get_or_create(email=f"bench@{slug}.test", defaults={"name": "Bench"})
    workspace.memberships.get_or_create(user=user, defaults={"role": Role.ADMIN})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM feedback_feedbackitem WHERE workspace_id = %s", [workspace.pk]
        )
        if cursor.fetchone()[0] >= items:
            return workspace
        # A partial load (interrupted earlier) starts again from nothing.
        for table in (
            "feedback_feedbackitem",
            "feedback_source",
            "feedback_productarea",
            "feedback_tag",
            "feedback_account",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE workspace_id = %s", [workspace.pk])
    rng = random.Random(seed)
    now = datetime.now(UTC)
    ws = workspace.pk
    with transaction.atomic():
        _copy(
            "feedback_source",
            [
                "workspace_id",
                "name",
                "channel",
                "webhook_secret",
                "field_mapping",
                "is_active",
                "created_at",
            ],
            ((ws, f"{name} {slug}", channel, "", "{}", "t", now) for name, channel in SOURCES),
        )
        _copy(
            "feedback_productarea", ["workspace_id", "name"], ((ws, f"Area {n}") for n in range(12))
        )
        _copy("feedback_tag", ["workspace_id", "name"], ((ws, f"tag-{n}") for n in range(40)))
        _copy(
            "feedback_account",
            [
                "workspace_id",
                "name",
                "domain",
                "external_id",
                "plan",
                "segment",
                "annual_revenue",
                "created_at",
            ],
            (
                (
                    ws,
                    f"Account {n}",
                    f"account{n}.{slug}.test",
                    f"acc-{n}",
                    "Pro",
                    rng.choice(SEGMENTS),
                    rng.randint(1, 500) * 1000,
                    now,
                )
                for n in range(2000)
            ),
        )
    sources = _ids("SELECT id FROM feedback_source WHERE workspace_id = %s", [ws])
    areas = _ids("SELECT id FROM feedback_productarea WHERE workspace_id = %s", [ws])
    tags = _ids("SELECT id FROM feedback_tag WHERE workspace_id = %s", [ws])
    accounts = _ids("SELECT id FROM feedback_account WHERE workspace_id = %s", [ws])
    statuses = ["new"] * 30 + ["triaged"] * 50 + ["archived"] * 15 + ["spam"] * 5
    sentiments = ["negative", "neutral", "positive"]
    columns = [
        "workspace_id",
        "source_id",
        "external_id",
        "title",
        "body",
        "received_at",
        "account_id",
        "submitter_email",
        "submitter_name",
        "status",
        "priority",
        "sentiment",
        "sentiment_overridden",
        "version",
        "processed_at",
        "created_at",
        "updated_at",
        "product_area_id",
    ]
    # GIN indexes are far cheaper to build once than to maintain row by row during the load.
    slow = _ids_and_defs(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename ="
        " 'feedback_feedbackitem' AND indexdef LIKE '%USING gin%'"
    )
    with connection.cursor() as cursor:
        for name, _ in slow:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    for start in range(0, items, chunk):
        count = min(chunk, items - start)

        def rows(start=start, count=count):
            for n in range(start, start + count):
                received = now - timedelta(seconds=rng.randint(0, 730 * 86400))
                title = _sentence(rng, rng.randint(4, 9)) if rng.random() < 0.6 else ""
                body = _sentence(rng, rng.randint(18, 100))
                yield (
                    ws,
                    rng.choice(sources),
                    f"bench-{n}",
                    title,
                    body,
                    received.isoformat(),
                    rng.choice(accounts),
                    "",
                    "",
                    rng.choice(statuses),
                    rng.randint(0, 4),
                    rng.choice(sentiments),
                    "f",
                    1,
                    now.isoformat(),
                    now.isoformat(),
                    now.isoformat(),
                    rng.choice(areas) if rng.random() < 0.7 else None,
                )

        with transaction.atomic():
            _copy("feedback_feedbackitem", columns, rows())
            # This chunk's rows are the workspace's newest ids (others may write other workspaces).
            chunk_ids = _ids(
                "SELECT id FROM feedback_feedbackitem WHERE workspace_id = %s"
                " ORDER BY id DESC LIMIT %s",
                [ws, count],
            )
            _copy(
                "feedback_feedbackitem_tags",
                ["feedbackitem_id", "tag_id"],
                (
                    (item, tag)
                    for item in chunk_ids
                    for tag in rng.sample(tags, rng.choice([1, 2, 3, 4]))
                ),
            )
        print(f"  loaded {start + count:,} of {items:,} items", file=sys.stderr, flush=True)
    with connection.cursor() as cursor:
        for _, definition in slow:
            cursor.execute(definition)
        # VACUUM as autovacuum soon would after a load: it sets the visibility map, which
        # index-only scans (the dashboards' day recounts) need to skip the items' pages.
        cursor.execute("VACUUM (ANALYZE) feedback_feedbackitem")
        cursor.execute("ANALYZE feedback_feedbackitem_tags")
    status_counts.recount(workspace)  # COPY went around the services that keep the counters
    return workspace
