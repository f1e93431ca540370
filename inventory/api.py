"""The inventory's API: thin views over the same selectors and services as the pages."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from inventory.filters import ContractFilter, ToolFilter, ToolRequestFilter
from inventory.models import (
    BillingPeriod,
    Contract,
    DataSensitivity,
    RenewalChoice,
    RenewalDecision,
    SeatUsageSnapshot,
    Tool,
    ToolRequest,
    ToolStatus,
    UsageSource,
)
from inventory.selectors import renewals
from inventory.selectors import tools as tool_selectors
from inventory.services import contracts as contract_services
from inventory.services import requests, tools
from productops import clock
from productops.api import WorkspaceAPIView, WorkspaceListAPIView
from productops.api_paging import NewestFirstCursorPagination
from productops.capabilities import Capability
from productops.idempotency import idempotent
from productops.validation import (
    CONTRACT_DAY,
    ID,
    NOTICE_DAYS,
    RENEWALS_AHEAD,
    SEATS,
    SEATS_NEEDED,
    TERM_MONTHS,
    USAGE_DAY,
    VERSION,
    link_serializer_field,
)


def money(**options: Any) -> serializers.DecimalField:
    """An amount as the models hold it: up to 16 digits, 2 after the point."""
    return serializers.DecimalField(max_digits=16, decimal_places=2, **options)


# Output


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


class ContractOut(serializers.ModelSerializer):
    annual_cost = money(read_only=True, help_text="Annualised, in the contract's currency")
    notice_deadline = serializers.DateField(read_only=True)

    class Meta:
        model = Contract
        fields = [
            "id",
            "tool",
            "plan",
            "billing_period",
            "term_months",
            "cost",
            "currency",
            "annual_cost",
            "seats_bought",
            "seats_used",
            "start_date",
            "renewal_date",
            "notice_days",
            "notice_deadline",
            "auto_renew",
            "reference",
            "notes",
            "is_current",
            "decision",
            "version",
            "created_at",
        ]


class UsageOut(serializers.ModelSerializer):
    class Meta:
        model = SeatUsageSnapshot
        fields = ["id", "tool", "taken_on", "seats_used", "seats_bought", "source", "created_at"]


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


class RenewalOut(serializers.ModelSerializer):
    tool_name = serializers.CharField(source="tool.name")
    owner = serializers.IntegerField(source="tool.owner_id", allow_null=True)
    notice_deadline = serializers.DateField(source="deadline")
    annual_cost = money(read_only=True)
    annual_cost_converted = money(
        allow_null=True, help_text="In the workspace currency; null without a budget rate"
    )

    class Meta:
        model = Contract
        fields = [
            "id",
            "tool",
            "tool_name",
            "owner",
            "renewal_date",
            "notice_deadline",
            "notice_days",
            "auto_renew",
            "currency",
            "annual_cost",
            "annual_cost_converted",
            "seats_bought",
            "seats_used",
            "decision",
        ]


class RenewalDecisionOut(serializers.ModelSerializer):
    decided_by = serializers.CharField(source="decided_by.display_name", allow_null=True)

    class Meta:
        model = RenewalDecision
        fields = [
            "id",
            "contract",
            "decision",
            "reason",
            "target_seats",
            "target_annual_cost",
            "decided_by",
            "decided_at",
        ]


# Input


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


class VersionedPatch(serializers.Serializer):
    """A partial update: every field optional but the version the client read (409 if stale)."""

    version = VERSION.serializer_field(help_text="The version you read; 409 when it changed since")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "version":
                field.required = False


class ToolPatchIn(VersionedPatch, ToolIn):
    pass


class ContractFields(serializers.Serializer):
    plan = serializers.CharField(max_length=100, required=False, allow_blank=True)
    billing_period = serializers.ChoiceField(choices=BillingPeriod.choices)
    term_months = TERM_MONTHS.serializer_field(
        required=False, allow_null=True, help_text="Multi-year only"
    )
    cost = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, help_text="Per billing period"
    )
    currency = serializers.RegexField(r"^[A-Za-z]{3}$")
    seats_bought = SEATS.serializer_field(required=False)
    seats_used = SEATS.serializer_field(required=False)
    start_date = CONTRACT_DAY.serializer_field()
    renewal_date = CONTRACT_DAY.serializer_field()
    auto_renew = serializers.BooleanField(required=False)
    notice_days = NOTICE_DAYS.serializer_field(required=False)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class ContractIn(ContractFields):
    tool = ID.serializer_field(help_text="The tool's id")
    make_current = serializers.BooleanField(
        default=True, help_text="Replace the current contract (kept as history)"
    )


class ContractPatchIn(VersionedPatch, ContractFields):
    pass


class UsageIn(serializers.Serializer):
    taken_on = USAGE_DAY.serializer_field(required=False, help_text="Defaults to today")
    seats_used = SEATS.serializer_field()
    seats_bought = SEATS.serializer_field(required=False, allow_null=True)


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


class RenewalDecisionIn(serializers.Serializer):
    decision = serializers.ChoiceField(choices=RenewalChoice.choices)
    reason = serializers.CharField()
    target_seats = SEATS.serializer_field(
        required=False, allow_null=True, help_text="Renegotiate only (required by the seat)"
    )
    target_annual_cost = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Renegotiate only (required): a year, in the contract's currency",
    )


def _valid(serializer_class, request) -> dict:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


def _owner(workspace, data: dict) -> None:
    """Turns the owner's membership id into the membership (404 outside the workspace)."""
    if data.get("owner") is not None:
        data["owner"] = tool_selectors.owner(workspace=workspace, membership_id=data["owner"])


# Tools


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
        data = _valid(ToolIn, request)
        _owner(self.workspace, data)
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
        data = _valid(ToolPatchIn, request)
        version = data.pop("version")
        _owner(self.workspace, data)
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
        data = _valid(UsageIn, request)
        data.setdefault("taken_on", clock.workspace_today(self.workspace))
        snapshot = contract_services.usage_record(
            actor=request.actor, tool=tool, source=UsageSource.API, **data
        )
        return Response(UsageOut(snapshot).data, status=status.HTTP_201_CREATED)


# Contracts


class ContractList(WorkspaceListAPIView):
    capabilities = {"GET": Capability.VIEW_TOOLS, "POST": Capability.MANAGE_TOOLS}
    serializer_class = ContractOut
    filterset_class = ContractFilter
    queryset = Contract.objects.none()

    def get_queryset(self):
        return tool_selectors.contracts(workspace=self.workspace)

    @extend_schema(request=ContractIn, responses={201: ContractOut})
    @idempotent
    def post(self, request, slug: str) -> Response:
        data = _valid(ContractIn, request)
        tool = tool_selectors.tool(workspace=self.workspace, tool_id=data.pop("tool"))
        contract = contract_services.contract_create(actor=request.actor, tool=tool, **data)
        return Response(ContractOut(contract).data, status=status.HTTP_201_CREATED)


class ContractDetail(WorkspaceAPIView):
    capabilities = {"GET": Capability.VIEW_TOOLS, "PATCH": Capability.MANAGE_TOOLS}
    serializer_class = ContractOut

    def get(self, request, slug: str, contract_id: int) -> Response:
        contract = tool_selectors.contract(workspace=self.workspace, contract_id=contract_id)
        return Response(ContractOut(contract).data)

    @extend_schema(request=ContractPatchIn, responses={200: ContractOut, 409: None})
    def patch(self, request, slug: str, contract_id: int) -> Response:
        contract = tool_selectors.contract(workspace=self.workspace, contract_id=contract_id)
        data = _valid(ContractPatchIn, request)
        version = data.pop("version")
        contract = contract_services.contract_update(
            actor=request.actor, contract=contract, expected_version=version, **data
        )
        return Response(ContractOut(contract).data)


class DecisionPagination(NewestFirstCursorPagination):
    ordering = ("-decided_at", "-id")


class ContractDecisions(WorkspaceListAPIView):
    """The contract's renewal decisions; POST records one (cancel: out of annual spend)."""

    capabilities = {"GET": Capability.VIEW_TOOLS, "POST": Capability.MANAGE_TOOLS}
    serializer_class = RenewalDecisionOut
    pagination_class = DecisionPagination
    queryset = RenewalDecision.objects.none()

    def get_queryset(self):
        contract = tool_selectors.contract(
            workspace=self.workspace, contract_id=self.kwargs["contract_id"]
        )
        return renewals.decisions(workspace=self.workspace, contract=contract)

    @extend_schema(request=RenewalDecisionIn, responses={201: RenewalDecisionOut})
    @idempotent
    def post(self, request, slug: str, contract_id: int) -> Response:
        contract = tool_selectors.contract(workspace=self.workspace, contract_id=contract_id)
        data = _valid(RenewalDecisionIn, request)
        decision = contract_services.renewal_decide(actor=request.actor, contract=contract, **data)
        return Response(RenewalDecisionOut(decision).data, status=status.HTTP_201_CREATED)


class RenewalPagination(NewestFirstCursorPagination):
    ordering = ("renewal_date", "id")


@extend_schema(
    parameters=[
        OpenApiParameter(
            "days",
            OpenApiTypes.INT,
            description=f"How far ahead to look, {RENEWALS_AHEAD.min_value} to "
            f"{RENEWALS_AHEAD.max_value} days (default 90)",
        )
    ]
)
class RenewalList(WorkspaceListAPIView):
    """Current contracts renewing within `days`, soonest first, with their notice deadline."""

    capabilities = {"GET": Capability.VIEW_TOOLS}
    serializer_class = RenewalOut
    pagination_class = RenewalPagination
    queryset = Contract.objects.none()

    def get_queryset(self):
        days = RENEWALS_AHEAD.query(self.request.query_params, "days", default=90)
        return renewals.renewals_due(workspace=self.workspace, days=days)


# Requests


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
        made = requests.tool_request_create(actor=request.actor, **_valid(ToolRequestIn, request))
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
        data = _valid(ToolRequestDecisionIn, request)
        decided = requests.tool_request_decide(
            actor=request.actor,
            request=found,
            approve=data["outcome"] == "approve",
            note=data["note"],
        )
        return Response(ToolRequestOut(decided).data)
