"""The contracts API: contracts, their renewal decisions and the renewals coming due."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from inventory.api.common import VersionedPatch, money, validated
from inventory.filters import RENEWING, ContractFilter, RenewalFilters
from inventory.models import (
    BillingPeriod,
    Contract,
    RenewalChoice,
    RenewalDecision,
)
from inventory.selectors import renewals
from inventory.selectors import tools as tool_selectors
from inventory.services import contracts as contract_services
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
    TERM_MONTHS,
)


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
        data = validated(ContractIn, request)
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
        data = validated(ContractPatchIn, request)
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
        data = validated(RenewalDecisionIn, request)
        decision = contract_services.renewal_decide(actor=request.actor, contract=contract, **data)
        return Response(RenewalDecisionOut(decision).data, status=status.HTTP_201_CREATED)


class RenewalPagination(NewestFirstCursorPagination):
    ordering = ("renewal_date", "id")


RENEWAL_FILTER_PARAMETERS = [
    OpenApiParameter(
        "days",
        OpenApiTypes.INT,
        description=f"How far ahead to look, {RENEWALS_AHEAD.min_value} to "
        f"{RENEWALS_AHEAD.max_value} days (default 90)",
    ),
    OpenApiParameter(
        "renewing",
        OpenApiTypes.STR,
        enum=list(RENEWING.choices),
        description="yes: only the contracts that will renew (those decided cancel end at "
        "their date and are left out, as the dashboards' renewals count them).",
    ),
]


@extend_schema(parameters=RENEWAL_FILTER_PARAMETERS)
class RenewalList(WorkspaceListAPIView):
    """Current contracts renewing within `days`, soonest first, with their notice deadline."""

    capabilities = {"GET": Capability.VIEW_TOOLS}
    serializer_class = RenewalOut
    pagination_class = RenewalPagination
    queryset = Contract.objects.none()

    def get_queryset(self):
        filters = RenewalFilters.from_params(self.request.query_params)
        return renewals.renewals_due(
            workspace=self.workspace, days=filters.days, renewing=filters.renewing
        )
