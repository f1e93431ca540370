"""The feedback pipeline: where feedback comes from, who sent it, what it says, what it asks for.

Every row carries its workspace, and every unique constraint includes it.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from productops.folding import Fold
from productops.models import User, Workspace


class Channel(models.TextChoices):
    API = "api", "API"
    WEB_FORM = "web_form", "Web form"
    CSV_IMPORT = "csv_import", "CSV import"
    WEBHOOK = "webhook", "Inbound webhook"
    EMAIL = "email", "Email"
    SLACK = "slack", "Slack"
    INTERCOM = "intercom", "Intercom"
    ZENDESK = "zendesk", "Zendesk"
    MANUAL = "manual", "Manual entry"


class Source(models.Model):
    """Where feedback comes in: a channel, optionally the inventory tool behind it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    tool = models.ForeignKey(
        "inventory.Tool", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Inbound webhooks: the shared secret for HMAC signatures, and how the sender's JSON maps
    # onto our fields ({"body": "data.message", "email": "data.user.email", ...}).
    webhook_secret = models.CharField(max_length=64, blank=True)
    field_mapping = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint("workspace", Lower("name"), name="source_name_once"),
        ]

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    """A customer company."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=200, blank=True)  # lower case, no "www."
    external_id = models.CharField(max_length=100, blank=True)
    plan = models.CharField(max_length=60, blank=True)
    segment = models.CharField(max_length=60, blank=True)
    annual_revenue = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "domain"], condition=~Q(domain=""), name="account_domain_once"
            ),
            models.UniqueConstraint(
                fields=["workspace", "external_id"],
                condition=~Q(external_id=""),
                name="account_external_id_once",
            ),
        ]
        indexes = [models.Index(fields=["workspace", "segment"])]

    def __str__(self) -> str:
        return self.name

    @property
    def plan_and_segment(self) -> list[str]:
        """The plan, then the segment, each when set; once when both are the same word (CRMs
        often say "Enterprise" for both, and a page saying it twice reads as a mistake)."""
        labels = [label for label in (self.plan, self.segment) if label]
        if len(labels) == 2 and labels[0].casefold() == labels[1].casefold():
            return labels[:1]
        return labels


class Contact(models.Model):
    """A person who gave feedback, matched to an account by email domain or external id."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(blank=True)  # lower case
    name = models.CharField(max_length=200, blank=True)
    external_id = models.CharField(max_length=100, blank=True)
    account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "email"], condition=~Q(email=""), name="contact_email_once"
            ),
            models.UniqueConstraint(
                fields=["workspace", "external_id"],
                condition=~Q(external_id=""),
                name="contact_external_id_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.external_id or f"Contact {self.pk}"


class ProductArea(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)

    class Meta:
        constraints = [
            models.UniqueConstraint("workspace", Lower("name"), name="product_area_once")
        ]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=60)

    class Meta:
        constraints = [models.UniqueConstraint("workspace", Lower("name"), name="tag_once")]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    NEW = "new", "New"
    TRIAGED = "triaged", "Triaged"
    ARCHIVED = "archived", "Archived"
    SPAM = "spam", "Spam"


class Priority(models.IntegerChoices):
    NONE = 0, "No priority"
    LOW = 1, "Low"
    MEDIUM = 2, "Medium"
    HIGH = 3, "High"
    URGENT = 4, "Urgent"


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", "Negative"
    NEUTRAL = "neutral", "Neutral"
    POSITIVE = "positive", "Positive"


class FeedbackItem(models.Model):
    # Foreign keys that the composite indexes below cover go without an index of their own:
    # every extra index on this table costs every write and every plan of the inbox query.
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="items")
    external_id = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    received_at = models.DateTimeField(default=timezone.now)
    contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        db_index=False,
    )
    account = models.ForeignKey(
        Account,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        db_index=False,
    )
    # Who sent it, as given at intake; matched to a contact and account in the background.
    submitter_email = models.EmailField(blank=True)
    submitter_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    product_area = models.ForeignKey(
        ProductArea,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="items")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NONE)
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices, blank=True)
    sentiment_score = models.FloatField(null=True, blank=True)  # -1 .. 1, from the scorer
    sentiment_overridden = models.BooleanField(default=False)
    # The sender's own star rating (an app store review): 1-5, productops.validation.STAR_RATING.
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        db_index=False,  # feedback_duplicates below
    )
    version = models.PositiveIntegerField(default=1)
    processed_at = models.DateTimeField(null=True, blank=True)  # null: background work pending
    triaged_at = models.DateTimeField(null=True, blank=True)
    triaged_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    # When the item last left the inbox (status "new") by any way out: triage, archive, spam, a
    # merge; null while it waits. The backlog at any moment is the items received by then and
    # not yet left, so the dashboards' backlog history needs every exit's time. Services set it
    # with the status (triage.set_status); the feedback_left_inbox trigger fills it for any
    # other writer (an import or spam at intake: its triage time, else its received time) and
    # clears it when an item comes back to the inbox.
    left_inbox_at = models.DateTimeField(null=True, blank=True)
    loop_closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    search = models.GeneratedField(
        # Folded (productops.folding) so "cafe" finds "café" and "Muller" finds "Müller".
        expression=SearchVector(Fold("title"), Fold("body"), config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "source", "external_id"],
                condition=~Q(external_id=""),
                name="feedback_external_id_once_per_source",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="feedback_rating_one_to_five",
            ),
            models.CheckConstraint(
                condition=Q(status="new", left_inbox_at__isnull=True)
                | (~Q(status="new") & Q(left_inbox_at__isnull=False)),
                name="feedback_left_inbox_unless_new",
            ),
        ]
        indexes = [
            # Keyset pages: the index order matches ORDER BY received_at DESC, id DESC exactly.
            models.Index(
                "workspace",
                "status",
                models.F("received_at").desc(),
                models.F("id").desc(),
                name="feedback_inbox",
            ),
            # The "All" tab and the CSV export; with what the dashboards count of a day's items
            # (their rollups recount the marked days), so those recounts read the index alone,
            # never the items' pages, which sit anywhere in the heap after an import.
            models.Index(
                "workspace",
                models.F("received_at").desc(),
                models.F("id").desc(),
                include=[
                    "status",
                    "source",
                    "product_area",
                    "account",
                    "sentiment",
                    "triaged_at",
                    "left_inbox_at",
                    "duplicate_of",
                ],
                name="feedback_all_newest",
            ),
            models.Index(
                "workspace",
                "product_area",
                "status",
                models.F("received_at").desc(),
                models.F("id").desc(),
                name="feedback_by_area",
            ),
            models.Index(
                "workspace",
                "assignee",
                "status",
                models.F("received_at").desc(),
                models.F("id").desc(),
                name="feedback_by_assignee",
            ),
            models.Index(fields=["workspace", "account"], name="feedback_by_account"),
            # Dashboards recount the items triaged on given days (the triage flow).
            models.Index(
                fields=["workspace", "triaged_at"],
                condition=Q(triaged_at__isnull=False),
                name="feedback_by_triage_time",
            ),
            # ... and the items that left the inbox on given days (the backlog's history).
            models.Index(
                fields=["workspace", "left_inbox_at"],
                condition=Q(left_inbox_at__isnull=False),
                name="feedback_by_exit_time",
            ),
            models.Index(fields=["workspace", "contact"], name="feedback_by_contact"),
            models.Index(fields=["duplicate_of"], name="feedback_duplicates"),
            models.Index(
                fields=["created_at"],
                condition=Q(processed_at__isnull=True),
                name="feedback_unprocessed",
            ),
            GinIndex(fields=["search"], name="feedback_search"),
            # Trigram indexes on titles exist where the server has pg_trgm: migration 0002.
        ]

    def __str__(self) -> str:
        return self.title or self.body[:80]


class StatusCount(models.Model):
    """How many of a workspace's items have each status: the inbox's tabs at any size.

    Kept by every service that creates an item or changes its status, in that service's own
    transaction (feedback/services/status_counts.py), so it always equals a recount.
    """

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    items = models.BigIntegerField(default=0)
    # How many committed writes changed this row. Every write adds at least one over the
    # workspace's rows, so their sum read with the counts stamps which state a reader saw: a
    # larger sum is a later state (selectors.triage.status_counts, the inbox's tabs).
    changes = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "status"], name="status_count_once"),
        ]

    def __str__(self) -> str:
        return f"{self.status}: {self.items}"


class DuplicateCandidate(models.Model):
    """An earlier item that may say the same thing, found in the background after intake."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(FeedbackItem, on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey(FeedbackItem, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "candidate"], name="candidate_once")]
        indexes = [models.Index(fields=["item", "-score"])]

    def __str__(self) -> str:
        return f"{self.item_id} ~ {self.candidate_id} ({self.score:.2f})"


class FeedbackMerge(models.Model):
    """One item marked a duplicate of another; kept so the merge can be undone exactly."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    original = models.ForeignKey(FeedbackItem, on_delete=models.CASCADE, related_name="+")
    duplicate = models.ForeignKey(FeedbackItem, on_delete=models.CASCADE, related_name="+")
    previous_status = models.CharField(max_length=10, choices=Status.choices)
    moved_link_ids = models.JSONField(default=list)  # idea links moved to the original
    merged_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    merged_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.duplicate_id} -> {self.original_id}"


class StatusCategory(models.TextChoices):
    """What an idea status means, whatever a workspace calls it."""

    OPEN = "open", "Open"
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    SHIPPED = "shipped", "Shipped"
    DECLINED = "declined", "Declined"


class IdeaStatus(models.Model):
    """The workspace's idea statuses: the six defaults and any it defines."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=60)
    category = models.CharField(max_length=12, choices=StatusCategory.choices)
    position = models.PositiveSmallIntegerField(default=0)
    is_public = models.BooleanField(default=True)  # shown on the public roadmap

    class Meta:
        constraints = [models.UniqueConstraint("workspace", Lower("name"), name="idea_status_once")]
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Idea(models.Model):
    """A feature request or opportunity that feedback asks for."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.ForeignKey(IdeaStatus, on_delete=models.PROTECT, related_name="ideas")
    product_area = models.ForeignKey(
        ProductArea, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_public = models.BooleanField(default=False)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "status", "-updated_at"], name="ideas_by_status"),
        ]

    def __str__(self) -> str:
        return self.title


class Importance(models.IntegerChoices):
    NICE_TO_HAVE = 1, "Nice to have"
    IMPORTANT = 2, "Important"
    CRITICAL = 3, "Critical"


class IdeaLink(models.Model):
    """Feedback that asks for an idea, with how much it matters to the customer."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(FeedbackItem, on_delete=models.CASCADE, related_name="idea_links")
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="links")
    importance = models.PositiveSmallIntegerField(
        choices=Importance.choices, default=Importance.IMPORTANT
    )
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "idea"], name="link_once")]
        indexes = [models.Index(fields=["idea", "-created_at"], name="links_by_idea")]

    def __str__(self) -> str:
        return f"{self.item_id} -> {self.idea_id}"


class LoopClosure(models.Model):
    """Telling the people who asked that an idea shipped or was declined.

    The PM previews and edits the message; each contact gets one notice per idea and outcome
    (the unique constraint), however often the task runs.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="closures")
    outcome = models.CharField(max_length=12, choices=StatusCategory.choices)
    subject = models.CharField(max_length=200)
    message = models.TextField()
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.outcome} notice for {self.idea}"


class LoopNotice(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    closure = models.ForeignKey(LoopClosure, on_delete=models.CASCADE, related_name="notices")
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(max_length=12, choices=StatusCategory.choices)
    queued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["idea", "contact", "outcome"], name="one_notice_per_contact_and_outcome"
            )
        ]

    def __str__(self) -> str:
        return f"{self.outcome} notice to {self.contact_id}"


class SavedView(models.Model):
    """A named set of inbox filters: personal, or shared with the workspace."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    filters = models.JSONField(default=dict)
    shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "workspace", "owner", Lower("name"), name="saved_view_name_once"
            )
        ]

    def __str__(self) -> str:
        return self.name


class RoadmapSettings(models.Model):
    """The workspace's public roadmap: off until someone turns it on."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(default=False)
    title = models.CharField(max_length=120, blank=True)
    intro = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.title or f"Roadmap of {self.workspace_id}"
