"""Action items API: the retro action items of the workspace, and changing one. Thin."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from planning.models import ActionItem, ActionStatus
from planning.selectors import retro as selectors
from planning.selectors.sessions import members
from planning.services import action_items as action_services
from productops.api import WorkspaceAPIView, WorkspaceListAPIView
from productops.api_paging import NewestFirstCursorPagination
from productops.capabilities import Capability
from productops.validation import ID, PLANNING_DAY, VERSION


class ActionItemOut(serializers.ModelSerializer):
    session = serializers.IntegerField(source="session_id", help_text="The retro it came from")
    session_title = serializers.CharField(source="session.title")
    owner = serializers.IntegerField(source="owner_id", allow_null=True, help_text="User id")
    owner_name = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "title",
            "team",
            "session",
            "session_title",
            "owner",
            "owner_name",
            "due_on",
            "status",
            "done_at",
            "version",
            "created_at",
        ]

    def get_owner_name(self, item: ActionItem) -> str | None:
        return item.owner.display_name if item.owner else None


class ActionItemPatchIn(serializers.Serializer):
    version = VERSION.serializer_field(help_text="The version you read")
    title = serializers.CharField(required=False, max_length=200)
    owner = ID.serializer_field(required=False, allow_null=True, help_text="User id; null: nobody")
    due_on = PLANNING_DAY.serializer_field(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=ActionStatus.choices, required=False)


class ActionItemPagination(NewestFirstCursorPagination):
    ordering = ("-created_at", "-id")


ACTION_FILTER_PARAMETERS = [
    OpenApiParameter("team", str, description="Only this team's action items"),
    OpenApiParameter(
        "status",
        str,
        enum=list(selectors.ACTION_STATUS.choices),
        description="Only this status (default all)",
    ),
    OpenApiParameter(
        "owner",
        str,
        description="Only this owner's: a user id, or me (a signed-in member; not a token)",
    ),
]


@extend_schema(parameters=ACTION_FILTER_PARAMETERS)
class ActionItemList(WorkspaceListAPIView):
    """Action items from every retro, newest first."""

    capabilities = {"GET": Capability.VIEW_PLANNING}
    serializer_class = ActionItemOut
    pagination_class = ActionItemPagination
    queryset = ActionItem.objects.none()

    def get_queryset(self):
        actor = self.request.actor
        filters = selectors.ActionFilters.from_params(
            self.request.query_params,
            me=actor.user.pk if actor.user is not None and actor.token is None else None,
            default_status=selectors.ALL_STATUSES,
        )
        return selectors.action_items(workspace=self.workspace, filters=filters)


class ActionItemDetail(WorkspaceAPIView):
    capabilities = {"GET": Capability.VIEW_PLANNING, "PATCH": Capability.TRACK_ACTION_ITEMS}
    serializer_class = ActionItemOut

    def get(self, request, slug: str, action_id: int) -> Response:
        item = selectors.action_item(workspace=self.workspace, action_id=action_id)
        return Response(ActionItemOut(item).data)

    @extend_schema(
        request=ActionItemPatchIn,
        responses={200: ActionItemOut, 409: None},
        description="Send the `version` you read; an item changed since answers 409 with the "
        "current state in `error.current`. Done stamps `done_at`.",
    )
    def patch(self, request, slug: str, action_id: int) -> Response:
        item = selectors.action_item(workspace=self.workspace, action_id=action_id)
        data = ActionItemPatchIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        owner = None
        if values.get("owner") is not None:
            owner = members(workspace=self.workspace).filter(pk=values["owner"]).first()
            if owner is None:
                raise ValidationError({"owner": "No member of this workspace has that id."})
        item = action_services.action_item_update(
            actor=request.actor,
            item=item,
            expected_version=values["version"],
            changes=action_services.ActionChanges(
                title=values.get("title"),
                owner=owner,
                clear_owner="owner" in values and values["owner"] is None,
                due_on=values.get("due_on"),
                clear_due_on="due_on" in values and values["due_on"] is None,
                status=values.get("status"),
            ),
        )
        return Response(
            ActionItemOut(selectors.action_item(workspace=self.workspace, action_id=item.pk)).data
        )
