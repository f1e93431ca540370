"""The metrics API for BI tools: every tile's numbers with their "as of", from the same refresh
the pages read. Filters are the overview's query parameters; a bad one is a 400 by field."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from dashboards import selectors
from dashboards.filters import PRESETS, DashboardFilterForm
from dashboards.selectors import as_of
from productops import clock
from productops.api import WorkspaceAPIView
from productops.capabilities import Capability

FILTER_PARAMETERS = [
    OpenApiParameter("range", str, enum=list(PRESETS), description="A preset; default 30d"),
    OpenApiParameter("since", str, description="First day (YYYY-MM-DD) of a custom range"),
    OpenApiParameter("until", str, description="Last day (YYYY-MM-DD) of a custom range"),
    OpenApiParameter("segment", str, description="Accounts' segment"),
    OpenApiParameter("source", int, description="A feedback source id"),
    OpenApiParameter("area", str, description='A product area id, or "none"'),
]


class FreshnessOut(serializers.Serializer):
    as_of = serializers.DateTimeField(
        allow_null=True, help_text="When the refresh these numbers come from finished"
    )
    pending_changes = serializers.IntegerField(help_text="Changes not counted yet (capped)")
    stale = serializers.BooleanField(help_text="Changes have waited longer than a refresh takes")
    refreshing = serializers.BooleanField()
    last_error = serializers.CharField(
        allow_null=True,
        help_text="Why the last refresh failed, when it did after the last good one",
    )


class FigureOut(serializers.Serializer):
    # DRF's metaclass takes declared fields out of the class, so this does not replace
    # Field.label, as the stubs believe.
    label = serializers.CharField()  # type: ignore[assignment]
    value = serializers.JSONField(help_text="A number, text, or null")


class PeriodOut(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()


class MetricOut(serializers.Serializer):
    tile = serializers.CharField()
    title = serializers.CharField()
    covers = serializers.CharField(help_text="What the numbers cover")
    summary = serializers.CharField()
    period = PeriodOut()
    freshness = FreshnessOut()
    figures = FigureOut(many=True)
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=serializers.JSONField()))


class MetricIndexOut(serializers.Serializer):
    freshness = FreshnessOut()
    tiles = serializers.ListField(child=serializers.CharField())


def _filters(request, workspace):
    form = DashboardFilterForm(
        request.query_params, workspace=workspace, today=clock.workspace_today(workspace)
    )
    if not form.is_valid():
        raise ValidationError(
            {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        )
    return form.filters()


class MetricIndex(WorkspaceAPIView):
    """The tiles there are, and how fresh the numbers are."""

    capabilities = {"GET": Capability.VIEW_DASHBOARDS}

    @extend_schema(operation_id="metrics_index", responses=MetricIndexOut)
    def get(self, request, slug: str) -> Response:
        return Response(
            {
                "freshness": as_of.freshness(workspace=self.workspace).as_json(),
                "tiles": list(selectors.TILES),
            }
        )


class MetricDetail(WorkspaceAPIView):
    """One tile's numbers: headline figures and the table the page shows."""

    capabilities = {"GET": Capability.VIEW_DASHBOARDS}

    @extend_schema(
        operation_id="metrics_tile",
        parameters=[
            OpenApiParameter("tile", str, OpenApiParameter.PATH, enum=list(selectors.TILES)),
            *FILTER_PARAMETERS,
        ],
        responses=MetricOut,
    )
    def get(self, request, slug: str, tile: str) -> Response:
        workspace = self.workspace
        filters = _filters(request, workspace)
        found = selectors.tile(workspace=workspace, name=tile, filters=filters)
        body = found.as_json() | {
            "period": {"since": filters.since.isoformat(), "until": filters.until.isoformat()},
            "freshness": as_of.freshness(workspace=workspace).as_json(),
        }
        return Response(body)
