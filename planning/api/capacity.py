"""Capacity API: plans with their figures, and members' shares. Thin: selectors and services."""

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from planning.models import CapacityPlan, CapacityUnit
from planning.selectors import capacity as selectors
from planning.selectors.sessions import members
from planning.services import capacity as services
from productops.api import WorkspaceAPIView, WorkspaceListAPIView
from productops.api_paging import NewestFirstCursorPagination
from productops.capabilities import Capability
from productops.idempotency import idempotent
from productops.validation import (
    AVAILABILITY,
    FILTER_TEXT,
    ID,
    PLANNING_DAY,
    VERSION,
    WORKING_DAYS,
)


def _amount(**kwargs: Any) -> serializers.DecimalField:
    """A capacity figure: up to 12 digits, 2 after the point."""
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


class CapacityRangeOut(serializers.Serializer):
    low = _amount()
    likely = _amount()
    high = _amount()
    periods = serializers.IntegerField(help_text="Earlier periods of the team it comes from")


class CapacityMemberOut(serializers.Serializer):
    id = serializers.IntegerField(source="member.pk")
    user = serializers.IntegerField(source="member.user_id", allow_null=True)
    name = serializers.CharField(source="member.display_name")
    availability = serializers.IntegerField(source="member.availability", help_text="Percent")
    days_off = serializers.DecimalField(source="member.days_off", max_digits=5, decimal_places=1)
    capacity = _amount()


class CapacityOut(serializers.Serializer):
    id = serializers.IntegerField(source="plan.pk")
    team = serializers.CharField(source="plan.team")
    period_start = serializers.DateField(source="plan.period_start")
    period_end = serializers.DateField(source="plan.period_end")
    unit = serializers.ChoiceField(source="plan.unit", choices=CapacityUnit.choices)
    working_days = serializers.IntegerField(source="plan.working_days")
    per_person = serializers.DecimalField(source="plan.per_person", max_digits=8, decimal_places=2)
    notes = serializers.CharField(source="plan.notes")
    version = serializers.IntegerField(source="plan.version")
    capacity = _amount(help_text="Sum of the members' shares")
    committed = _amount(help_text="Agreed estimates of the team's commit decisions in the period")
    over = serializers.BooleanField(help_text="Committed load above capacity")
    load_percent = serializers.IntegerField(allow_null=True)
    commits = serializers.IntegerField()
    commits_without_estimate = serializers.IntegerField()
    range = CapacityRangeOut(
        allow_null=True, help_text="From the team's earlier periods; null without"
    )
    members = CapacityMemberOut(many=True)


class CapacityIn(serializers.Serializer):
    team = serializers.CharField(max_length=100)
    period_start = PLANNING_DAY.serializer_field()
    period_end = PLANNING_DAY.serializer_field()
    unit = serializers.ChoiceField(choices=CapacityUnit.choices, default=CapacityUnit.POINTS)
    working_days = WORKING_DAYS.serializer_field(
        required=False, allow_null=True, help_text="Default: the weekdays of the period"
    )
    per_person = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="Points (or days) one full-time person gives in the period",
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class CapacityPatchIn(CapacityIn):
    version = VERSION.serializer_field(help_text="The version you read")


class CapacityMemberIn(serializers.Serializer):
    user = ID.serializer_field(required=False, allow_null=True, help_text="A member's user id")
    name = serializers.CharField(required=False, allow_blank=True, max_length=120, default="")
    availability = AVAILABILITY.serializer_field(default=100, help_text="Percent")
    days_off = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=0,
        default=Decimal(0),
        help_text="Days off in the period",
    )


def _valid(serializer_class, request) -> dict:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


class CapacityPagination(NewestFirstCursorPagination):
    ordering = ("-period_start", "-id")


@extend_schema(parameters=[OpenApiParameter("team", str, description="Only this team's plans")])
class CapacityList(WorkspaceListAPIView):
    """Capacity plans, latest period first, each with capacity, committed load and range."""

    capabilities = {"GET": Capability.VIEW_PLANNING, "POST": Capability.PLAN_CAPACITY}
    serializer_class = CapacityOut
    pagination_class = CapacityPagination
    queryset = CapacityPlan.objects.none()

    def get_queryset(self):
        return selectors.plans(
            workspace=self.workspace,
            team=FILTER_TEXT.query(self.request.query_params, "team", default=""),
        )

    def list(self, request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        # The pagination class is set, so there is always a page.
        figures = selectors.figures_of(workspace=self.workspace, chosen=list(page or ()))
        return self.get_paginated_response(CapacityOut(figures, many=True).data)

    @extend_schema(request=CapacityIn, responses={201: CapacityOut})
    @idempotent
    def post(self, request, slug: str) -> Response:
        spec = services.PlanSpec(**_valid(CapacityIn, request))
        plan = services.capacity_plan_create(actor=request.actor, spec=spec)
        figures = selectors.capacity_figures(workspace=self.workspace, plan=plan)
        return Response(CapacityOut(figures).data, status=status.HTTP_201_CREATED)


class CapacityDetail(WorkspaceAPIView):
    capabilities = {
        "GET": Capability.VIEW_PLANNING,
        "PATCH": Capability.PLAN_CAPACITY,
        "DELETE": Capability.PLAN_CAPACITY,
    }
    serializer_class = CapacityOut

    def get(self, request, slug: str, plan_id: int) -> Response:
        plan = selectors.plan(workspace=self.workspace, plan_id=plan_id)
        return Response(
            CapacityOut(selectors.capacity_figures(workspace=self.workspace, plan=plan)).data
        )

    @extend_schema(
        request=CapacityPatchIn,
        responses={200: CapacityOut, 409: None},
        description="Send the whole plan and the `version` you read; a plan changed since "
        "answers 409 with the current version in `error.current`.",
    )
    def patch(self, request, slug: str, plan_id: int) -> Response:
        plan = selectors.plan(workspace=self.workspace, plan_id=plan_id)
        data = _valid(CapacityPatchIn, request)
        version = data.pop("version")
        plan = services.capacity_plan_update(
            actor=request.actor, plan=plan, spec=services.PlanSpec(**data), expected_version=version
        )
        return Response(
            CapacityOut(selectors.capacity_figures(workspace=self.workspace, plan=plan)).data
        )

    @extend_schema(responses={204: None})
    def delete(self, request, slug: str, plan_id: int) -> Response:
        plan = selectors.plan(workspace=self.workspace, plan_id=plan_id)
        services.capacity_plan_delete(actor=request.actor, plan=plan)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CapacityMembers(WorkspaceAPIView):
    """Adds a person to a plan or changes their share (a member again: their row changes)."""

    capabilities = {"POST": Capability.PLAN_CAPACITY}
    serializer_class = CapacityOut

    @extend_schema(request=CapacityMemberIn, responses={200: CapacityOut})
    @idempotent
    def post(self, request, slug: str, plan_id: int) -> Response:
        plan = selectors.plan(workspace=self.workspace, plan_id=plan_id)
        data = _valid(CapacityMemberIn, request)
        user = None
        if data.get("user") is not None:
            user = members(workspace=self.workspace).filter(pk=data["user"]).first()
            if user is None:
                raise serializers.ValidationError(
                    {"user": "No member of this workspace has that id."}
                )
        services.capacity_member_set(
            actor=request.actor,
            plan=plan,
            user=user,
            name=data["name"],
            availability=data["availability"],
            days_off=data["days_off"],
        )
        return Response(
            CapacityOut(selectors.capacity_figures(workspace=self.workspace, plan=plan)).data
        )
