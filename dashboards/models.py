"""Rollup tables: the only rows exec pages read. Each is keyed by workspace and bucket and always
equals a recount of the base tables (the package dashboards/rollups/ holds the recount of each).

Dimension columns are plain values, not foreign keys: a rollup is derived data, rebuilt from the
base tables, and a "none" is 0 or "" so that the bucket key is a plain unique constraint that
`INSERT ... ON CONFLICT` can name.
"""

from typing import TypedDict

from django.db import models
from django.utils import timezone

from productops.models import Membership, Workspace


class Digits(TypedDict):
    max_digits: int
    decimal_places: int


MONEY: Digits = {"max_digits": 16, "decimal_places": 2}  # an amount in the workspace currency


class FeedbackDaily(models.Model):
    """Feedback received per day of the workspace's time zone, by source, area and segment.

    Status and sentiment are columns, not key parts, so a day holds at most one row per
    (source, area, segment) whatever the volume.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    source_id = models.BigIntegerField()
    area_id = models.BigIntegerField(default=0)  # 0: no product area
    segment = models.CharField(max_length=60, blank=True)  # the account's; "": no account
    items = models.PositiveIntegerField()  # spam left out
    spam = models.PositiveIntegerField()
    positive = models.PositiveIntegerField()  # of the items (not spam), by sentiment
    neutral = models.PositiveIntegerField()
    negative = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "day", "source_id", "area_id", "segment"],
                name="feedback_daily_bucket",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} source {self.source_id}: {self.items}"


class FeedbackSlice(models.Model):
    """Feedback per bucket by one dimension at a time: `dimension` "all" (value ""), "source" or
    "area" (the id as text; area "0": none) or "segment" (the account's; "": no account).

    The unfiltered overview reads these instead of the (day, source, area, segment) cube: a day
    holds 1 + sources + areas + segments rows whatever the volume, and a month as many, so a
    year's tiles read a few thousand rows at ten thousand items or ten million. Recounted from
    the daily cube (itself a recount of the items) in the same transaction.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=8)
    value = models.CharField(max_length=60, blank=True)
    items = models.PositiveIntegerField()  # spam left out
    spam = models.PositiveIntegerField()
    positive = models.PositiveIntegerField()
    neutral = models.PositiveIntegerField()
    negative = models.PositiveIntegerField()

    class Meta:
        abstract = True


class FeedbackSliceDaily(FeedbackSlice):
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "day", "dimension", "value"], name="feedback_slice_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.dimension} {self.value}: {self.items}"


class FeedbackSliceMonthly(FeedbackSlice):
    month = models.DateField()  # the first of the month (workspace days)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "month", "dimension", "value"], name="feedback_slice_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.dimension} {self.value}: {self.items}"


class TriageDaily(models.Model):
    """The triage flow of the feedback received on a day (spam left out): how much of it was
    triaged, how fast, and how much still waits. Ages are read from `day` at read time."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    received = models.PositiveIntegerField()
    triaged = models.PositiveIntegerField()
    untriaged = models.PositiveIntegerField()  # still status "new": the backlog
    triage_seconds = models.BigIntegerField()  # summed over the triaged items
    # Triaged within 1 h, 4 h, 1 d, 3 d, 7 d (cumulative), for the median's bucket.
    within_1h = models.PositiveIntegerField()
    within_4h = models.PositiveIntegerField()
    within_1d = models.PositiveIntegerField()
    within_3d = models.PositiveIntegerField()
    within_7d = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "day"], name="triage_daily_bucket")
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.received} received, {self.untriaged} waiting"


class TriageFlowDaily(models.Model):
    """The inbox's flow by the day things happened: items that entered it on the day they were
    received, items that left it (triaged, archived, marked spam, merged) on the day they left
    (`FeedbackItem.left_inbox_at`), and items triaged on the day they were triaged (whatever
    their status now: the inbox's "triaged between" list) and how long each had waited.

    The backlog at the end of a day is the running sum of `entered - exited`: the items received
    by then and not yet left, ending at today's backlog (the items still "new"). Every item
    enters, spam too (spam caught at intake leaves the moment it arrives), so every way out
    has its entry.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    entered = models.PositiveIntegerField()
    exited = models.PositiveIntegerField(default=0)
    triaged = models.PositiveIntegerField()
    triage_seconds = models.BigIntegerField()  # summed over the items triaged on the day
    within_1h = models.PositiveIntegerField()  # of them, triaged within 1 h of arriving, ...
    within_4h = models.PositiveIntegerField()
    within_1d = models.PositiveIntegerField()
    within_3d = models.PositiveIntegerField()
    within_7d = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "day"], name="triage_flow_day")]

    def __str__(self) -> str:
        return f"{self.day}: {self.entered} in, {self.exited} out, {self.triaged} triaged"


class PlanningQuarterly(models.Model):
    """Planning decisions and what shipped, per quarter (workspace days).

    A decision counts in the quarter of its session's period (its start), else of the day it
    was made. "Shipped" is the idea's status category now; an idea ships in the quarter its
    status last changed. Accounts and revenue are of the distinct customers whose counted
    evidence asked for the ideas shipped that quarter.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    quarter = models.DateField()  # its first day
    decided = models.PositiveIntegerField()
    committed = models.PositiveIntegerField()
    committed_with_demand = models.PositiveIntegerField()  # the idea has counted evidence
    committed_shipped = models.PositiveIntegerField()  # the idea's status is shipped now
    shipped_ideas = models.PositiveIntegerField()
    shipped_accounts = models.PositiveIntegerField()
    shipped_revenue = models.DecimalField(**MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "quarter"], name="planning_quarter")
        ]

    def __str__(self) -> str:
        return f"{self.quarter}: {self.committed} committed, {self.committed_shipped} shipped"


class IdeaWeekly(models.Model):
    """An idea's demand per week (Monday, workspace time zone) by when customers wrote."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    idea_id = models.BigIntegerField()
    week = models.DateField()
    mentions = models.PositiveIntegerField()
    unique_accounts = models.PositiveIntegerField()
    revenue = models.DecimalField(**MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "idea_id", "week"], name="idea_week_bucket"
            )
        ]

    def __str__(self) -> str:
        return f"idea {self.idea_id}, week of {self.week}: {self.mentions}"


class IdeaTotal(models.Model):
    """A live idea's whole demand (the idea pages' figures) and how its loop was closed."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    idea_id = models.BigIntegerField()
    title = models.CharField(max_length=200)
    status_category = models.CharField(max_length=12)
    owner_id = models.BigIntegerField(default=0)  # a user id; 0: no owner
    area_id = models.BigIntegerField(default=0)
    mentions = models.PositiveIntegerField()  # counted items (feedback.selectors.evidence)
    votes = models.PositiveIntegerField(default=0)  # distinct people among them
    unique_accounts = models.PositiveIntegerField()
    revenue = models.DecimalField(**MONEY)
    asking_contacts = models.PositiveIntegerField()  # people with an email who asked
    told_contacts = models.PositiveIntegerField()  # of them, told of the current outcome
    status_changed_at = models.DateTimeField()
    first_told_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "idea_id"], name="idea_total_bucket")
        ]

    def __str__(self) -> str:
        return self.title


class ToolSpendMonthly(models.Model):
    """What the contracts covering a month cost that month, by category and team (converted to
    the workspace currency at its budget rates; contracts without a rate are counted apart)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first of the month
    category = models.CharField(max_length=60)
    team = models.CharField(max_length=60, blank=True)
    spend = models.DecimalField(**MONEY)
    unconverted_contracts = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "month", "category", "team"], name="tool_spend_month_bucket"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.category}/{self.team}: {self.spend}"


class ToolSeatsMonthly(models.Model):
    """Seats bought (covering contract) and used (the month's last snapshot) per tool."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    tool_id = models.BigIntegerField()
    category = models.CharField(max_length=60)
    seats_bought = models.PositiveIntegerField()
    seats_used = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "month", "tool_id"], name="tool_seats_month_bucket"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} tool {self.tool_id}: {self.seats_used}/{self.seats_bought}"


class ToolNow(models.Model):
    """Each tool's current contract as the inventory counts it (annual run-rate, seats,
    renewal), so the tools tile agrees with the inventory's own spend and waste pages."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    tool_id = models.BigIntegerField()
    name = models.CharField(max_length=100)
    category = models.CharField(max_length=60)
    team = models.CharField(max_length=60, blank=True)
    in_spend = models.BooleanField()
    annual_cost = models.DecimalField(null=True, **MONEY)  # converted; null: no budget rate
    seats_bought = models.PositiveIntegerField()
    seats_used = models.PositiveIntegerField()
    renewal_date = models.DateField(null=True)
    notice_deadline = models.DateField(null=True)
    decision = models.CharField(max_length=12, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "tool_id"], name="tool_now_bucket")
        ]

    def __str__(self) -> str:
        return self.name


class RefreshState(models.Model):
    """One per workspace: the refresh lease and the outcome of the last refresh.

    The lease (holder, lease_expires_at) makes refreshes single-flight; a worker that died
    leaves a lease that expires and is taken over.
    """

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="+")
    holder = models.CharField(max_length=40, blank=True)
    lease_expires_at = models.DateTimeField(null=True)
    last_success_at = models.DateTimeField(null=True)  # the "as of" every tile shows
    last_failure_at = models.DateTimeField(null=True)
    last_error = models.TextField(blank=True)
    manual_requested_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"refresh of workspace {self.workspace_id}"


class RefreshRun(models.Model):
    """A refresh that applied marks: what it consumed and wrote (history and tests read it)."""

    class Kind(models.TextChoices):
        INCREMENTAL = "incremental"
        FULL = "full"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True)
    marks = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    rows_deleted = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.kind} refresh at {self.started_at:%Y-%m-%d %H:%M}"


class DigestSubscription(models.Model):
    """A member who opted in to the weekly digest."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    membership = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"digest for member {self.membership_id}"


class DigestSent(models.Model):
    """A week's digest claimed for a workspace, so a repeated beat sends it once."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    week = models.DateField()  # the Monday it was sent for
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "week"], name="digest_once_a_week")
        ]

    def __str__(self) -> str:
        return f"digest of the week of {self.week}"
