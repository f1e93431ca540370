"""Retrospectives, on a PlanningSession of kind retrospective.

Prompts are copied from a template when the retro is prepared (well / improve / try, or one of
the workspace's own), so editing a template never rewrites a retro already held. Reflections
keep their author so a person can edit their own; when the session's reflections are anonymous
no page, answer or export shows who wrote one. Action items carry the session's team, so the
next retro of the team opens with the ones still open and the share done is counted per team.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from planning.models.sessions import Participant, PlanningSession
from productops.models import User, Workspace

DEFAULT_PROMPTS = ["What went well", "What to improve", "What to try next"]


class RetroTemplate(models.Model):
    """A workspace's own set of prompts (e.g. Start / Stop / Continue)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    prompts = ArrayField(models.CharField(max_length=120), size=8)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint("workspace", Lower("name"), name="retro_template_name_once"),
        ]

    def __str__(self) -> str:
        return self.name


class RetroPrompt(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(PlanningSession, on_delete=models.CASCADE, related_name="prompts")
    text = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "position"], name="retro_prompt_position"),
        ]
        ordering = ["position"]

    def __str__(self) -> str:
        return self.text


class ReflectionGroup(models.Model):
    """Reflections the room put together; groups are what the room votes on and discusses."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(
        PlanningSession, on_delete=models.CASCADE, related_name="reflection_groups"
    )
    title = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title or f"Group {self.pk}"


class Reflection(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(
        PlanningSession, on_delete=models.CASCADE, related_name="reflections"
    )
    prompt = models.ForeignKey(RetroPrompt, on_delete=models.CASCADE, related_name="reflections")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=1000)
    group = models.ForeignKey(
        ReflectionGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reflections",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["session", "group"], name="reflections_by_group")]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Reflection {self.pk}"  # never the author: reflections may be anonymous


class RetroVote(models.Model):
    """A participant's dots on a group (budget and cap: the session's vote settings)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(PlanningSession, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(ReflectionGroup, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    dots = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "participant"], name="retro_vote_once"),
            models.CheckConstraint(condition=Q(dots__gt=0), name="retro_vote_dots"),
        ]

    def __str__(self) -> str:
        return f"Dots of participant {self.participant_id} on group {self.group_id}"


class DiscussionNote(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(
        PlanningSession, on_delete=models.CASCADE, related_name="discussion_notes"
    )
    group = models.ForeignKey(
        ReflectionGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="notes"
    )
    author = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.TextField(max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Note {self.pk}"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


class ActionItem(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(PlanningSession, on_delete=models.CASCADE, related_name="actions")
    team = models.CharField(max_length=100, blank=True)  # the session's, for per-team figures
    group = models.ForeignKey(
        ReflectionGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    done_at = models.DateTimeField(null=True, blank=True)
    # When a later retro reviewed it ("review last actions").
    reviewed_in = models.ForeignKey(
        PlanningSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ActionStatus.DONE) | Q(done_at__isnull=True),
                name="action_done_at_only_when_done",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "team", "status"], name="actions_by_team"),
            models.Index(fields=["workspace", "owner", "status"], name="actions_by_owner"),
        ]
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title
