"""Forms of the planning pages. The services validate again; these shape the input."""

from typing import cast

from django import forms

from planning.models import KIND_HAS, DecisionOutcome, ParticipantRole, SessionKind
from planning.selectors import sessions as selectors
from planning.services.sessions import SessionSettings
from productops.widgets import IsoDateInput, IsoDateTimeInput


class SessionForm(forms.Form):
    kind = forms.ChoiceField(choices=SessionKind.choices, initial=SessionKind.PRIORITISATION)
    title = forms.CharField(max_length=200)
    team = forms.CharField(max_length=100, required=False)
    period_start = forms.DateField(required=False, widget=IsoDateInput(), label="Period from")
    period_end = forms.DateField(required=False, widget=IsoDateInput(), label="Period to")
    scheduled_at = forms.DateTimeField(
        required=False,
        widget=IsoDateTimeInput(),
        label="Scheduled start",
    )
    scoring_model = forms.ChoiceField(choices=[], required=False, initial="rice")
    auto_reveal = forms.BooleanField(
        required=False, label="Reveal once every present voter has voted (after a countdown)"
    )
    anonymous_reflections = forms.BooleanField(
        required=False, initial=True, label="Anonymous reflections (retrospectives)"
    )
    vote_budget = forms.IntegerField(
        required=False, min_value=1, max_value=1000, help_text="Dots per person (dot voting)"
    )
    vote_cap_per_item = forms.IntegerField(
        required=False, min_value=1, max_value=1000, help_text="At most this many on one item"
    )
    item_timer_minutes = forms.IntegerField(required=False, min_value=1, max_value=240)
    phase_timer_minutes = forms.IntegerField(required=False, min_value=1, max_value=240)

    def __init__(self, *args, workspace, kind: str | None = None, **kwargs) -> None:
        """A new session's form (every field: the kind is chosen on it), or with `kind` the
        settings of a session of that kind: only the fields it uses (`KIND_HAS`), worded for it."""
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["scoring_model"]).choices = [
            ("", "— (estimation and retrospectives)"),
            *selectors.model_choices(workspace=workspace),
        ]
        if kind is None:
            return
        used = KIND_HAS[kind].settings
        for name in list(self.fields):
            if name not in used:
                del self.fields[name]
        if KIND_HAS[kind].board:  # a retro's votes are dots on groups
            self.fields["vote_budget"].label = "Dots per person"
            self.fields["vote_budget"].help_text = "5 when empty"
            self.fields["vote_cap_per_item"].label = "Dots on one group at most"
            self.fields["vote_cap_per_item"].help_text = "3 when empty"
            self.fields["anonymous_reflections"].label = "Anonymous reflections"
            self.fields["anonymous_reflections"].help_text = "Fixed once the first is written"

    def settings(self) -> SessionSettings:
        data = self.cleaned_data

        def seconds(name: str) -> int | None:
            return data[name] * 60 if data.get(name) else None

        return SessionSettings(
            title=data["title"],
            team=data.get("team", ""),
            period_start=data.get("period_start"),
            period_end=data.get("period_end"),
            scheduled_at=data.get("scheduled_at"),
            scoring_model=data.get("scoring_model", ""),
            anonymous_reflections=data.get("anonymous_reflections", False),
            vote_budget=data.get("vote_budget"),
            vote_cap_per_item=data.get("vote_cap_per_item"),
            auto_reveal=data.get("auto_reveal", False),
            item_timer_seconds=seconds("item_timer_minutes"),
            phase_timer_seconds=seconds("phase_timer_minutes"),
        )

    @staticmethod
    def initial_for(session) -> dict:
        def minutes(value):
            return value // 60 if value else None

        return {
            "title": session.title,
            "team": session.team,
            "period_start": session.period_start,
            "period_end": session.period_end,
            "scheduled_at": session.scheduled_at,
            "scoring_model": session.scoring_model,
            "auto_reveal": session.auto_reveal,
            "anonymous_reflections": session.anonymous_reflections,
            "vote_budget": session.vote_budget,
            "vote_cap_per_item": session.vote_cap_per_item,
            "item_timer_minutes": minutes(session.item_timer_seconds),
            "phase_timer_minutes": minutes(session.phase_timer_seconds),
        }


class AgendaForm(forms.Form):
    idea = forms.IntegerField(required=False)
    contract = forms.IntegerField(required=False)
    topic = forms.CharField(max_length=200, required=False)


class JoinForm(forms.Form):
    role = forms.ChoiceField(
        choices=[
            (ParticipantRole.VOTER, "Voter"),
            (ParticipantRole.SPECTATOR, "Spectator"),
        ],
        initial=ParticipantRole.VOTER,
    )


class InviteForm(JoinForm):
    user = forms.IntegerField()


class HandOverForm(forms.Form):
    to = forms.IntegerField()


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(choices=DecisionOutcome.choices)
    estimate = forms.DecimalField(
        required=False, min_value=0, max_digits=8, decimal_places=2, label="Agreed estimate"
    )
    defer_until = forms.DateField(required=False, widget=IsoDateInput())
    rationale = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class AnnounceForm(forms.Form):
    subject = forms.CharField(max_length=200)
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}))
