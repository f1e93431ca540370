"""Team capacity for a planning period: who is there, how much of the period, at what rate.

A member's capacity = per_person x availability / 100 x (working_days - days_off) / working_days,
where `per_person` is what one full-time person delivers over the whole period in the plan's
unit (points, or days: then per_person defaults to working_days). The team's capacity is the
sum over its members. Figures come from planning.selectors.capacity.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from productops.models import User, Workspace


class CapacityUnit(models.TextChoices):
    POINTS = "points", "Points"
    DAYS = "days", "Person-days"


class CapacityPlan(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    # The team as sessions name it (PlanningSession.team): committed load is read from them.
    team = models.CharField(max_length=100)
    period_start = models.DateField()
    period_end = models.DateField()
    unit = models.CharField(
        max_length=10, choices=CapacityUnit.choices, default=CapacityUnit.POINTS
    )
    working_days = models.PositiveSmallIntegerField()
    per_person = models.DecimalField(max_digits=8, decimal_places=2)
    notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "team", "period_start"], name="capacity_plan_once"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="capacity_period_in_order",
            ),
            models.CheckConstraint(condition=Q(working_days__gt=0), name="capacity_working_days"),
        ]
        indexes = [
            models.Index(fields=["workspace", "team", "-period_start"], name="capacity_by_team"),
        ]

    def __str__(self) -> str:
        return f"{self.team}: {self.period_start:%d %b %Y} - {self.period_end:%d %b %Y}"


class CapacityMember(models.Model):
    """One person's share: a member of the workspace, or a named outsider (a contractor)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(CapacityPlan, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=120, blank=True)
    availability = models.PositiveSmallIntegerField(default=100)  # percent: part time
    days_off = models.DecimalField(max_digits=5, decimal_places=1, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "user"],
                condition=Q(user__isnull=False),
                name="capacity_member_once",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(name=""), name="capacity_member_named"
            ),
            models.CheckConstraint(
                condition=Q(availability__gte=0, availability__lte=100),
                name="capacity_availability_percent",
            ),
            models.CheckConstraint(condition=Q(days_off__gte=0), name="capacity_days_off"),
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.user.display_name if self.user else self.name
