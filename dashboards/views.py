"""The exec overview, its tiles (each loaded on its own with htmx), CSV exports, the manual
refresh and each role's Home fragment. Thin: selectors read, services write."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from dashboards import home, selectors, services
from dashboards.filters import PRESETS, DashboardFilterForm
from dashboards.models import DigestSubscription
from dashboards.selectors import as_of as as_of_selectors
from dashboards.selectors import shared
from productops import clock
from productops.access import WorkspaceRequest, member_required
from productops.capabilities import Capability
from productops.csvfiles import csv_download
from productops.fragments import fragment_of


def _filter_form(request: WorkspaceRequest) -> DashboardFilterForm:
    form = DashboardFilterForm(
        request.GET, workspace=request.workspace, today=clock.workspace_today(request.workspace)
    )
    form.is_valid()
    return form


@require_GET
@member_required(Capability.VIEW_DASHBOARDS)
def overview(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    form = _filter_form(request)
    if not form.errors and form.contradicts_itself:
        # range=30d&since=...: the days win; say so in the address that is shared.
        return redirect(f"{request.path}?{form.filters().querystring}")
    context = {
        "form": form,
        "filters": form.filters() if not form.errors else None,
        "presets": PRESETS,
        "choices": shared.filter_choices(workspace=workspace),
        "tiles": list(selectors.TILES),
        "freshness": as_of_selectors.freshness(workspace=workspace),
        "subscribed": request.actor.membership_id is not None
        and DigestSubscription.objects.filter(membership_id=request.actor.membership_id).exists(),
    }
    return render(request, "dashboards/overview.html", context, status=400 if form.errors else 200)


def _overview_at(request: WorkspaceRequest, name: str = "") -> str:
    """The dashboards page with the same filters, at the tile `name` when given."""
    url = reverse("dashboards_overview", args=[request.workspace.slug])
    query = request.GET.urlencode()
    return url + (f"?{query}" if query else "") + (f"#tile-{name}" if name else "")


@require_GET
@member_required(Capability.VIEW_DASHBOARDS)
@vary_on_headers("HX-Request")
@fragment_of(_overview_at)
def tile(request: WorkspaceRequest, name: str) -> HttpResponse:
    form = _filter_form(request)
    if form.errors:
        return render(request, "dashboards/overview.html#tile_error", {"form": form}, status=400)
    workspace = request.workspace
    context = {
        "tile": selectors.tile(workspace=workspace, name=name, filters=form.filters()),
        "filters": form.filters(),
        "freshness": as_of_selectors.freshness(workspace=workspace),
    }
    return render(request, "dashboards/overview.html#tile", context)


@require_GET
@member_required(Capability.VIEW_DASHBOARDS)
def tile_csv(request: WorkspaceRequest, name: str) -> HttpResponse:
    form = _filter_form(request)
    if form.errors:
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    workspace = request.workspace
    data = selectors.tile(workspace=workspace, name=name, filters=form.filters())
    freshness = as_of_selectors.freshness(workspace=workspace)
    as_of = freshness.as_of.isoformat() if freshness.as_of else "never refreshed"
    # Each row carries the refresh it was read from, so a sheet says how fresh it is.
    return csv_download(
        f"{workspace.slug}-{name}-{data.filename_period}.csv",
        [*(column.title for column in data.columns), "As of"],
        ([*row, as_of] for row in data.rows),
    )


@require_GET
@member_required(Capability.VIEW_DASHBOARDS)
@fragment_of(lambda request: reverse("dashboards_overview", args=[request.workspace.slug]))
def refresh_status(request: WorkspaceRequest) -> HttpResponse:
    """The refresh line, polled while a refresh runs. When a refresh newer than `after` has
    finished, it tells the tiles to load again (htmx event `dashboards-refreshed`)."""
    freshness = as_of_selectors.freshness(workspace=request.workspace)
    after = parse_datetime(request.GET.get("after", "") or "")
    done = freshness.as_of is not None and (after is None or freshness.as_of > after)
    asked = not done and not freshness.failed
    response = render(
        request, "dashboards/overview.html#status", {"freshness": freshness, "asked": asked}
    )
    if done and not freshness.refreshing:
        response["HX-Trigger"] = "dashboards-refreshed"
    return response


@require_POST
@member_required(Capability.REFRESH_DASHBOARDS)
def refresh(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    status, retry_after = 202, 0
    try:
        services.refresh_request(actor=request.actor)
        notice = "Refresh queued: every tile is being recounted."
    except services.Throttled as throttled:
        status, notice, retry_after = 429, str(throttled), throttled.retry_after
    if not request.htmx:
        (messages.success if status == 202 else messages.warning)(request, notice)
        return redirect("dashboards_overview", slug=workspace.slug)
    response = render(
        request,
        "dashboards/overview.html#status",
        {
            "freshness": as_of_selectors.freshness(workspace=workspace),
            "notice": notice,
            "asked": True,
        },
        status=status,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@require_POST
@member_required(Capability.RECEIVE_DIGEST)
def digest(request: WorkspaceRequest) -> HttpResponse:
    subscribed = request.POST.get("subscribed") == "yes"
    services.digest_subscribe(actor=request.actor, subscribed=subscribed)
    messages.success(
        request,
        "You will get the weekly digest on Monday mornings."
        if subscribed
        else "You will no longer get the weekly digest.",
    )
    return redirect("dashboards_overview", slug=request.workspace.slug)


@require_GET
@member_required(Capability.VIEW_WORKSPACE)
@fragment_of(lambda request: reverse("workspace_home", args=[request.workspace.slug]))
def role_home(request: WorkspaceRequest) -> HttpResponse:
    """The part of Home that depends on the member's role (loaded by Home with htmx)."""
    context = home.for_actor(request.actor)
    if context is None:
        raise Http404
    return render(request, "dashboards/home.html", context)
