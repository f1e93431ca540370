"""The metrics API for BI tools: every tile's numbers with their "as of", from the same refresh
the pages read. Filters are the overview's query parameters; a bad one is a 400 by field."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from dashboards import api_figures, selectors
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
    value = serializers.FloatField(
        allow_null=True,
        help_text="A number rounded to its unit's precision (count 0 decimals, hours, days "
        "and percent 1, money 2); null when there is none",
    )
    unit = serializers.ChoiceField(choices=api_figures.UNITS)
    currency = serializers.CharField(
        allow_null=True, help_text="The ISO 4217 code of a money figure; else null"
    )
    share = serializers.FloatField(
        allow_null=True,
        help_text="For a count the page shows as a share of a whole: that share in percent "
        "(0-100, rounded as the page shows it); else null",
    )
    bound = serializers.ChoiceField(
        choices=["at_most", "over"],
        allow_null=True,
        help_text="The median time to triage is known to a bucket: `value` is the bucket's "
        "edge in hours, at most or over it; else null",
    )
    display = serializers.CharField(help_text="The text the page shows")


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
    column_units = serializers.ListField(
        child=serializers.ChoiceField(choices=api_figures.UNITS, allow_null=True),
        help_text="Each column's unit, as a figure's; null for a text column",
    )
    rows = serializers.ListField(
        child=serializers.ListField(child=serializers.JSONField()),
        help_text="Cells in a column with a unit are numbers or null; text cells are text",
    )


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
        column_units, rows = api_figures.typed_table(found)
        body = {
            "tile": found.name,
            "title": found.title,
            "covers": found.covers,
            "summary": found.summary,
            "figures": [
                api_figures.typed_figure(figure, workspace.currency) for figure in found.figures
            ],
            "columns": [column.title for column in found.columns],
            "column_units": column_units,
            "rows": rows,
            "period": {"since": filters.since.isoformat(), "until": filters.until.isoformat()},
            "freshness": as_of.freshness(workspace=workspace).as_json(),
        }
        return Response(body)
