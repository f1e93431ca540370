"""The triage API's names a workspace keeps: tags, product areas (list, create) and saved views."""

from django.core.exceptions import PermissionDenied, ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from feedback.api.triage import NamedOut
from feedback.forms.triage import InboxFilterForm
from feedback.models import ProductArea, SavedView, Tag
from feedback.selectors import triage_choices
from feedback.services import saved_views, triage_labels
from productops.api import WorkspaceAPIView
from productops.capabilities import Capability
from productops.idempotency import idempotent


class NameIn(serializers.Serializer):
    name = serializers.CharField(max_length=80)


class SavedViewIn(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    filters = serializers.DictField(child=serializers.CharField(), required=False)
    shared = serializers.BooleanField(default=False)


class SavedViewOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    filters = serializers.DictField()
    shared = serializers.BooleanField()
    owner = serializers.CharField(source="owner.display_name")
    mine = serializers.SerializerMethodField()

    def get_mine(self, view: SavedView) -> bool:
        return view.owner_id == self.context["user_id"]


class TagList(WorkspaceAPIView):
    """The workspace's tags; POST creates one (or answers the one of that name, any case)."""

    queryset = Tag.objects.none()
    capabilities = {"GET": Capability.VIEW_FEEDBACK, "POST": Capability.TRIAGE_FEEDBACK}
    serializer_class = NamedOut
    pagination_class = None

    @extend_schema(responses=NamedOut(many=True))
    def get(self, request, slug: str) -> Response:
        return Response(NamedOut(triage_choices.tags(workspace=self.workspace), many=True).data)

    @extend_schema(request=NameIn, responses={201: NamedOut})
    @idempotent
    def post(self, request, slug: str) -> Response:
        data = NameIn(data=request.data)
        data.is_valid(raise_exception=True)
        tag = triage_labels.tag_get_or_create(actor=request.actor, name=data.validated_data["name"])
        return Response(NamedOut(tag).data, status=status.HTTP_201_CREATED)


class ProductAreaList(WorkspaceAPIView):
    """The workspace's product areas; POST creates one (or answers the one of that name)."""

    queryset = ProductArea.objects.none()
    capabilities = {"GET": Capability.VIEW_FEEDBACK, "POST": Capability.TRIAGE_FEEDBACK}
    serializer_class = NamedOut
    pagination_class = None

    @extend_schema(responses=NamedOut(many=True))
    def get(self, request, slug: str) -> Response:
        areas = triage_choices.product_areas(workspace=self.workspace)
        return Response(NamedOut(areas, many=True).data)

    @extend_schema(request=NameIn, responses={201: NamedOut})
    @idempotent
    def post(self, request, slug: str) -> Response:
        data = NameIn(data=request.data)
        data.is_valid(raise_exception=True)
        area = triage_labels.product_area_get_or_create(
            actor=request.actor, name=data.validated_data["name"]
        )
        return Response(NamedOut(area).data, status=status.HTTP_201_CREATED)


class SavedViewList(WorkspaceAPIView):
    """The caller's saved views and the workspace's shared ones (members only, not tokens)."""

    queryset = SavedView.objects.none()

    capabilities = {"GET": Capability.KEEP_SAVED_VIEWS, "POST": Capability.KEEP_SAVED_VIEWS}
    serializer_class = SavedViewOut
    pagination_class = None

    @extend_schema(responses=SavedViewOut(many=True))
    def get(self, request, slug: str) -> Response:
        views = triage_choices.saved_views(workspace=self.workspace, user=request.actor.user)
        context = {"user_id": request.actor.user.pk}
        return Response(SavedViewOut(views, many=True, context=context).data)

    @extend_schema(request=SavedViewIn, responses={201: SavedViewOut})
    @idempotent
    def post(self, request, slug: str) -> Response:
        data = SavedViewIn(data=request.data)
        data.is_valid(raise_exception=True)
        filters = InboxFilterForm(data.validated_data.get("filters") or {}, actor=request.actor)
        if not filters.is_valid():
            problems = [f"{k}: {' '.join(str(m) for m in v)}" for k, v in filters.errors.items()]
            raise ValidationError({"filters": problems})
        view = saved_views.saved_view_create(
            actor=request.actor,
            name=data.validated_data["name"],
            filters=filters.query(),
            shared=data.validated_data["shared"],
        )
        context = {"user_id": request.actor.user.pk}
        return Response(SavedViewOut(view, context=context).data, status=status.HTTP_201_CREATED)


class SavedViewDetail(WorkspaceAPIView):
    """Rename or delete one of your own saved views."""

    queryset = SavedView.objects.none()
    capabilities = {"PATCH": Capability.KEEP_SAVED_VIEWS, "DELETE": Capability.KEEP_SAVED_VIEWS}
    serializer_class = SavedViewOut

    def _view(self, saved_view_id: int) -> SavedView:
        user = self.request.actor.user
        if user is None:  # KEEP_SAVED_VIEWS is never granted to a token (capabilities.py)
            raise PermissionDenied("Saved views belong to a person, not a token.")
        return triage_choices.saved_view(workspace=self.workspace, view_id=saved_view_id, user=user)

    @extend_schema(request=NameIn, responses={200: SavedViewOut})
    def patch(self, request, slug: str, saved_view_id: int) -> Response:
        data = NameIn(data=request.data)
        data.is_valid(raise_exception=True)
        view = saved_views.saved_view_rename(
            actor=request.actor, view=self._view(saved_view_id), name=data.validated_data["name"]
        )
        return Response(SavedViewOut(view, context={"user_id": request.actor.user.pk}).data)

    @extend_schema(responses={204: None})
    def delete(self, request, slug: str, saved_view_id: int) -> Response:
        saved_views.saved_view_delete(actor=request.actor, view=self._view(saved_view_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
