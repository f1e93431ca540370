"""The tool inventory: tools, their contracts and seat use, requests, renewal decisions and
reminders. Every row carries its workspace, and every unique constraint includes it."""

import calendar
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from productops.models import Membership, User, Workspace


class ToolStatus(models.TextChoices):
    EVALUATING = "evaluating", "Evaluating"
    ACTIVE = "active", "Active"
    RETIRING = "retiring", "Retiring"
    RETIRED = "retired", "Retired"


class DataSensitivity(models.TextChoices):
    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    RESTRICTED = "restricted", "Restricted (customer PII)"


# The channels a tool can feed into the feedback pipeline. The feedback app links its sources to
# tools by these names; inventory stores only the names, since it may not import feedback.
FEEDBACK_SOURCE_KINDS = [
    ("intercom", "Intercom"),
    ("zendesk", "Zendesk"),
    ("salesforce", "Salesforce"),
    ("hubspot", "HubSpot"),
    ("slack", "Slack"),
    ("gong", "Gong"),
    ("email", "Email"),
    ("app_store", "App stores"),
    ("g2", "G2"),
    ("typeform", "Typeform"),
    ("productboard", "Productboard"),
    ("canny", "Canny"),
    ("pendo", "Pendo"),
]


class Tool(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    vendor = models.CharField(max_length=100, blank=True)
    category = models.CharField(max_length=60)
    description = models.TextField(blank=True)
    url = models.URLField(blank=True)
    owner = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    team = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=12, choices=ToolStatus.choices, default=ToolStatus.ACTIVE)
    sso_enabled = models.BooleanField(default=False)
    data_sensitivity = models.CharField(
        max_length=12, choices=DataSensitivity.choices, default=DataSensitivity.INTERNAL
    )
    tags = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    feedback_source_kinds = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint("workspace", Lower("name"), name="tool_name_once"),
        ]
        indexes = [
            models.Index(fields=["workspace", "category"], name="tool_by_category"),
            models.Index(fields=["workspace", "status"], name="tool_by_status"),
        ]

    def __str__(self) -> str:
        return self.name


class BillingPeriod(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    ANNUAL = "annual", "Annual"
    MULTI_YEAR = "multi_year", "Multi-year"


class RenewalChoice(models.TextChoices):
    RENEW = "renew", "Renew"
    RENEGOTIATE = "renegotiate", "Renegotiate"
    CANCEL = "cancel", "Cancel"


class Contract(models.Model):
    """One term of a tool's contract. A renewal is a new row; the old one stays as history.

    `cost` is what one billing period costs: a month, a year, or the whole multi-year term.
    A contract decided `cancel` ends at its renewal date and no longer counts toward annual spend.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="contracts")
    plan = models.CharField(max_length=100, blank=True)
    billing_period = models.CharField(max_length=12, choices=BillingPeriod.choices)
    term_months = models.PositiveSmallIntegerField(null=True, blank=True)
    cost = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    seats_bought = models.PositiveIntegerField(default=0)
    seats_used = models.PositiveIntegerField(default=0)
    start_date = models.DateField()
    renewal_date = models.DateField()
    auto_renew = models.BooleanField(default=True)
    notice_days = models.PositiveSmallIntegerField(default=30)
    reference = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)
    is_current = models.BooleanField(default=True)
    decision = models.CharField(
        max_length=12, choices=RenewalChoice.choices, blank=True, default=""
    )  # the latest RenewalDecision, kept here so lists and sums need no extra join
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "tool"],
                condition=Q(is_current=True),
                name="one_current_contract_per_tool",
            ),
            models.CheckConstraint(condition=Q(cost__gte=0), name="contract_cost_not_negative"),
            models.CheckConstraint(
                condition=~Q(billing_period="multi_year") | Q(term_months__gte=13),
                name="multi_year_needs_term",
            ),
            models.CheckConstraint(
                condition=Q(renewal_date__gt=models.F("start_date")),
                name="contract_renews_after_start",
            ),
        ]
        indexes = [
            models.Index(
                fields=["workspace", "renewal_date"],
                condition=Q(is_current=True),
                name="current_contract_renewal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tool.name} {self.plan}".strip() + f" to {self.renewal_date:%d %b %Y}"

    @property
    def notice_deadline(self) -> date:
        return self.renewal_date - timedelta(days=self.notice_days)

    @property
    def annual_cost(self) -> Decimal:
        return annualise(self.cost, self.billing_period, self.term_months)

    @property
    def counts_toward_spend(self) -> bool:
        return self.is_current and self.decision != RenewalChoice.CANCEL


def term_start(renewal_date: date, billing_period: str, term_months: int | None) -> date:
    """The day a term renewing on `renewal_date` began: one billing period earlier (a month; a
    year, or `term_months` when given; a multi-year contract's `term_months`), on the same day
    of the month, or that month's last day when it is shorter (31 March -> 28/29 February)."""
    if billing_period == BillingPeriod.MONTHLY:
        months = 1
    elif billing_period == BillingPeriod.MULTI_YEAR:
        if not term_months:
            raise ValueError("A multi-year contract's start needs its term in months.")
        months = term_months
    else:
        months = term_months or 12
    month_index = renewal_date.year * 12 + renewal_date.month - 1 - months
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(renewal_date.day, last_day))


def annualise(cost: Decimal, billing_period: str, term_months: int | None) -> Decimal:
    """What a period's cost comes to over a year (the SQL twin is selectors.ANNUAL_COST)."""
    if billing_period == BillingPeriod.MONTHLY:
        return cost * 12
    if billing_period == BillingPeriod.MULTI_YEAR:
        return (cost * 12 / Decimal(term_months or 12)).quantize(Decimal("0.01"))
    return cost


class UsageSource(models.TextChoices):
    MANUAL = "manual", "Entered"
    IMPORT = "import", "Imported"
    API = "api", "API"


class SeatUsageSnapshot(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="usage")
    taken_on = models.DateField()
    seats_used = models.PositiveIntegerField()
    seats_bought = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=8, choices=UsageSource.choices, default=UsageSource.MANUAL)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "tool", "taken_on"], name="one_snapshot_per_tool_and_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tool_id} {self.taken_on}: {self.seats_used}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ToolRequest(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=100)
    vendor = models.CharField(max_length=100, blank=True)
    category = models.CharField(max_length=60)
    team = models.CharField(max_length=60, blank=True)
    url = models.URLField(blank=True)
    reason = models.TextField()
    seats_needed = models.PositiveIntegerField(null=True, blank=True)
    estimated_annual_cost = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    tool = models.ForeignKey(
        Tool, on_delete=models.SET_NULL, null=True, blank=True, related_name="requests"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["workspace", "status", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="decided_request_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"Request for {self.name}"


class RenewalDecision(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=12, choices=RenewalChoice.choices)
    reason = models.TextField()
    # What a renegotiation aims for, in the contract's currency and per year; empty otherwise.
    target_seats = models.PositiveIntegerField(null=True, blank=True)
    target_annual_cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["workspace", "contract", "-decided_at"])]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} {self.contract.tool.name}"


class RenewalReminder(models.Model):
    """That the reminder for (contract, threshold) is done. The unique row is the guarantee of
    "once per contract and threshold": the sender inserts it with ON CONFLICT DO NOTHING and only
    the inserter sends. `sent` is false for a larger threshold that a nearer one covered."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="reminders")
    threshold_days = models.PositiveSmallIntegerField()
    sent = models.BooleanField(default=True)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "contract", "threshold_days"],
                name="one_reminder_per_threshold",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} at {self.threshold_days} days"


class Notification(models.Model):
    """An in-app notice to one person, e.g. a renewal reminder, shown until dismissed."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="notifications")
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["workspace", "recipient", "-created_at"],
                condition=Q(dismissed_at__isnull=True),
                name="open_notifications",
            )
        ]

    def __str__(self) -> str:
        return self.message


DEFAULT_UTILISATION_THRESHOLD = 70
DEFAULT_REMINDER_DAYS = (90, 30, 7)


def default_reminder_days() -> list[int]:
    return list(DEFAULT_REMINDER_DAYS)


class InventorySettings(models.Model):
    """A workspace's inventory settings; a workspace without a row uses the defaults.

    `exchange_rates` maps a currency code to how many units of the workspace currency one unit
    is worth: budget rates the ops lead sets, not live market rates. Contracts in a currency
    without a rate are left out of converted totals and shown apart.
    """

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="+")
    utilisation_threshold = models.PositiveSmallIntegerField(default=DEFAULT_UTILISATION_THRESHOLD)
    reminder_days = ArrayField(models.PositiveSmallIntegerField(), default=default_reminder_days)
    exchange_rates = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(utilisation_threshold__gte=1, utilisation_threshold__lte=100),
                name="utilisation_threshold_is_a_percentage",
            )
        ]

    def __str__(self) -> str:
        return f"Inventory settings of {self.workspace_id}"
