"""Forms of the ideas pages. Choices always come from the request's workspace."""

from django import forms

from feedback.models import Idea, Importance, StatusCategory
from feedback.selectors import ideas as selectors
from feedback.selectors import triage as triage_selectors
from productops.models import Workspace


class _WorkspaceForm(forms.Form):
    def __init__(self, *args, workspace: Workspace, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        if "status" in self.fields:
            self.fields["status"].queryset = selectors.status_queryset(workspace=workspace)
        if "product_area" in self.fields:
            self.fields["product_area"].queryset = triage_selectors.product_areas(
                workspace=workspace
            )
        if "owner" in self.fields:
            self.fields["owner"].queryset = selectors.owners(workspace=workspace)
            self.fields["owner"].label_from_instance = lambda u: u.display_name


class IdeaForm(_WorkspaceForm):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    status = forms.ModelChoiceField(queryset=None, required=False, empty_label="New (default)")
    product_area = forms.ModelChoiceField(queryset=None, required=False, label="Area")
    owner = forms.ModelChoiceField(queryset=None, required=False)
    is_public = forms.BooleanField(required=False, label="Public (may appear on the roadmap)")


class IdeaEditForm(IdeaForm):
    status = forms.ModelChoiceField(queryset=None, empty_label=None)
    version = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def for_idea(cls, idea: Idea, *, workspace: Workspace) -> "IdeaEditForm":
        return cls(
            workspace=workspace,
            initial={
                "title": idea.title,
                "description": idea.description,
                "status": idea.status_id,
                "product_area": idea.product_area_id,
                "owner": idea.owner_id,
                "is_public": idea.is_public,
                "version": idea.version,
            },
        )


class MoveForm(_WorkspaceForm):
    status = forms.ModelChoiceField(queryset=None, empty_label=None)
    version = forms.IntegerField()


class MergeForm(forms.Form):
    into = forms.IntegerField(label="Merge into")


class LinkForm(forms.Form):
    importance = forms.TypedChoiceField(
        choices=Importance.choices, coerce=int, initial=Importance.IMPORTANT
    )
    note = forms.CharField(required=False, max_length=2000)


class LoopClosureForm(forms.Form):
    subject = forms.CharField(max_length=200)
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="{name} becomes each person's name, {idea} the idea's title.",
    )


class IdeaStatusForm(forms.Form):
    name = forms.CharField(max_length=60)
    category = forms.ChoiceField(choices=StatusCategory.choices)
    is_public = forms.BooleanField(required=False, initial=True, label="Shown on the roadmap")


class IdeaStatusEditForm(forms.Form):
    name = forms.CharField(max_length=60)
    position = forms.IntegerField(min_value=0, max_value=30000)
    is_public = forms.BooleanField(required=False)


class RoadmapForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="Publish the roadmap (no sign-in needed)")
    title = forms.CharField(max_length=120, required=False)
    intro = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
