"""Workspace-defined scoring formulas and the workspace's planning settings.

A formula's fields and expression are checked by planning.scoring when they are saved (through
planning.services.scoring), so a stored formula always evaluates or names a bad value.
"""

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from planning import scales, scoring
from planning.formula import MAX_FORMULA_LENGTH
from productops.models import User, Workspace


class ScoringFormula(models.Model):
    """A weighted formula over named fields, e.g. (0.6 * value + 0.4 * reach) / effort.

    `fields` is a list of {"name", "label", "scale"}, scale one of planning.scales.ScaleKind.
    Sessions name it by `key` ("formula:<id>"); an archived formula scores the sessions that
    already use it but is offered to no new one.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)
    fields = models.JSONField(default=list)
    expression = models.CharField(max_length=MAX_FORMULA_LENGTH)
    higher_is_better = models.BooleanField(default=True)
    is_archived = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint("workspace", Lower("name"), name="scoring_formula_name_once"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def key(self) -> str:
        return f"{scoring.FORMULA_KEY_PREFIX}{self.pk}"

    def as_model(self) -> scoring.ScoringModel:
        return scoring.ScoringModel(
            key=self.key,
            name=self.name,
            source=self.description or f"Workspace formula: {self.expression}",
            fields=tuple(
                scoring.ScoreField(f["name"], f["label"], scales.ScaleKind(f["scale"]))
                for f in self.fields
            ),
            expression=self.expression,
            higher_is_better=self.higher_is_better,
        )


class PlanningSettings(models.Model):
    """A workspace's planning settings; a workspace without a row has the defaults."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="+")
    # Evidence older than this many days weighs half as much (None: every item weighs 1).
    evidence_half_life_days = models.PositiveSmallIntegerField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Planning settings of {self.workspace}"
