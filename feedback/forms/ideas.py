"""Forms of the ideas pages. Choices always come from the request's workspace."""

from django import forms

from feedback.models import Idea, IdeaStatus, Importance, ProductArea, StatusCategory
from feedback.selectors import ideas as selectors
from feedback.selectors import triage_choices
from productops.forms import limit_choices
from productops.models import User, Workspace


class _WorkspaceForm(forms.Form):
    def __init__(self, *args, workspace: Workspace, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        if "status" in self.fields:
            limit_choices(self, "status", selectors.status_queryset(workspace=workspace))
        if "product_area" in self.fields:
            limit_choices(self, "product_area", triage_choices.product_areas(workspace=workspace))
        if "owner" in self.fields:
            limit_choices(self, "owner", selectors.owners(workspace=workspace))


class OwnerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class IdeaForm(_WorkspaceForm):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    status = forms.ModelChoiceField(
        queryset=IdeaStatus.objects.none(), required=False, empty_label="New (default)"
    )
    product_area = forms.ModelChoiceField(
        queryset=ProductArea.objects.none(), required=False, label="Area"
    )
    owner = OwnerChoice(queryset=User.objects.none(), required=False)
    is_public = forms.BooleanField(required=False, label="Public (may appear on the roadmap)")


class IdeaEditForm(IdeaForm):
    status = forms.ModelChoiceField(queryset=IdeaStatus.objects.none(), empty_label=None)
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
    status = forms.ModelChoiceField(queryset=IdeaStatus.objects.none(), empty_label=None)
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
