"""The inventory's settings (alerts and rates) and notifications."""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from inventory.forms import (
    SettingsForm,
    rates_as_text,
)
from inventory.selectors import tools as tool_selectors
from inventory.services import reminders
from productops.access import WorkspaceRequest, member_required
from productops.capabilities import Capability
from productops.form_submit import form_status, submit_form


@require_http_methods(["GET", "POST"])
@member_required(Capability.MANAGE_TOOLS)
def inventory_settings(request: WorkspaceRequest) -> HttpResponse:
    current = tool_selectors.settings_for(workspace=request.workspace)
    initial = {
        "utilisation_threshold": current.utilisation_threshold,
        "reminder_days": ", ".join(str(d) for d in current.reminder_days),
        "exchange_rates": rates_as_text(current.exchange_rates),
        "version": current.version,
    }
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            lambda: reminders.alerts_and_rates_update(
                actor=request.actor,
                utilisation_threshold=form.cleaned_data["utilisation_threshold"],
                reminder_days=form.cleaned_data["reminder_days"],
                exchange_rates=form.cleaned_data["exchange_rates"],
                expected_version=form.cleaned_data["version"] if current.pk else None,
            ),
            success="Inventory settings saved.",
            then=lambda _: redirect("inventory_settings", slug=request.workspace.slug),
        )
        if done:
            return done
    return render(request, "inventory/settings.html", {"form": form}, status=form_status(form))


@require_POST
@member_required(Capability.VIEW_TOOLS)
def notification_dismiss(request: WorkspaceRequest, notification_id: int) -> HttpResponse:
    notice = tool_selectors.notification(
        workspace=request.workspace, user=request.user, notification_id=notification_id
    )
    reminders.notification_dismiss(actor=request.actor, notification=notice)
    if request.htmx:
        return HttpResponse("")
    if request.POST.get("back_to") == "tool":
        return redirect("tool_detail", slug=request.workspace.slug, tool_id=notice.tool_id)
    return redirect("renewals", slug=request.workspace.slug)
