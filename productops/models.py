from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from productops import history


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        return self.create_user(email, password, is_staff=True, is_superuser=True, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address. Workspace access comes from Membership."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=120, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.email


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    OPS_LEAD = "ops_lead", "Ops lead"
    PM = "pm", "PM"
    EXEC = "exec", "Exec"


class Workspace(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    currency = models.CharField(max_length=3, default="USD")
    # How the workspace writes numeric dates; an import column that cannot tell defaults to it.
    date_order = models.CharField(
        max_length=3,
        choices=[("mdy", "Month first (01/31/2027)"), ("dmy", "Day first (31/01/2027)")],
        default="mdy",
    )
    # An IANA zone name; "today", deadlines, day buckets and reminders are this zone's
    # (productops/clock.py). Validated by the services against the zone database.
    time_zone = models.CharField(max_length=64, default="UTC")
    created_at = models.DateTimeField(default=timezone.now)
    # The first 16 hex digits of the logo's SHA-256, "" without one: pages build the logo's
    # URL from it (a new logo is a new URL, so browsers may keep each for ever) without
    # loading the image's row, which lives apart in WorkspaceLogo.
    logo_version = models.CharField(max_length=16, blank=True, default="")

    def __str__(self) -> str:
        return self.name


class WorkspaceLogo(models.Model):
    """The workspace's logo: the image's bytes and the type read from them (never from the
    file's name or the browser's claim), checked by productops.images; at most one a
    workspace. Kept in Postgres so any web process serves it and no path is ever built from
    what was uploaded."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="logo")
    content = models.BinaryField()
    content_type = models.CharField(max_length=20)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.workspace_id}'s logo ({self.content_type})"


class Membership(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_once"),
        ]
        indexes = [models.Index(fields=["user", "workspace"])]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) in {self.workspace}"


class Invitation(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-created_at"])]
        constraints = [
            # One open invitation per address and workspace; a new one replaces the old.
            models.UniqueConstraint(
                "workspace",
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.workspace}"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class TokenScope(models.TextChoices):
    INTAKE = "intake", "Intake (push feedback)"
    READ = "read", "Read"
    WRITE = "write", "Write"


class ApiToken(models.Model):
    """A workspace's API credential. Only a SHA-256 of the secret is kept."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = ArrayField(models.CharField(max_length=10, choices=TokenScope.choices))
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditEvent(models.Model):
    """One state change. Rows are append-only: a database trigger refuses UPDATE and DELETE."""

    workspace = models.ForeignKey(Workspace, on_delete=models.PROTECT, related_name="+")
    actor_user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_token = models.ForeignKey(
        ApiToken, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    verb = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "-created_at", "-id"], name="audit_newest"),
            models.Index(fields=["workspace", "verb", "-created_at"], name="audit_by_verb"),
            models.Index(fields=["workspace", "object_type", "object_id"], name="audit_by_object"),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.object_repr}"

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each field either side names, for reading."""
        before, after = self.before or {}, self.after or {}
        return [(field, before.get(field), after.get(field)) for field in {**before, **after}]

    @property
    def sentences(self) -> list[str]:
        """What happened, as sentences that start with who did it (productops.history)."""
        return history.sentences(self)


class ChangeMark(models.Model):
    """A bucket of some topic that changed since dashboards last recomputed it.

    Written by services in the same transaction as the change; dashboards read and clear them.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    topic = models.CharField(max_length=40)
    bucket = models.CharField(max_length=80, blank=True, default="")
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "topic", "bucket"], name="one_mark_per_bucket"
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic}:{self.bucket}"


class QueuedWakeup(models.Model):
    """A wake-up call sent with `productops.queueing.enqueue_once_now` and not yet taken by a
    worker: until it is taken or `expires_at` passes, the same task with the same arguments is
    not sent again. In Postgres, so the coalescing holds across processes and with Redis down."""

    key = models.CharField(max_length=200, unique=True)  # task name and arguments
    expires_at = models.DateTimeField()
    # False: its publish failed (the broker down). A burst waits out the claim, but the sweeper,
    # which runs once the broker may be back, sends it at once.
    sent = models.BooleanField(default=True, db_default=True)

    def __str__(self) -> str:
        return self.key


class IdempotencyRecord(models.Model):
    """The first answer to a request sent with an Idempotency-Key, replayed for repeats."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    principal = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "principal", "key"], name="one_answer_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"


class OutboundEmail(models.Model):
    """An email to send. The row is the work; the Celery message only wakes a worker."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    html_body = models.TextField(blank=True)  # an HTML alternative of `body`, when there is one
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(sent_at__isnull=True),
                name="outbound_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} -> {self.to}"


class ImportJob(models.Model):
    """A CSV import: the file, its column mapping and its progress. The row is the work."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Mapping columns"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    filename = models.CharField(max_length=255)
    content = models.TextField()
    content_sha256 = models.CharField(max_length=64)
    header = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)  # our field name -> CSV column
    options = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_rows = models.PositiveIntegerField(default=0)
    updated_rows = models.PositiveIntegerField(default=0)
    unchanged_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    skipped_rows = models.PositiveIntegerField(default=0)
    noted_rows = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "-created_at", "-id"], name="import_newest"),
            models.Index(
                fields=["heartbeat_at"],
                condition=models.Q(status__in=["queued", "running"]),
                name="import_unfinished",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} import of {self.filename}"

    @property
    def percent(self) -> int:
        return 100 if not self.total_rows else int(100 * self.processed_rows / self.total_rows)

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class ImportRowError(models.Model):
    """A row the report names: not imported (error), not an item (skipped), or imported with a
    remark (note). Every row of a file is imported or named here."""

    class Kind(models.TextChoices):
        ERROR = "error", "Not imported"
        SKIPPED = "skipped", "Not an item"
        NOTE = "note", "Imported, with a note"

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.ERROR)
    reason = models.TextField()
    values = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["job", "row_number"])]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.reason}"
