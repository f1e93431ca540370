"""The intake API: feedback in (POST /feedback/, served through triage's FeedbackCollection),
inbound webhooks, sources, accounts (read, and upserted by CRM integrations) and contacts.

A batch stores every good item even when others fail: the answer lists each item's outcome by
index (docs/API.md, "Feedback intake").
"""

from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from feedback.batch_upsert import ERROR, ItemOutcome
from feedback.intake_item import (
    MAX_BODY,
    MAX_EXTERNAL_ID,
    MAX_ITEMS_PER_CALL,
    MAX_NAME,
    MAX_TAGS,
    MAX_TITLE,
    IntakeItem,
)
from feedback.models import Account, Channel, Contact, Source
from feedback.selectors import intake as selectors
from feedback.services import accounts as account_services
from feedback.services import intake as services
from feedback.services import sources as source_services
from feedback.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, BadSignature
from productops.api import WorkspaceAPIRequest, WorkspaceAPIView, WorkspaceListAPIView
from productops.api_errors import error_body, plain_errors
from productops.capabilities import Capability
from productops.filters import TextFilter, WholeFilter
from productops.folding import contains_folded
from productops.idempotency import idempotent
from productops.validation import ID, STAR_RATING, check_received

# Serializers -----------------------------------------------------------------------------------


class IntakeItemIn(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_BODY)
    title = serializers.CharField(max_length=MAX_TITLE, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    name = serializers.CharField(max_length=MAX_NAME, required=False, allow_blank=True)
    external_id = serializers.CharField(
        max_length=MAX_EXTERNAL_ID,
        required=False,
        allow_blank=True,
        help_text="Your id for the item: sending it again updates the same item.",
    )
    received_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        validators=[check_received],
        help_text="ISO 8601; default: when we receive it.",
    )
    account_external_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    account_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    account_domain = serializers.CharField(max_length=200, required=False, allow_blank=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60), max_length=MAX_TAGS, required=False
    )
    product_area = serializers.CharField(max_length=80, required=False, allow_blank=True)
    rating = STAR_RATING.serializer_field(
        required=False,
        allow_null=True,
        help_text="The sender's star rating, 1 to 5 (an app store review); left out: unchanged.",
    )


class IntakeRequest(IntakeItemIn):
    """One item (its fields at the top level), or a batch in `items` (then no top-level body)."""

    body = serializers.CharField(max_length=MAX_BODY, required=False)
    # A declared field: DRF's metaclass takes it off the class, so it never shadows Field.source,
    # which the stubs cannot tell.
    source = ID.serializer_field(  # type: ignore[assignment]
        required=False, help_text="A source id of the workspace."
    )
    source_name = serializers.CharField(
        max_length=100,
        required=False,
        help_text='A source by name, created with channel "api" if new. Default: "API".',
    )
    items = IntakeItemIn(many=True, required=False, help_text="Up to 1,000 items.")


class SourceRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(required=False, help_text="Left out for intake-only tokens.")
    channel = serializers.CharField(required=False, help_text="Left out for intake-only tokens.")


class ItemResultOut(serializers.Serializer):
    index = serializers.IntegerField()
    result = serializers.ChoiceField(choices=["created", "updated", "unchanged", "error"])
    id = serializers.IntegerField(allow_null=True)
    external_id = serializers.CharField(allow_blank=True)
    # A declared field: DRF's metaclass takes it off the class, so it never shadows
    # Serializer.errors, which the stubs cannot tell.
    errors = serializers.DictField(  # type: ignore[assignment]
        # JSON, not a list: a list field's errors nest by entry ({"tags": {"0": [...]}}).
        child=serializers.JSONField(),
        required=False,
    )


class IntakeResponse(serializers.Serializer):
    """For one item: its id and result. For a batch: counts and one result per item."""

    id = serializers.IntegerField(required=False)
    result = serializers.CharField(required=False)
    external_id = serializers.CharField(required=False)
    # A declared field: DRF's metaclass takes it off the class, so it never shadows Field.source,
    # which the stubs cannot tell.
    source = SourceRefOut()  # type: ignore[assignment]
    created = serializers.IntegerField(required=False)
    updated = serializers.IntegerField(required=False)
    unchanged = serializers.IntegerField(required=False)
    failed = serializers.IntegerField(required=False)
    results = ItemResultOut(many=True, required=False)


def reads_back(request: Request) -> bool:
    """Whether the caller may read feedback. An intake-only token (meant to push and read
    nothing) gets ids and results only, so its answers cannot be used to read the workspace."""
    actor = getattr(request, "actor", None)
    return actor is not None and actor.can(Capability.VIEW_FEEDBACK)


def _source_ref(source: Source, *, full: bool = True) -> dict:
    if not full:
        return {"id": source.pk}
    return {"id": source.pk, "name": source.name, "channel": source.channel}


def _result_row(outcome: ItemOutcome) -> dict:
    row = {
        "index": outcome.index,
        "result": outcome.result,
        "id": outcome.item_id,
        "external_id": outcome.external_id,
    }
    if outcome.errors:
        row["errors"] = outcome.errors
    return row


def _too_many(count: int) -> Response:
    return Response(
        error_body(
            413,
            "too_many_items",
            f"Send at most {MAX_ITEMS_PER_CALL:,} items per request; this one has {count:,}."
            " Split them over several requests (each with its own Idempotency-Key).",
        ),
        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )


def _batch_response(source: Source, outcomes: list[ItemOutcome], *, full: bool) -> Response:
    failed = sum(1 for o in outcomes if o.result == ERROR)
    body = {
        "source": _source_ref(source, full=full),
        "created": sum(1 for o in outcomes if o.result == "created"),
        "updated": sum(1 for o in outcomes if o.result == "updated"),
        "unchanged": sum(1 for o in outcomes if o.result == "unchanged"),
        "failed": failed,
        "results": [_result_row(o) for o in outcomes],
    }
    if failed == len(outcomes):  # raised, so the transaction and any Idempotency-Key roll back
        raise serializers.ValidationError(
            {"items": {str(o.index): o.errors for o in outcomes if o.errors}}
        )
    # 207 Multi-Status: the good items were stored, the others are listed with their errors.
    return Response(body, status=207 if failed else status.HTTP_200_OK)


@idempotent
def create_feedback(
    view: WorkspaceAPIView, request: WorkspaceAPIRequest, *args, **kwargs
) -> Response:
    """POST /feedback/: one item, or {"items": [...]} up to 1,000; upserts by external_id."""
    data = request.data
    if not isinstance(data, dict):
        raise serializers.ValidationError(
            'Send a JSON object: one item, or {"items": [...]} for a batch.'
        )
    batch = "items" in data
    raw_items = data.get("items") if batch else [data]
    if not isinstance(raw_items, list):
        raise serializers.ValidationError({"items": ["Send a list of items."]})
    if len(raw_items) > MAX_ITEMS_PER_CALL:
        return _too_many(len(raw_items))
    if not raw_items:
        raise serializers.ValidationError({"items": ["The list is empty."]})
    rejected: dict[int, ItemOutcome] = {}  # by index, in order
    valid: list[tuple[int, IntakeItem]] = []
    for index, raw in enumerate(raw_items):
        item = IntakeItemIn(data=raw if isinstance(raw, dict) else {})
        if not isinstance(raw, dict):
            rejected[index] = ItemOutcome(index, ERROR, errors={"item": ["Send an object."]})
        elif item.is_valid():
            values = item.validated_data
            valid.append((index, IntakeItem(**{**values, "tags": tuple(values.get("tags", ()))})))
        else:
            rejected[index] = ItemOutcome(
                index,
                ERROR,
                external_id=str(raw.get("external_id", ""))[:MAX_EXTERNAL_ID],
                errors=plain_errors(item.errors),
            )
    if not batch and rejected:
        raise serializers.ValidationError(rejected[0].errors)
    if not valid:
        raise serializers.ValidationError(
            {"items": {str(o.index): o.errors for o in rejected.values()}}
        )
    reference = IntakeRequest(data={k: data[k] for k in ("source", "source_name") if k in data})
    reference.is_valid(raise_exception=True)
    source = source_services.source_for_api(
        actor=request.actor,
        source_id=reference.validated_data.get("source"),
        name=reference.validated_data.get("source_name", ""),
    )
    result = services.feedback_submit(
        actor=request.actor, source=source, items=[item for _, item in valid]
    )
    by_index = dict(rejected)
    for (index, _), stored in zip(valid, result.outcomes, strict=True):
        stored.index = index
        by_index[index] = stored
    outcomes = [by_index[index] for index in range(len(raw_items))]
    if batch:
        return _batch_response(source, outcomes, full=reads_back(request))
    outcome = outcomes[0]
    if outcome.result == ERROR:
        raise serializers.ValidationError(outcome.errors)
    return Response(
        {
            "id": outcome.item_id,
            "result": outcome.result,
            "external_id": outcome.external_id,
            "source": _source_ref(source, full=reads_back(request)),
        },
        status=status.HTTP_201_CREATED if outcome.result == "created" else status.HTTP_200_OK,
    )


# Webhooks --------------------------------------------------------------------------------------


class WebhookDelivery(WorkspaceAPIView):
    """Any JSON sender: signed with the source's secret, mapped with its field mapping."""

    capabilities = None  # no credentials: the signature is the authentication
    authentication_classes: list = []

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        parameters=[
            OpenApiParameter(TIMESTAMP_HEADER, str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter(
                SIGNATURE_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description='"sha256=" + hex HMAC-SHA256 of "<timestamp>.<raw body>".',
            ),
        ],
        responses={
            200: IntakeResponse,
            207: IntakeResponse,
            401: OpenApiResponse(description="Missing, wrong or expired signature."),
            409: OpenApiResponse(description="This signed delivery was received already."),
        },
    )
    def post(self, request: Request, slug: str, source_id: int) -> Response:
        source = selectors.webhook_source(workspace_slug=slug, source_id=source_id)
        if source is None:
            return Response(error_body(404, "not_found", "Not found."), status=404)
        raw = request.body
        signature = request.headers.get(SIGNATURE_HEADER, "")
        try:
            payload = services.webhook_parse(
                source=source,
                timestamp=request.headers.get(TIMESTAMP_HEADER),
                signature=signature,
                raw=raw,
            )
        except BadSignature as failure:
            return Response(error_body(401, "bad_signature", str(failure)), status=401)
        values = services.webhook_items(source=source, payload=payload)
        if not values:
            raise serializers.ValidationError(
                f"The delivery holds no items where the mapping looks"
                f" ({source.field_mapping.get('body', 'body')})."
            )
        if len(values) > MAX_ITEMS_PER_CALL:
            return _too_many(len(values))
        try:
            result = services.feedback_webhook_receive(
                source=source, signature=signature, values=values
            )
        except services.Replayed as replay:
            return Response(error_body(409, "replayed", str(replay)), status=409)
        return _batch_response(source, result.outcomes, full=False)


# Sources, accounts, contacts -------------------------------------------------------------------


class SourceOut(serializers.ModelSerializer):
    item_count = serializers.IntegerField(read_only=True)
    webhook_url = serializers.SerializerMethodField()

    class Meta:
        model = Source
        fields = [
            "id",
            "name",
            "channel",
            "is_active",
            "tool",
            "item_count",
            "webhook_url",
            "created_at",
        ]

    def get_webhook_url(self, source: Source) -> str | None:
        if source.channel != Channel.WEBHOOK:
            return None
        url = reverse("api_source_webhook", args=[source.workspace.slug, source.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class SourceList(WorkspaceListAPIView):
    capabilities = {"GET": Capability.VIEW_FEEDBACK}
    serializer_class = SourceOut
    queryset = Source.objects.none()  # the schema's model; rows come from the selector

    def get_queryset(self):
        return selectors.sources(workspace=self.workspace, item_counts=True).select_related(
            "workspace"
        )


class AccountOut(serializers.ModelSerializer):
    item_count = serializers.IntegerField(read_only=True)
    contact_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "domain",
            "external_id",
            "plan",
            "segment",
            "annual_revenue",
            "item_count",
            "contact_count",
            "created_at",
        ]


class AccountResultOut(serializers.Serializer):
    """What an intake-only token gets back: the id and whether it was created or updated."""

    id = serializers.IntegerField()
    result = serializers.ChoiceField(choices=["created", "updated"])


class AccountIn(serializers.Serializer):
    external_id = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Your CRM's id: the key."
    )
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    domain = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="e.g. acme.com"
    )
    plan = serializers.CharField(max_length=60, required=False, allow_blank=True)
    segment = serializers.CharField(max_length=60, required=False, allow_blank=True)
    annual_revenue = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False
    )


class AccountFilter(filters.FilterSet):
    segment = TextFilter()
    plan = TextFilter()
    domain = TextFilter()
    external_id = TextFilter()
    q = TextFilter(method="filter_q", label="Name contains (accents and case aside)")

    class Meta:
        model = Account
        fields = ["segment", "plan", "domain", "external_id"]

    def filter_q(self, queryset, name: str, value: str):
        return (
            queryset.filter(contains_folded("name", value.strip())) if value.strip() else queryset
        )


class AccountList(WorkspaceListAPIView):
    capabilities = {"GET": Capability.VIEW_FEEDBACK, "POST": Capability.SUBMIT_FEEDBACK}
    serializer_class = AccountOut
    filterset_class = AccountFilter
    queryset = Account.objects.none()

    def get_queryset(self):
        return selectors.accounts(workspace=self.workspace)

    @extend_schema(
        request=AccountIn,
        responses={
            200: PolymorphicProxySerializer(
                "AccountUpserted", [AccountOut, AccountResultOut], resource_type_field_name=None
            ),
            201: PolymorphicProxySerializer(
                "AccountCreated", [AccountOut, AccountResultOut], resource_type_field_name=None
            ),
        },
        description="Creates or updates an account by `external_id` (else `domain`). A token "
        "that can read feedback gets the account back; an intake-only token gets `id` and "
        "`result` only, and must send `external_id` and `name` (your CRM's record), so a guessed "
        "domain neither reads nor creates an account.",
    )
    @idempotent
    def post(self, request: WorkspaceAPIRequest, slug: str) -> Response:
        data = AccountIn(data=request.data)
        data.is_valid(raise_exception=True)
        full = reads_back(request)
        if not full:
            missing = {
                name: ["An intake-only token upserts accounts by your CRM's record: send it."]
                for name in ("external_id", "name")
                if not str(data.validated_data.get(name, "")).strip()
            }
            if missing:
                raise serializers.ValidationError(missing)
        account, created = account_services.account_upsert(
            actor=request.actor, **data.validated_data
        )
        answer = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        if not full:
            result = "created" if created else "updated"
            return Response({"id": account.pk, "result": result}, status=answer)
        account = selectors.account(workspace=self.workspace, account_id=account.pk)
        return Response(AccountOut(account).data, status=answer)


class AccountDetail(WorkspaceAPIView):
    capabilities = {"GET": Capability.VIEW_FEEDBACK}
    serializer_class = AccountOut

    def get(self, request: Request, slug: str, account_id: int) -> Response:
        return Response(
            AccountOut(selectors.account(workspace=self.workspace, account_id=account_id)).data
        )


class ContactOut(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name", allow_null=True, default=None)

    class Meta:
        model = Contact
        fields = ["id", "email", "name", "external_id", "account", "account_name", "created_at"]


class ContactFilter(filters.FilterSet):
    email = TextFilter(lookup_expr="iexact", max_length=254)
    account = WholeFilter(field_name="account_id")

    class Meta:
        model = Contact
        fields = ["email", "account"]


class ContactList(WorkspaceListAPIView):
    capabilities = {"GET": Capability.VIEW_FEEDBACK}
    serializer_class = ContactOut
    filterset_class = ContactFilter
    queryset = Contact.objects.none()

    def get_queryset(self):
        return selectors.contacts(workspace=self.workspace)
