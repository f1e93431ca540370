"""The triage API: list, read, change and merge feedback (tags, areas, saved views: triage_labels).

GET /feedback/ lists with the inbox's filters and a keyset cursor; POST /feedback/ is intake's
(delegated to feedback.api.intake.create_feedback). Changes carry the `version` the client
read; a stale one answers 409 with the error shape and `current`.
"""

from django.core.exceptions import ValidationError
from django.utils.http import urlencode
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from feedback.api import intake as intake_api
from feedback.forms.triage import InboxFilterForm
from feedback.models import (
    FeedbackItem,
    Importance,
    Priority,
    Sentiment,
    Status,
)
from feedback.selectors import triage as selectors
from feedback.services import triage as services
from feedback.services import triage_bulk, triage_merges
from productops.api import WorkspaceAPIView
from productops.capabilities import Capability
from productops.errors import StaleEdit
from productops.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from productops.models import Workspace
from productops.validation import BAD_CURSOR, ID, PAGE_LIMIT, VERSION


class NamedOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ItemSourceOut(NamedOut):
    channel = serializers.CharField()


class ItemContactOut(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()


class ItemAccountOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    plan = serializers.CharField()
    segment = serializers.CharField()
    annual_revenue = serializers.DecimalField(max_digits=14, decimal_places=2)


class ItemAssigneeOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class FeedbackItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    priority = serializers.ChoiceField(choices=Priority.choices)
    sentiment = serializers.CharField()
    sentiment_overridden = serializers.BooleanField()
    rating = serializers.IntegerField(
        allow_null=True, help_text="The sender's star rating, 1 to 5; null when not given."
    )
    received_at = serializers.DateTimeField()
    external_id = serializers.CharField()
    submitter_email = serializers.CharField()
    # A declared field: DRF's metaclass takes it off the class, so it never shadows Field.source,
    # which the stubs cannot tell.
    source = ItemSourceOut()  # type: ignore[assignment]
    contact = ItemContactOut(allow_null=True)
    account = ItemAccountOut(allow_null=True)
    assignee = ItemAssigneeOut(allow_null=True)
    product_area = NamedOut(allow_null=True)
    tags = serializers.SerializerMethodField()
    duplicate_of = serializers.IntegerField(source="duplicate_of_id", allow_null=True)
    votes = serializers.IntegerField(
        help_text="Distinct people among the item and its merged duplicates, spam excepted."
    )
    mentions = serializers.IntegerField(
        help_text="The item and its merged duplicates, spam excepted."
    )
    link_count = serializers.IntegerField(help_text="Ideas this item is linked to.")
    processed_at = serializers.DateTimeField(allow_null=True)
    triaged_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()

    def get_tags(self, item: FeedbackItem) -> list[str]:
        return [t.name for t in item.tags.all()]


# The list's output path: the shape FeedbackItemOut gives (the schema says so, a test checks they
# agree), built from plain values; DRF serializers spent most of a 50-row list's time.
_datetime = serializers.DateTimeField().to_representation
_money = serializers.DecimalField(max_digits=14, decimal_places=2).to_representation


def _when(value):
    return None if value is None else _datetime(value)


def list_rows(page: selectors.InboxValues) -> list[dict]:
    """FeedbackItemOut's representation of each row of `page`."""
    results = []
    for row in page.rows:
        source = page.sources[row["source_id"]]
        contact = page.contacts.get(row["contact_id"])
        account = page.accounts.get(row["account_id"])
        assignee = page.assignees.get(row["assignee_id"])
        area = page.areas.get(row["product_area_id"])
        results.append(
            {
                "id": row["id"],
                "version": row["version"],
                "title": row["title"],
                "body": row["body"],
                "status": row["status"],
                "priority": row["priority"],
                "sentiment": row["sentiment"],
                "sentiment_overridden": row["sentiment_overridden"],
                "rating": row["rating"],
                "received_at": _datetime(row["received_at"]),
                "external_id": row["external_id"],
                "submitter_email": row["submitter_email"],
                "source": source,
                "contact": contact,
                "account": account
                and {**account, "annual_revenue": _money(account["annual_revenue"])},
                "assignee": assignee
                and {"id": assignee["id"], "name": assignee["name"] or assignee["email"]},
                "product_area": area,
                "tags": page.tags[row["id"]],
                "duplicate_of": row["duplicate_of_id"],
                "votes": row["votes"],
                "mentions": row["mentions"],
                "link_count": row["link_count"],
                "processed_at": _when(row["processed_at"]),
                "triaged_at": _when(row["triaged_at"]),
                "updated_at": _datetime(row["updated_at"]),
            }
        )
    return results


class FeedbackPageOut(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = FeedbackItemOut(many=True)


class IdeaLinkOut(serializers.Serializer):
    id = serializers.IntegerField()
    idea = serializers.IntegerField(source="idea_id")
    idea_title = serializers.CharField(source="idea.title")
    importance = serializers.ChoiceField(choices=Importance.choices)
    note = serializers.CharField()


class FeedbackDetailOut(FeedbackItemOut):
    idea_links = IdeaLinkOut(many=True)
    duplicate_candidates = serializers.ListField(child=serializers.IntegerField())


class FeedbackPatchIn(serializers.Serializer):
    version = VERSION.serializer_field(
        help_text="The version you read; 409 when the item changed since."
    )
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    assignee = serializers.CharField(
        required=False, allow_null=True, max_length=20, help_text='A user id, "me" or "none".'
    )
    product_area = serializers.CharField(
        required=False, allow_null=True, max_length=20, help_text='An id, or "none".'
    )
    sentiment = serializers.ChoiceField(
        choices=[*Sentiment.values, services.AUTO_SENTIMENT], required=False
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, help_text="Replaces all."
    )
    add_tags = serializers.ListField(child=serializers.CharField(max_length=60), required=False)
    remove_tags = serializers.ListField(child=serializers.CharField(max_length=60), required=False)


class MergeIn(serializers.Serializer):
    original = ID.serializer_field(help_text="The item this one duplicates.")
    version = VERSION.serializer_field(
        required=False, help_text="The version of this item you read."
    )


class MergeOut(serializers.Serializer):
    id = serializers.IntegerField()
    original = serializers.IntegerField(source="original_id")
    duplicate = serializers.IntegerField(source="duplicate_id")
    previous_status = serializers.CharField()
    moved_link_ids = serializers.ListField(child=serializers.IntegerField())
    merged_at = serializers.DateTimeField()
    undone_at = serializers.DateTimeField(allow_null=True)


class BulkItemIn(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()


class BulkIn(serializers.Serializer):
    action = serializers.ChoiceField(choices=triage_bulk.BULK_ACTIONS)
    # What BulkItemIn(many=True, ...) builds, spelled out: the stubs' Serializer() has no
    # max_length.
    items: serializers.ListSerializer[list[dict[str, int]]] = serializers.ListSerializer(
        child=BulkItemIn(), allow_empty=False, max_length=500
    )
    value = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="tag: a name; area: an id or blank; assign: a user id, me or none; "
        "priority: 0-4; link: an idea's number, its id as pages show it (12 or #12).",
    )
    importance = serializers.ChoiceField(choices=Importance.choices, required=False)


class SkippedOut(serializers.Serializer):
    id = serializers.IntegerField()
    reason = serializers.CharField()
    current = FeedbackItemOut(
        allow_null=True, help_text="The item now, as the list reads it; null when not found."
    )


class BulkOut(serializers.Serializer):
    updated = serializers.ListField(child=serializers.IntegerField())
    skipped = SkippedOut(many=True)


FILTER_PARAMETERS = [
    OpenApiParameter(
        "status",
        str,
        enum=[*Status.values, selectors.ALL, selectors.NOT_SPAM],
        description="Default: new. all: every status; not_spam: every status but spam.",
    ),
    OpenApiParameter("source", int),
    OpenApiParameter("tag", int),
    OpenApiParameter("area", str, description='A product area id, or "none".'),
    OpenApiParameter("segment", str),
    OpenApiParameter("account", int),
    OpenApiParameter("assignee", str, description='A user id, "me" or "unassigned".'),
    OpenApiParameter("sentiment", str, enum=[*Sentiment.values, "none"]),
    OpenApiParameter("priority", int, enum=Priority.values),
    OpenApiParameter("since", OpenApiTypes.DATE),
    OpenApiParameter("until", OpenApiTypes.DATE),
    OpenApiParameter("triaged_since", OpenApiTypes.DATE, description="Triaged on or after."),
    OpenApiParameter("triaged_until", OpenApiTypes.DATE, description="Triaged on or before."),
    OpenApiParameter("q", str, description="Full-text search (web search syntax)."),
    OpenApiParameter(
        "idea", int, description="Only the feedback counted as evidence for this idea (its id)."
    ),
    OpenApiParameter("sort", str, enum=list(selectors.SORTS)),
    OpenApiParameter("cursor", str),
    OpenApiParameter(
        "limit", int, description=f"{PAGE_LIMIT.min_value} to {PAGE_LIMIT.max_value}; default 50."
    ),
]


def _limit(request) -> int:
    return PAGE_LIMIT.query(request.query_params, "limit", default=selectors.PAGE_SIZE)


def _cursor(request, sort: str) -> str | None:
    cursor = request.query_params.get("cursor") or None
    if cursor and selectors.decode_cursor(cursor, sort) is None:
        raise ValidationError({"cursor": [BAD_CURSOR]})
    return cursor


class FeedbackCollection(WorkspaceAPIView):
    """GET: the inbox as JSON. POST: intake (one item or up to 1,000), owned by intake."""

    capabilities = {"GET": Capability.VIEW_FEEDBACK, "POST": Capability.SUBMIT_FEEDBACK}
    serializer_class = FeedbackItemOut
    queryset = FeedbackItem.objects.none()  # the schema's model; rows come from the selector

    @extend_schema(
        operation_id="feedback_list", parameters=FILTER_PARAMETERS, responses=FeedbackPageOut
    )
    def get(self, request, slug: str) -> Response:
        form = InboxFilterForm(request.query_params, actor=request.actor)
        if not form.is_valid():
            raise ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
        filters = form.filters()
        page = selectors.inbox_values(
            workspace=self.workspace,
            filters=filters,
            after=_cursor(request, filters.sort),
            limit=_limit(request),
        )
        next_url = None
        if page.next_cursor:
            params = {k: v for k, v in request.query_params.items() if k != "cursor"}
            next_url = request.build_absolute_uri(
                f"{request.path}?{urlencode({**params, 'cursor': page.next_cursor})}"
            )
        return Response(
            {
                "next": next_url,
                "previous": None,
                "results": list_rows(page),
            }
        )

    @extend_schema(
        request=intake_api.IntakeRequest,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            200: OpenApiResponse(
                intake_api.IntakeResponse, description="Updated or unchanged; a batch all stored."
            ),
            201: OpenApiResponse(intake_api.IntakeResponse, description="One item, created."),
            207: OpenApiResponse(
                intake_api.IntakeResponse,
                description="A batch partly stored: each failed item in `results` with its errors.",
            ),
        },
    )
    def post(self, request, slug: str) -> Response:
        return intake_api.create_feedback(self, request)


def item_representation(workspace: Workspace, item_id: int) -> dict:
    """`GET feedback/<id>/`: the item with its idea links and duplicate candidates."""
    detail = selectors.item_detail(workspace=workspace, item_id=item_id)
    data = FeedbackItemOut(detail["item"]).data
    data["idea_links"] = IdeaLinkOut(detail["links"], many=True).data
    data["duplicate_candidates"] = [c.pk for c in detail["candidates"]]
    return data


class FeedbackDetail(WorkspaceAPIView):
    """One item with its idea links and duplicate candidates; PATCH changes its triage fields
    at the `version` it read (409 with `current` when someone changed it first)."""

    capabilities = {"GET": Capability.VIEW_FEEDBACK, "PATCH": Capability.TRIAGE_FEEDBACK}
    serializer_class = FeedbackDetailOut
    queryset = FeedbackItem.objects.none()

    @extend_schema(responses=FeedbackDetailOut)
    def get(self, request, slug: str, item_id: int) -> Response:
        return Response(item_representation(self.workspace, item_id))

    @extend_schema(request=FeedbackPatchIn, responses={200: FeedbackDetailOut})
    def patch(self, request, slug: str, item_id: int) -> Response:
        item = selectors.item_to_change(workspace=self.workspace, item_id=item_id)
        data = FeedbackPatchIn(data=request.data)
        data.is_valid(raise_exception=True)
        given = dict(data.validated_data)
        expected = given.pop("version")
        # Ids and names go to the service as given: it resolves them in its own transaction.
        services.feedback_update(actor=request.actor, item=item, expected_version=expected, **given)
        return Response(item_representation(self.workspace, item_id))


class FeedbackMergeView(WorkspaceAPIView):
    """Marks this item a duplicate of `original` (undo: POST /feedback/merges/<id>/undo/)."""

    capabilities = {"POST": Capability.TRIAGE_FEEDBACK}
    serializer_class = MergeOut

    @extend_schema(request=MergeIn, responses={201: MergeOut})
    @idempotent
    def post(self, request, slug: str, item_id: int) -> Response:
        duplicate = selectors.item_to_change(workspace=self.workspace, item_id=item_id)
        data = MergeIn(data=request.data)
        data.is_valid(raise_exception=True)
        original = selectors.item_or_none(
            workspace=self.workspace, item_id=data.validated_data["original"]
        )
        if original is None:
            raise ValidationError({"original": "No such item."})
        merge = triage_merges.feedback_merge(
            actor=request.actor,
            original=original,
            duplicate=duplicate,
            expected_version=data.validated_data.get("version"),
        )
        return Response(MergeOut(merge).data, status=status.HTTP_201_CREATED)

    def conflict_representation(self, conflict: StaleEdit) -> dict:
        """The duplicate changed since its `version` was read: it, as `GET feedback/<id>/`."""
        return item_representation(self.workspace, self.kwargs["item_id"])


class FeedbackMergeUndo(WorkspaceAPIView):
    """Undoes a merge exactly: status, idea links and carried duplicates come back."""

    capabilities = {"POST": Capability.TRIAGE_FEEDBACK}
    serializer_class = MergeOut

    @extend_schema(request=None, responses={200: MergeOut})
    def post(self, request, slug: str, merge_id: int) -> Response:
        merge = selectors.merge(workspace=self.workspace, merge_id=merge_id)
        triage_merges.feedback_unmerge(actor=request.actor, merge=merge)
        merge.refresh_from_db()
        return Response(MergeOut(merge).data)


class FeedbackBulk(WorkspaceAPIView):
    """One action over many items; each applies only at the version given, else is skipped."""

    capabilities = {"POST": Capability.TRIAGE_FEEDBACK}
    serializer_class = BulkOut

    @extend_schema(request=BulkIn, responses={200: BulkOut})
    def post(self, request, slug: str) -> Response:
        data = BulkIn(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        result = triage_bulk.feedback_bulk_action(
            actor=request.actor,
            versions={entry["id"]: entry["version"] for entry in given["items"]},
            action=given["action"],
            value=given.get("value") or "",
            importance=given.get("importance") or Importance.IMPORTANT,
        )
        # A skipped item's `current` reads as the item does in the list (priority 0-4, ids).
        changed = selectors.items(
            workspace=self.workspace, item_ids=[s.id for s in result.skipped if s.current]
        )
        now = {row.pk: FeedbackItemOut(row).data for row in changed}
        skipped = [
            {"id": s.id, "reason": s.reason, "current": now.get(s.id)} for s in result.skipped
        ]
        return Response({"updated": [row.pk for row in result.updated], "skipped": skipped})
