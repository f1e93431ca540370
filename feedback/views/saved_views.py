"""The inbox's saved views: save the filters by name, rename, delete."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from feedback.forms.triage import InboxFilterForm, RenameForm, SavedViewForm
from feedback.selectors import triage_choices
from feedback.services import saved_views
from productops.access import WorkspaceRequest, member_required
from productops.capabilities import Capability


@require_POST
@member_required(Capability.KEEP_SAVED_VIEWS)
def view_create(request: WorkspaceRequest) -> HttpResponse:
    form = SavedViewForm(request.POST)
    inbox_url = reverse("feedback_inbox", args=[request.workspace.slug])
    if not form.is_valid():
        messages.error(request, "Give the view a name.")
        return redirect(inbox_url)
    filters = InboxFilterForm(request.POST, actor=request.actor).query()
    try:
        view = saved_views.saved_view_create(
            actor=request.actor,
            name=form.cleaned_data["name"],
            filters=filters,
            shared=form.cleaned_data["shared"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(inbox_url + "?" + urlencode(filters))
    messages.success(request, f"Saved view “{view.name}”.")
    return redirect(f"{inbox_url}?view={view.pk}")


def _view(request: WorkspaceRequest, saved_view_id: int):
    return triage_choices.saved_view(
        workspace=request.workspace, view_id=saved_view_id, user=request.user
    )


@require_POST
@member_required(Capability.KEEP_SAVED_VIEWS)
def view_rename(request: WorkspaceRequest, saved_view_id: int) -> HttpResponse:
    view = _view(request, saved_view_id)
    form = RenameForm(request.POST)
    inbox_url = reverse("feedback_inbox", args=[request.workspace.slug])
    if not form.is_valid():
        messages.error(request, "Give the view a name.")
    else:
        try:
            view = saved_views.saved_view_rename(
                actor=request.actor, view=view, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Renamed to “{view.name}”.")
    return redirect(f"{inbox_url}?view={view.pk}")


@require_POST
@member_required(Capability.KEEP_SAVED_VIEWS)
def view_delete(request: WorkspaceRequest, saved_view_id: int) -> HttpResponse:
    view = _view(request, saved_view_id)
    saved_views.saved_view_delete(actor=request.actor, view=view)
    messages.success(request, f"Deleted view “{view.name}”.")
    return redirect("feedback_inbox", slug=request.workspace.slug)
