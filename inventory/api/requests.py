"""The tool requests API: people ask for a tool; approvers decide."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from inventory.api.common import validated
from inventory.filters import ToolRequestFilter
from inventory.models import (
    ToolRequest,
)
from inventory.selectors import tools as tool_selectors
from inventory.services import requests
from productops.api import WorkspaceAPIView, WorkspaceListAPIView
from productops.capabilities import Capability
from productops.idempotency import idempotent
from productops.validation import (
    SEATS_NEEDED,
    link_serializer_field,
)


class ToolRequestOut(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.display_name", allow_null=True)
    decided_by = serializers.CharField(source="decided_by.display_name", allow_null=True)

    class Meta:
        model = ToolRequest
        fields = [
            "id",
            "name",
            "vendor",
            "category",
            "team",
            "url",
            "reason",
            "seats_needed",
            "estimated_annual_cost",
            "status",
            "requested_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "tool",
        ]


class ToolRequestIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    category = serializers.CharField(max_length=60)
    reason = serializers.CharField()
    vendor = serializers.CharField(max_length=100, required=False, allow_blank=True)
    team = serializers.CharField(max_length=60, required=False, allow_blank=True)
    url = link_serializer_field(required=False, allow_blank=True)
    seats_needed = SEATS_NEEDED.serializer_field(required=False, allow_null=True)
    estimated_annual_cost = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )


class ToolRequestDecisionIn(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required to reject"
    )


class ToolRequestList(WorkspaceListAPIView):
    capabilities = {"GET": Capability.VIEW_TOOLS, "POST": Capability.REQUEST_TOOLS}
    serializer_class = ToolRequestOut
    filterset_class = ToolRequestFilter
    queryset = ToolRequest.objects.none()

    def get_queryset(self):
        return tool_selectors.tool_requests(workspace=self.workspace).order_by("-created_at", "-id")

    @extend_schema(request=ToolRequestIn, responses={201: ToolRequestOut})
    @idempotent
    def post(self, request, slug: str) -> Response:
        made = requests.tool_request_create(
            actor=request.actor, **validated(ToolRequestIn, request)
        )
        return Response(ToolRequestOut(made).data, status=status.HTTP_201_CREATED)


class ToolRequestDetail(WorkspaceAPIView):
    capabilities = {"GET": Capability.VIEW_TOOLS, "PATCH": Capability.DECIDE_TOOL_REQUESTS}
    serializer_class = ToolRequestOut

    def get(self, request, slug: str, request_id: int) -> Response:
        found = tool_selectors.tool_request(workspace=self.workspace, request_id=request_id)
        return Response(ToolRequestOut(found).data)

    @extend_schema(
        request=ToolRequestDecisionIn,
        responses={200: ToolRequestOut, 409: None},
        description="Approve (creates the tool in `evaluating`) or reject a pending request; "
        "a request decided already answers 409.",
    )
    def patch(self, request, slug: str, request_id: int) -> Response:
        found = tool_selectors.tool_request(workspace=self.workspace, request_id=request_id)
        data = validated(ToolRequestDecisionIn, request)
        decided = requests.tool_request_decide(
            actor=request.actor,
            request=found,
            approve=data["outcome"] == "approve",
            note=data["note"],
        )
        return Response(ToolRequestOut(decided).data)
