"""The platform's API: the workspace, members, invitations and the audit log."""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from productops import clock, selectors, services
from productops.api_auth import WorkspaceAPIRequest
from productops.api_paging import NewestFirstCursorPagination
from productops.capabilities import Capability
from productops.errors import StaleEdit
from productops.filters import AuditEventFilter
from productops.idempotency import idempotent
from productops.models import AuditEvent, Invitation, Membership, Role, Workspace


class _FormRefusingRequest(Request):
    """DRF's request, refusing a multipart body with a 415 when it is read by an endpoint that
    reads none (every one but the import uploads), as a form-encoded body is refused. DRF would
    find it already read (the edge reads a multipart form's fields for NUL) and hand the view
    an empty form: a misleading 400 "This field is required." for fields that were sent."""

    def _parse(self) -> tuple[Any, Any]:
        media_type = (self.content_type or "").split(";", 1)[0].strip().lower()
        if media_type == "multipart/form-data" and not any(
            parser.media_type == media_type for parser in self.parsers or ()
        ):
            raise exceptions.UnsupportedMediaType(media_type)
        return super()._parse()  # type: ignore[misc]


class WorkspaceAPIView(GenericAPIView):
    """Base of every workspace endpoint: the gate resolves `request.actor` from the slug.

    Past the gate the workspace's time zone is the current one, as on its pages: a time sent
    without an offset is that zone's wall-clock time, and times are answered with its offset.
    """

    capabilities: dict[str, Capability] | None = {}
    request: WorkspaceAPIRequest

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if getattr(request, "actor", None) is not None:
            timezone.activate(clock.zone(self.workspace))

    def initialize_request(self, request: Any, *args: Any, **kwargs: Any) -> Request:
        # APIView.initialize_request's own body, with the request class above.
        return _FormRefusingRequest(
            request,
            parsers=self.get_parsers(),
            authenticators=self.get_authenticators(),
            negotiator=self.get_content_negotiator(),
            parser_context=self.get_parser_context(request),
        )

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        timezone.deactivate()
        return super().finalize_response(request, response, *args, **kwargs)

    @property
    def workspace(self) -> Workspace:
        return self.request.actor.workspace

    def conflict_representation(self, conflict: StaleEdit) -> Any:
        """What a 409 from this endpoint holds in `error.current`: the resource as a GET of
        this URL answers it now, field for field (ids, codes, `priority` 0-4), so one client
        code reads both. A write endpoint without a GET that takes a `version` overrides this
        with its resource's representation (`tests/productops/test_conflicts.py` makes each
        such endpoint say so)."""
        get = getattr(self, "get", None)
        return conflict.current if get is None else get(self.request, **self.kwargs).data


class WorkspaceListAPIView(mixins.ListModelMixin, WorkspaceAPIView):
    """A list endpoint: the selector's queryset, filtered, one cursor page of it."""

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request)


class WorkspaceOut(serializers.ModelSerializer):
    class Meta:
        model = Workspace
        fields = ["slug", "name", "currency", "time_zone", "date_order", "created_at"]


class MemberOut(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.name")

    class Meta:
        model = Membership
        fields = ["id", "email", "name", "role", "joined_at"]


class MemberIn(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationIn(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationOut(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "created_at", "expires_at"]


class AuditEventOut(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor_label",
            "actor_user",
            "actor_token",
            "verb",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
        ]


class WorkspaceDetail(WorkspaceAPIView):
    capabilities = {"GET": Capability.VIEW_WORKSPACE}
    serializer_class = WorkspaceOut

    def get(self, request, slug: str) -> Response:
        return Response(WorkspaceOut(self.workspace).data)


class MemberPagination(NewestFirstCursorPagination):
    ordering = ("-joined_at", "-id")


class MemberList(WorkspaceListAPIView):
    capabilities = {"GET": Capability.VIEW_MEMBERS}
    serializer_class = MemberOut
    pagination_class = MemberPagination

    queryset = Membership.objects.none()  # the schema's model; rows come from the selector

    def get_queryset(self):
        return selectors.members(workspace=self.workspace)


class MemberDetail(WorkspaceAPIView):
    capabilities = {
        "GET": Capability.VIEW_MEMBERS,
        "PATCH": Capability.MANAGE_MEMBERS,
        "DELETE": Capability.MANAGE_MEMBERS,
    }
    serializer_class = MemberOut

    def _member(self, membership_id: int) -> Membership:
        return selectors.member(workspace=self.workspace, membership_id=membership_id)

    def get(self, request, slug: str, membership_id: int) -> Response:
        return Response(MemberOut(self._member(membership_id)).data)

    @extend_schema(request=MemberIn, responses=MemberOut)
    def patch(self, request, slug: str, membership_id: int) -> Response:
        data = MemberIn(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_change_role(
            actor=request.actor, membership=self._member(membership_id), **data.validated_data
        )
        return Response(MemberOut(membership).data)

    @extend_schema(responses={204: None})
    def delete(self, request, slug: str, membership_id: int) -> Response:
        services.membership_remove(actor=request.actor, membership=self._member(membership_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationList(WorkspaceListAPIView):
    capabilities = {"GET": Capability.MANAGE_MEMBERS, "POST": Capability.MANAGE_MEMBERS}
    serializer_class = InvitationOut

    queryset = Invitation.objects.none()  # the schema's model; rows come from the selector

    def get_queryset(self):
        return selectors.open_invitations(workspace=self.workspace)

    @extend_schema(request=InvitationIn, responses={201: InvitationOut})
    @idempotent
    def post(self, request, slug: str) -> Response:
        data = InvitationIn(data=request.data)
        data.is_valid(raise_exception=True)
        invitation, _ = services.invitation_create(actor=request.actor, **data.validated_data)
        return Response(InvitationOut(invitation).data, status=status.HTTP_201_CREATED)


class InvitationDetail(WorkspaceAPIView):
    capabilities = {"DELETE": Capability.MANAGE_MEMBERS}

    @extend_schema(responses={204: None})
    def delete(self, request, slug: str, invitation_id: int) -> Response:
        invitation = selectors.invitation(workspace=self.workspace, invitation_id=invitation_id)
        services.invitation_revoke(actor=request.actor, invitation=invitation)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuditEventList(WorkspaceListAPIView):
    """The audit log, newest first. Read-only: no endpoint edits or deletes an event."""

    capabilities = {"GET": Capability.VIEW_AUDIT}
    serializer_class = AuditEventOut
    filterset_class = AuditEventFilter

    queryset = AuditEvent.objects.none()  # the schema's model; rows come from the selector

    def get_queryset(self):
        return selectors.audit_events(workspace=self.workspace)


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema: public, like the docs, so integrators can read it before a token."""

    capabilities = None


class DocsView(SpectacularSwaggerSplitView):
    capabilities = None
