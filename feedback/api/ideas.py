"""The ideas API: ideas with demand, their links from feedback, merges and statuses."""

from typing import TYPE_CHECKING, cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from feedback.models import Idea, IdeaLink, IdeaStatus, Importance
from feedback.selectors import ideas as selectors
from feedback.services import ideas as services
from productops.api import WorkspaceAPIView, WorkspaceListAPIView
from productops.api_paging import KeysetPagination
from productops.capabilities import Capability
from productops.idempotency import idempotent
from productops.validation import ID, VERSION

if TYPE_CHECKING:
    from feedback.selectors.ideas import IdeaWithDemand


class IdeaStatusOut(serializers.ModelSerializer):
    class Meta:
        model = IdeaStatus
        fields = ["id", "name", "category", "position", "is_public"]


class IdeaAreaOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class IdeaOwnerOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    email = serializers.EmailField()


class IdeaOut(serializers.ModelSerializer):
    status = IdeaStatusOut()
    product_area = IdeaAreaOut(allow_null=True)
    owner = IdeaOwnerOut(allow_null=True)
    mentions = serializers.IntegerField(
        help_text="Counted feedback items: linked items and their merged duplicates, spam excepted"
    )
    votes = serializers.IntegerField(
        help_text="Distinct people among those items (an item without a contact is one person)"
    )
    unique_accounts = serializers.IntegerField(help_text="Distinct accounts of those items")
    revenue = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="Annual revenue of those accounts, each once"
    )
    recent_30 = serializers.IntegerField(
        help_text="Mentions received since the workspace's day 30 days ago"
    )
    recent_90 = serializers.IntegerField(
        help_text="Mentions received since the workspace's day 90 days ago"
    )
    trend = serializers.SerializerMethodField()

    class Meta:
        model = Idea
        fields = [
            "id",
            "title",
            "description",
            "status",
            "product_area",
            "owner",
            "is_public",
            "merged_into",
            "version",
            "created_at",
            "updated_at",
            "status_changed_at",
            "mentions",
            "votes",
            "unique_accounts",
            "revenue",
            "recent_30",
            "recent_90",
            "trend",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=["up", "down", "flat"]))
    def get_trend(self, idea: Idea) -> str:
        # Rows come from selectors.ideas(); the hint names the model for the schema's sake.
        return selectors.trend(cast("IdeaWithDemand", idea))


class IdeaIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    status = ID.serializer_field(required=False, allow_null=True, help_text="Status id")
    product_area = ID.serializer_field(required=False, allow_null=True, help_text="Area id")
    owner = ID.serializer_field(required=False, allow_null=True, help_text="User id")
    is_public = serializers.BooleanField(required=False, default=False)


class IdeaPatchIn(serializers.Serializer):
    version = VERSION.serializer_field(help_text="The version you read; a newer one answers 409")
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    status = ID.serializer_field(required=False, help_text="Status id")
    product_area = ID.serializer_field(required=False, allow_null=True)
    owner = ID.serializer_field(required=False, allow_null=True)
    is_public = serializers.BooleanField(required=False)


class IdeaFeedbackItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    received_at = serializers.DateTimeField()
    account = serializers.IntegerField(source="account_id", allow_null=True)
    loop_closed_at = serializers.DateTimeField(allow_null=True)


class IdeaFeedbackLinkOut(serializers.ModelSerializer):
    item = IdeaFeedbackItemOut()
    importance_label = serializers.CharField(source="get_importance_display")

    class Meta:
        model = IdeaLink
        fields = ["id", "item", "importance", "importance_label", "note", "created_at"]


class IdeaLinkIn(serializers.Serializer):
    items = serializers.ListField(
        child=ID.serializer_field(), min_length=1, max_length=500, help_text="Item ids"
    )
    importance = serializers.ChoiceField(choices=Importance.choices, default=Importance.IMPORTANT)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class IdeaMergeIn(serializers.Serializer):
    into = ID.serializer_field(help_text="The idea that survives: its number (#12 on pages)")


FILTER_PARAMETERS = [
    OpenApiParameter("status", int, description="A status id (idea-statuses/)."),
    OpenApiParameter("area", str, description='A product area id, or "none": ideas without one.'),
    OpenApiParameter("owner", int, description="A user id."),
    OpenApiParameter(
        "public", str, enum=list(selectors.PUBLIC.choices), description="yes (true) or no (false)."
    ),
    OpenApiParameter("q", str, description="Title contains (accents and case aside)."),
    OpenApiParameter(
        "demand",
        str,
        enum=list(selectors.DEMAND.choices),
        description="yes: only ideas with counted demand (mentions above 0); no: only ideas "
        "without any (mentions 0); any (the default): every idea.",
    ),
    OpenApiParameter(
        "category",
        str,
        description="Status categories, comma separated: "
        + ", ".join(selectors.CATEGORY.choices)
        + " (category=shipped,declined).",
    ),
    OpenApiParameter(
        "changed_since",
        OpenApiTypes.DATE,
        description="The status last changed on or after this day (the workspace's days).",
    ),
    OpenApiParameter(
        "changed_until",
        OpenApiTypes.DATE,
        description="The status last changed on or before this day (the workspace's days).",
    ),
    OpenApiParameter(
        "sort",
        str,
        enum=[*selectors.SORTS, *selectors.SORT_ALIASES],
        description="Order by this figure, largest first (default revenue; feedback is mentions).",
    ),
]


class IdeaPagination(KeysetPagination):
    """Keyset pages ordered by the `sort` figure (revenue by default), largest first, as the
    ideas page orders them."""

    def get_ordering(self, request, queryset, view):
        return selectors.ordering(view.filters.sort)


def _valid(serializer_class, request) -> dict:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


def _resolve(workspace, data: dict) -> dict:
    """Turns ids into the workspace's objects; an id outside it is a 400 on that field."""
    errors = {}
    if data.get("status") is not None:
        found = selectors.status_queryset(workspace=workspace).filter(pk=data["status"]).first()
        if found is None:
            errors["status"] = ["No such status in this workspace."]
        data["status"] = found
    if data.get("product_area") is not None:
        data["product_area"] = selectors.area(workspace=workspace, area_id=data["product_area"])
        if data["product_area"] is None:
            errors["product_area"] = ["No such area in this workspace."]
    if data.get("owner") is not None:
        data["owner"] = selectors.member_user(workspace=workspace, user_id=data["owner"])
        if data["owner"] is None:
            errors["owner"] = ["The owner must be a member of this workspace."]
    if errors:
        raise serializers.ValidationError(errors)
    return data


def _row(workspace, idea_id: int) -> Idea:
    return selectors.idea(workspace=workspace, idea_id=idea_id)


class IdeaList(WorkspaceListAPIView):
    """Live ideas (merged ones left out) with their demand, filtered as the ideas page filters
    (selectors.IdeaFilters.from_params reads both)."""

    capabilities = {"GET": Capability.VIEW_FEEDBACK, "POST": Capability.MANAGE_IDEAS}
    serializer_class = IdeaOut
    pagination_class = IdeaPagination
    queryset = Idea.objects.none()  # the schema's model; rows come from the selector
    filters: selectors.IdeaFilters

    def get_queryset(self):
        self.filters = selectors.IdeaFilters.from_params(self.request.query_params)
        return selectors.ideas(workspace=self.workspace, filters=self.filters)

    @extend_schema(parameters=FILTER_PARAMETERS)
    def get(self, request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=IdeaIn, responses={201: IdeaOut})
    @idempotent
    def post(self, request, slug: str) -> Response:
        data = _resolve(self.workspace, _valid(IdeaIn, request))
        idea = services.idea_create(actor=request.actor, **data)
        return Response(IdeaOut(_row(self.workspace, idea.pk)).data, status=status.HTTP_201_CREATED)


class IdeaDetail(WorkspaceAPIView):
    capabilities = {"GET": Capability.VIEW_FEEDBACK, "PATCH": Capability.MANAGE_IDEAS}
    serializer_class = IdeaOut

    def get(self, request, slug: str, idea_id: int) -> Response:
        return Response(IdeaOut(_row(self.workspace, idea_id)).data)

    @extend_schema(
        request=IdeaPatchIn,
        responses={200: IdeaOut, 409: None},
        description="Send the `version` you read; an idea changed since answers 409 with the "
        "current state in `error.current`. Archive an idea by moving it to a declined status.",
    )
    def patch(self, request, slug: str, idea_id: int) -> Response:
        idea = _row(self.workspace, idea_id)
        data = _valid(IdeaPatchIn, request)
        version = data.pop("version")
        data = _resolve(self.workspace, data)
        services.idea_update(actor=request.actor, idea=idea, expected_version=version, **data)
        return Response(IdeaOut(_row(self.workspace, idea_id)).data)


class IdeaLinkList(WorkspaceListAPIView):
    """The feedback linked to an idea, newest link first; POST links items."""

    capabilities = {"GET": Capability.VIEW_FEEDBACK, "POST": Capability.MANAGE_IDEAS}
    serializer_class = IdeaFeedbackLinkOut
    queryset = IdeaLink.objects.none()

    def get_queryset(self):
        idea = _row(self.workspace, self.kwargs["idea_id"])
        return selectors.links(workspace=self.workspace, idea=idea)

    @extend_schema(request=IdeaLinkIn, responses={201: IdeaFeedbackLinkOut(many=True)})
    @idempotent
    def post(self, request, slug: str, idea_id: int) -> Response:
        idea = _row(self.workspace, idea_id)
        data = _valid(IdeaLinkIn, request)
        wanted = sorted(set(data["items"]))
        items = selectors.items_by_id(workspace=self.workspace, item_ids=wanted)
        if len(items) != len(wanted):
            missing = sorted(set(wanted) - {i.pk for i in items})
            raise serializers.ValidationError({"items": [f"No such items: {missing}"]})
        made = services.idea_link(
            actor=request.actor,
            idea=idea,
            items=items,
            importance=data["importance"],
            note=data["note"],
        )
        rows = selectors.links(workspace=self.workspace, idea=idea).filter(
            pk__in=[link.pk for link in made]
        )
        return Response(IdeaFeedbackLinkOut(rows, many=True).data, status=status.HTTP_201_CREATED)


class IdeaLinkDetail(WorkspaceAPIView):
    capabilities = {"DELETE": Capability.MANAGE_IDEAS}

    @extend_schema(responses={204: None})
    def delete(self, request, slug: str, idea_id: int, idea_link_id: int) -> Response:
        idea = _row(self.workspace, idea_id)
        link = selectors.link(workspace=self.workspace, idea=idea, link_id=idea_link_id)
        services.idea_unlink(actor=request.actor, link=link)
        return Response(status=status.HTTP_204_NO_CONTENT)


class IdeaMerge(WorkspaceAPIView):
    capabilities = {"POST": Capability.MANAGE_IDEAS}
    serializer_class = IdeaOut

    @extend_schema(
        request=IdeaMergeIn,
        responses={200: IdeaOut},
        description="Moves every link to `into` (the higher importance wins where both link an "
        "item) and points this idea at it. Answers the surviving idea.",
    )
    def post(self, request, slug: str, idea_id: int) -> Response:
        idea = _row(self.workspace, idea_id)
        data = _valid(IdeaMergeIn, request)
        into = _row(self.workspace, data["into"])
        survivor = services.idea_merge(actor=request.actor, idea=idea, into=into)
        return Response(IdeaOut(_row(self.workspace, survivor.pk)).data)


class IdeaStatusList(WorkspaceAPIView):
    capabilities = {"GET": Capability.VIEW_FEEDBACK}
    serializer_class = IdeaStatusOut
    pagination_class = None
    queryset = IdeaStatus.objects.none()  # the schema's model; rows come from the selector

    @extend_schema(responses=IdeaStatusOut(many=True))
    def get(self, request, slug: str) -> Response:
        rows = selectors.statuses(workspace=self.workspace)
        return Response(IdeaStatusOut(rows, many=True).data)
