"""The weekly digest: Monday morning in each workspace's time zone, to the members who opted in,
with last week's headline numbers and their change, as HTML and text. It renders the same tiles
the page shows, from the same refresh.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from dashboards import selectors
from dashboards.filters import DashboardFilters
from dashboards.models import DigestSubscription
from dashboards.selectors import as_of
from productops import clock
from productops import services as platform_services
from productops.models import Workspace
from productops.site import absolute_url

SEND_FROM_HOUR = 7  # local time on Monday
DIGEST_TILES = ("volume", "triage", "ideas", "loop", "roadmap", "predictability", "tools")


@dataclass(frozen=True)
class Digest:
    subject: str
    text: str
    html: str


def last_week(monday: date) -> DashboardFilters:
    return DashboardFilters(
        since=monday - timedelta(days=7), until=monday - timedelta(days=1), preset="custom"
    )


def digest_for(*, workspace: Workspace, monday: date) -> Digest:
    filters = last_week(monday)
    tiles = [
        selectors.tile(workspace=workspace, name=name, filters=filters) for name in DIGEST_TILES
    ]
    context = {
        "workspace": workspace,
        "filters": filters,
        "tiles": tiles,
        "freshness": as_of.freshness(workspace=workspace),
        "overview_url": absolute_url(
            reverse("dashboards_overview", kwargs={"slug": workspace.slug})
            + "?"
            + filters.querystring
        ),
    }
    return Digest(
        subject=f"{workspace.name}: the week of {filters.since:%d %b}",
        text=render_to_string("dashboards/digest.txt", context),
        html=render_to_string("dashboards/digest.html", context),
    )


def _due_monday(workspace: Workspace, now: datetime) -> date | None:
    local = now.astimezone(clock.zone(workspace))
    if local.weekday() == 0 and local.hour >= SEND_FROM_HOUR:
        return local.date()
    return None


def digests_due_send(*, now: datetime | None = None) -> int:
    """Sends each workspace's digest once per week, in the first run after Monday 07:00 local.

    The week is claimed with INSERT ... ON CONFLICT DO NOTHING in the same transaction as the
    queued emails, so two beats at once, or a repeated run, send it once.
    """
    now = now or timezone.now()
    sent = 0
    workspace_ids = (
        DigestSubscription.objects.order_by().values_list("workspace_id", flat=True).distinct()
    )
    for workspace in Workspace.objects.filter(pk__in=workspace_ids):
        monday = _due_monday(workspace, now)
        if monday is None:
            continue
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    """INSERT INTO dashboards_digestsent (workspace_id, week, sent_at, recipients)
                       VALUES (%s, %s, now(), 0) ON CONFLICT DO NOTHING RETURNING id""",
                    [workspace.pk, monday],
                )
                claimed = cursor.fetchone()
            if not claimed:
                continue
            digest = digest_for(workspace=workspace, monday=monday)
            recipients = list(
                DigestSubscription.objects.filter(workspace=workspace)
                .select_related("membership__user")
                .order_by("pk")
            )
            for subscription in recipients:
                platform_services.email_queue(
                    to=subscription.membership.user.email,
                    subject=digest.subject,
                    body=digest.text,
                    html_body=digest.html,
                    workspace=workspace,
                )
            cursor_count = len(recipients)
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE dashboards_digestsent SET recipients = %s WHERE id = %s",
                    [cursor_count, claimed[0]],
                )
            sent += cursor_count
    return sent
