"""The tools API: the inventory (tools with their current contract's figures) and seat usage."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from inventory.api.common import VersionedPatch, money, resolve_owner, validated
from inventory.filters import ToolFilter
from inventory.models import (
    DataSensitivity,
    SeatUsageSnapshot,
    Tool,
    ToolStatus,
    UsageSource,
)
from inventory.selectors import tools as tool_selectors
from inventory.services import contracts as contract_services
from inventory.services import tools
from productops import clock
from productops.api import WorkspaceAPIView, WorkspaceListAPIView
from productops.api_paging import NewestFirstCursorPagination
from productops.capabilities import Capability
from productops.idempotency import idempotent
from productops.validation import (
    ID,
    SEATS,
    USAGE_DAY,
    link_serializer_field,
)


class ToolOut(serializers.ModelSerializer):
    owner = serializers.IntegerField(source="owner_id", allow_null=True, help_text="Membership id")
    owner_name = serializers.SerializerMethodField()
    contract = serializers.IntegerField(
        source="contract_id", allow_null=True, help_text="The current contract's id"
    )
    currency = serializers.CharField(allow_null=True, help_text="The current contract's currency")
    annual_cost_native = money(allow_null=True, help_text="Annualised, in the contract's currency")
    annual_cost = money(
        allow_null=True,
        help_text="Annualised, in the workspace currency at its budget rate; null without a rate",
    )
    seats_bought = serializers.IntegerField(allow_null=True)
    seats_used = serializers.IntegerField(allow_null=True)
    utilisation = serializers.FloatField(allow_null=True, help_text="Percent of seats in use")
    renewal_date = serializers.DateField(allow_null=True)
    notice_deadline = serializers.DateField(allow_null=True)
    decision = serializers.CharField(allow_null=True, help_text="The renewal decision, if any")

    class Meta:
        model = Tool
        fields = [
            "id",
            "name",
            "vendor",
            "category",
            "description",
            "url",
            "owner",
            "owner_name",
            "team",
            "status",
            "sso_enabled",
            "data_sensitivity",
            "tags",
            "feedback_source_kinds",
            "version",
            "created_at",
            "updated_at",
            "contract",
            "currency",
            "annual_cost_native",
            "annual_cost",
            "seats_bought",
            "seats_used",
            "utilisation",
            "renewal_date",
            "notice_deadline",
            "decision",
        ]

    def get_owner_name(self, tool: Tool) -> str | None:
        return tool.owner.user.display_name if tool.owner else None


class UsageOut(serializers.ModelSerializer):
    class Meta:
        model = SeatUsageSnapshot
        fields = ["id", "tool", "taken_on", "seats_used", "seats_bought", "source", "created_at"]


class LabelsField(serializers.ListField):
    child = serializers.CharField(max_length=40)


class ToolIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    category = serializers.CharField(max_length=60)
    vendor = serializers.CharField(max_length=100, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    url = link_serializer_field(required=False, allow_blank=True)
    owner = ID.serializer_field(required=False, allow_null=True, help_text="Membership id")
    team = serializers.CharField(max_length=60, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=ToolStatus.choices, required=False)
    sso_enabled = serializers.BooleanField(required=False)
    data_sensitivity = serializers.ChoiceField(choices=DataSensitivity.choices, required=False)
    tags = LabelsField(required=False)
    feedback_source_kinds = LabelsField(required=False)


class ToolPatchIn(VersionedPatch, ToolIn):
    pass


class UsageIn(serializers.Serializer):
    taken_on = USAGE_DAY.serializer_field(required=False, help_text="Defaults to today")
    seats_used = SEATS.serializer_field()
    seats_bought = SEATS.serializer_field(required=False, allow_null=True)


class ToolPagination(NewestFirstCursorPagination):
    ordering = ("name", "id")


class ToolList(WorkspaceListAPIView):
    """The inventory: each tool with its current contract's figures."""

    capabilities = {"GET": Capability.VIEW_TOOLS, "POST": Capability.MANAGE_TOOLS}
    serializer_class = ToolOut
    filterset_class = ToolFilter
    pagination_class = ToolPagination
    queryset = Tool.objects.none()  # the schema's model; rows come from the selector

    def get_queryset(self):
        return tool_selectors.inventory(workspace=self.workspace)

    @extend_schema(request=ToolIn, responses={201: ToolOut})
    @idempotent
    def post(self, request, slug: str) -> Response:
        data = validated(ToolIn, request)
        resolve_owner(self.workspace, data)
        tool = tools.tool_create(actor=request.actor, **data)
        row = tool_selectors.inventory(workspace=self.workspace).get(pk=tool.pk)
        return Response(ToolOut(row).data, status=status.HTTP_201_CREATED)


class ToolDetail(WorkspaceAPIView):
    capabilities = {"GET": Capability.VIEW_TOOLS, "PATCH": Capability.MANAGE_TOOLS}
    serializer_class = ToolOut

    def _row(self, tool_id: int) -> Tool:
        tool_selectors.tool(workspace=self.workspace, tool_id=tool_id)  # 404 outside the workspace
        return tool_selectors.inventory(workspace=self.workspace).get(pk=tool_id)

    def get(self, request, slug: str, tool_id: int) -> Response:
        return Response(ToolOut(self._row(tool_id)).data)

    @extend_schema(
        request=ToolPatchIn,
        responses={200: ToolOut, 409: None},
        description="Send the `version` you read; a tool changed since answers 409 with the "
        "current state in `error.current`.",
    )
    def patch(self, request, slug: str, tool_id: int) -> Response:
        tool = tool_selectors.tool(workspace=self.workspace, tool_id=tool_id)
        data = validated(ToolPatchIn, request)
        version = data.pop("version")
        resolve_owner(self.workspace, data)
        tools.tool_update(actor=request.actor, tool=tool, expected_version=version, **data)
        return Response(ToolOut(self._row(tool_id)).data)


class UsagePagination(NewestFirstCursorPagination):
    ordering = ("-taken_on", "-id")


class ToolUsage(WorkspaceListAPIView):
    """A tool's seat-use snapshots, newest first; POST records one (same day: replaced)."""

    capabilities = {"GET": Capability.VIEW_TOOLS, "POST": Capability.MANAGE_TOOLS}
    serializer_class = UsageOut
    pagination_class = UsagePagination
    queryset = SeatUsageSnapshot.objects.none()

    def get_queryset(self):
        tool = tool_selectors.tool(workspace=self.workspace, tool_id=self.kwargs["tool_id"])
        return tool_selectors.usage_snapshots(workspace=self.workspace, tool=tool)

    @extend_schema(request=UsageIn, responses={201: UsageOut})
    @idempotent
    def post(self, request, slug: str, tool_id: int) -> Response:
        tool = tool_selectors.tool(workspace=self.workspace, tool_id=tool_id)
        data = validated(UsageIn, request)
        data.setdefault("taken_on", clock.workspace_today(self.workspace))
        snapshot = contract_services.usage_record(
            actor=request.actor, tool=tool, source=UsageSource.API, **data
        )
        return Response(UsageOut(snapshot).data, status=status.HTTP_201_CREATED)
