"""Forms of the triage inbox: filters (page, export and API share them) and the item actions."""

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from feedback.models import (
    FeedbackItem,
    Idea,
    Importance,
    Priority,
    Sentiment,
    Status,
)
from feedback.selectors.triage import (
    ALL,
    NOT_SPAM,
    SORTS,
    InboxFilters,
    idea_or_none,
    item_or_none,
)
from feedback.services import triage as services
from feedback.services import triage_bulk
from productops.access import Actor
from productops.models import Workspace
from productops.validation import FILTER_DAY, FILTER_TEXT, ID

STATUS_TABS = [*Status.choices, (ALL, "All")]
# A status no tab shows: the lists a dashboard number links to (its count leaves spam out).
STATUS_CHOICES = [*STATUS_TABS, (NOT_SPAM, "All but spam")]
FILTER_KEYS = (
    "status",
    "source",
    "tag",
    "area",
    "segment",
    "account",
    "assignee",
    "sentiment",
    "priority",
    "since",
    "until",
    "triaged_since",
    "triaged_until",
    "q",
    "sort",
    "idea",
)


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)
    source = ID.form_field(required=False)
    tag = ID.form_field(required=False)
    area = forms.CharField(required=False, help_text='A product area id, or "none".')
    segment = forms.CharField(required=False, max_length=60)
    account = ID.form_field(required=False)
    assignee = forms.CharField(
        required=False, help_text='A user id, "me" or "unassigned".', max_length=20
    )
    sentiment = forms.ChoiceField(
        choices=[("", "Any"), *Sentiment.choices, ("none", "Not scored")], required=False
    )
    priority = forms.TypedChoiceField(
        choices=[("", "Any"), *Priority.choices], coerce=int, required=False, empty_value=None
    )
    since = FILTER_DAY.form_field(required=False)
    until = FILTER_DAY.form_field(required=False)
    triaged_since = FILTER_DAY.form_field(required=False)
    triaged_until = FILTER_DAY.form_field(required=False)
    q = forms.CharField(required=False, max_length=200)
    sort = forms.ChoiceField(choices=[(s, s) for s in SORTS], required=False)
    idea = ID.form_field(
        required=False, help_text="Only the feedback counted as evidence for this idea."
    )

    def __init__(self, data: QueryDict | dict | None, *, actor: Actor) -> None:
        super().__init__(data)
        self.actor = actor

    def clean_area(self) -> int | None:
        return self._id_or_none("area", "none")

    def clean_assignee(self) -> int | None:
        value = (self.cleaned_data.get("assignee") or "").strip()
        if value == "me":
            return self.actor.user.pk if self.actor.user else 0
        return self._id_or_none("assignee", "unassigned")

    def _id_or_none(self, name: str, none_word: str) -> int | None:
        value = (self.cleaned_data.get(name) or "").strip()
        if not value:
            return None
        if value == none_word:
            return 0
        if not value.isdigit():
            raise ValidationError(f'Give an id or "{none_word}".')
        return int(value)

    def filters(self) -> InboxFilters:
        """The valid filters; a field that is not valid is left out (the page says so)."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return InboxFilters(
            status=data.get("status") or Status.NEW,
            source=data.get("source"),
            tag=data.get("tag"),
            area=data.get("area"),
            segment=data.get("segment") or "",
            account=data.get("account"),
            assignee=data.get("assignee"),
            sentiment=data.get("sentiment") or "",
            priority=data.get("priority"),
            since=data.get("since"),
            until=data.get("until"),
            triaged_since=data.get("triaged_since"),
            triaged_until=data.get("triaged_until"),
            q=data.get("q") or "",
            sort=data.get("sort") or "newest",
            idea=data.get("idea"),
        )

    def query(self) -> dict[str, str]:
        """The filters as the query string gave them (for links, saved views, Load more)."""
        data = self.data
        return {k: str(data.get(k)).strip() for k in FILTER_KEYS if str(data.get(k) or "").strip()}


class ItemUpdateForm(forms.Form):
    """One inline action on an item: only the fields the request names change."""

    version = forms.IntegerField(min_value=1)
    status = forms.ChoiceField(choices=Status.choices, required=False)
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, required=False)
    assignee = forms.CharField(required=False, max_length=20)
    product_area = forms.CharField(required=False, max_length=20)
    sentiment = forms.ChoiceField(
        choices=[*Sentiment.choices, (services.AUTO_SENTIMENT, "Automatic")], required=False
    )
    add_tag = forms.CharField(required=False, max_length=60)
    remove_tag = ID.form_field(required=False)
    new_area = forms.CharField(required=False, max_length=80)
    # Not a change: the item the inbox moved on to, whose panel the answer carries (with
    # answer=row; views.triage._row_answer).
    next = ID.form_field(required=False)
    # Not a change either: this request is an undo (the toast's form posts it), whose answer
    # offers no undo of its own; `u` again undoes the action before (static/js/inbox.js).
    undo = forms.BooleanField(required=False)

    def changes(self) -> dict[str, Any]:
        """feedback_update's keyword arguments for what was posted, as ids and names: the
        service reads and creates the rows they name inside its own transaction."""
        data = self.cleaned_data
        changes: dict[str, Any] = {}
        for name in ("status", "priority", "sentiment"):
            if self.data.get(name) not in (None, ""):
                changes[name] = data[name]
        if "assignee" in self.data:
            changes["assignee"] = (data.get("assignee") or "").strip()
        if (data.get("new_area") or "").strip():
            changes["new_area"] = data["new_area"]
        elif "product_area" in self.data:
            changes["product_area"] = (data.get("product_area") or "").strip()
        if (data.get("add_tag") or "").strip():
            changes["add_tags"] = [data["add_tag"]]
        if data.get("remove_tag"):
            changes["remove_tags"] = [data["remove_tag"]]
        return changes


CHOOSE_ORIGINAL = "Choose the original item."


class MergeForm(forms.Form):
    """Merge the item (at `version`) into `original`: cleaned_data["original"] is that
    FeedbackItem of `workspace`. Errors: no usable id, "Choose the original item."; an id not
    in the workspace, "No such item in this workspace."."""

    version = forms.IntegerField(min_value=1)
    original = forms.IntegerField(
        min_value=1,
        error_messages={k: CHOOSE_ORIGINAL for k in ("required", "invalid", "min_value")},
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace

    def clean_original(self) -> FeedbackItem:
        found = item_or_none(workspace=self.workspace, item_id=self.cleaned_data["original"])
        if found is None:
            raise ValidationError("No such item in this workspace.")
        return found


class LinkForm(forms.Form):
    """Link the item (at `version`) to an idea: cleaned_data["idea"] is that Idea of `workspace`
    or None, and then `title` names a new idea. Errors: an idea id not in the workspace, "No
    such idea in this workspace."; neither idea nor title, "Choose an idea or give a new idea a
    title."."""

    version = forms.IntegerField(min_value=1)
    idea = forms.IntegerField(required=False, min_value=1)
    title = forms.CharField(required=False, max_length=200, label="New idea")
    importance = forms.TypedChoiceField(
        choices=Importance.choices,
        coerce=int,
        required=False,
        empty_value=Importance.IMPORTANT,  # type: ignore[arg-type]  # any value; the stubs say str
    )
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace

    def clean_idea(self) -> Idea | None:
        idea_id = self.cleaned_data.get("idea")
        if not idea_id:
            return None
        found = idea_or_none(workspace=self.workspace, idea_id=idea_id)
        if found is None:
            raise ValidationError("No such idea in this workspace.")
        return found

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if "idea" in self.errors:
            return data
        if not data.get("idea") and not (data.get("title") or "").strip():
            raise ValidationError("Choose an idea or give a new idea a title.")
        return data


def _posted(data: Mapping[str, Any], name: str) -> list[str]:
    """Every value of `name` in a form's data: the request's POST, a QueryDict."""
    return cast(QueryDict, data).getlist(name)


class BulkForm(forms.Form):
    """An action over selected items, each given as "id:version" (the version the PM saw)."""

    action = forms.ChoiceField(choices=triage_bulk.BULK_ACTIONS)
    items = forms.CharField(widget=forms.MultipleHiddenInput)
    value = forms.CharField(required=False, max_length=200)
    importance = forms.TypedChoiceField(
        choices=Importance.choices,
        coerce=int,
        required=False,
        empty_value=Importance.IMPORTANT,  # type: ignore[arg-type]  # any value; the stubs say str
    )

    def clean_items(self) -> dict[int, int]:
        versions = {}
        for entry in _posted(self.data, "items"):
            try:
                pk, version = str(entry).split(":")
                versions[int(pk)] = int(version)
            except ValueError:
                raise ValidationError("Each item is id:version.") from None
        if not versions:
            raise ValidationError("Select at least one item.")
        if len(versions) > 500:
            raise ValidationError("Select at most 500 items at once.")
        return versions

    def action_value(self) -> str:
        """The action's value: `value`, or the bulk bar's own field for it (`tag_value`...)."""
        action = self.cleaned_data["action"]
        raw = self.cleaned_data.get("value") or self.data.get(f"{action}_value") or ""
        return FILTER_TEXT.clean(raw, field="value")  # longer is a 400 naming value, never cut


class BulkRevertForm(forms.Form):
    """The bulk undo note's entries: "id:version:field:value", one per item, with the version
    the bulk action left and the field's value before it (see views.triage_bulk.bulk)."""

    FIELDS = ("status", "priority", "assignee", "product_area", "remove_tags")

    revert = forms.CharField(widget=forms.MultipleHiddenInput, required=False)

    def clean_revert(self) -> dict[int, tuple[int, dict]]:
        reverts: dict[int, tuple[int, dict]] = {}
        for entry in filter(None, _posted(self.data, "revert")):
            parts = str(entry).split(":", 3)
            if len(parts) != 4 or not (parts[0].isdigit() and parts[1].isdigit()):
                raise ValidationError("Each entry is id:version:field:value.")
            pk, version, name, value = parts
            if name not in self.FIELDS:
                raise ValidationError(f"Undo can restore only {', '.join(self.FIELDS)}.")
            change: dict[str, object]
            if name == "priority":
                if not value.isdigit():
                    raise ValidationError("A priority is a number from 0 to 4.")
                change = {name: int(value)}
            elif name == "remove_tags":
                if not value.isdigit():
                    raise ValidationError("A tag is given by its id.")
                change = {name: [int(value)]}
            else:
                change = {name: value}
            reverts[int(pk)] = (int(version), change)
        if not reverts:
            raise ValidationError("Nothing to undo.")
        if len(reverts) > 500:
            raise ValidationError("Undo at most 500 items at once.")
        return reverts


class SavedViewForm(forms.Form):
    name = forms.CharField(max_length=80)
    shared = forms.BooleanField(required=False)


class RenameForm(forms.Form):
    name = forms.CharField(max_length=80)
