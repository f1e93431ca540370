"""Imports through the API: upload a file, read the guessed mapping and preview, start it, poll
the job, fetch the report of rows not imported. The same services as the pages."""

from typing import Any, cast

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from productops.access import require
from productops.api import WorkspaceAPIRequest, WorkspaceAPIView, WorkspaceListAPIView
from productops.api_paging import NewestFirstCursorPagination
from productops.capabilities import Capability
from productops.imports import registry, selectors, services
from productops.imports.reading import Layout
from productops.models import ImportJob, ImportRowError


class ImportJobOut(serializers.ModelSerializer):
    reading = serializers.SerializerMethodField()
    layout = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "filename",
            "status",
            "reading",
            "layout",
            "header",
            "mapping",
            "total_rows",
            "processed_rows",
            "created_rows",
            "updated_rows",
            "unchanged_rows",
            "error_rows",
            "skipped_rows",
            "noted_rows",
            "percent",
            "failure",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_reading(self, job: ImportJob) -> str:
        """How the file was read: its encoding and separator, or the workbook's sheet."""
        return Layout.from_dict((job.options or {}).get("reading")).describe()

    def get_layout(self, job: ImportJob) -> str:
        """The known export recognised from the columns, or ""."""
        return (job.options or {}).get("layout", "")


class PreviewRowOut(serializers.Serializer):
    row = serializers.IntegerField(source="number")
    values = serializers.DictField(child=serializers.CharField(allow_blank=True))
    stored = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        help_text="The value each field will store (ISO dates, amount and currency).",
    )
    error = serializers.CharField(allow_null=True)
    note = serializers.CharField(allow_blank=True)


class QuestionOut(serializers.Serializer):
    field = serializers.CharField(source="field.name")
    question = serializers.CharField(source="what")
    options = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    value = serializers.CharField(allow_blank=True)


class ImportDraftOut(ImportJobOut):
    preview = serializers.SerializerMethodField()
    questions = serializers.SerializerMethodField()

    class Meta(ImportJobOut.Meta):
        fields = [*ImportJobOut.Meta.fields, "preview", "questions"]

    def _preview(self, job: ImportJob) -> selectors.Preview:
        if not hasattr(self, "_cached"):
            self._cached = selectors.import_preview(job=job, mapping=job.mapping)
        return self._cached

    @extend_schema_field(PreviewRowOut(many=True))
    def get_preview(self, job: ImportJob) -> list[dict]:
        # many=True makes a ListSerializer, whose data is a list; the stubs keep the child's type.
        return PreviewRowOut(self._preview(job).rows, many=True).data  # type: ignore[return-value]

    @extend_schema_field(QuestionOut(many=True))
    def get_questions(self, job: ImportJob) -> list[dict]:
        # many=True makes a ListSerializer, whose data is a list; the stubs keep the child's type.
        return QuestionOut(self._preview(job).questions, many=True).data  # type: ignore[return-value]


class ImportUploadIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[])
    file = serializers.FileField(help_text="CSV (UTF-8, UTF-16 or Windows-1252) or .xlsx.")
    source_id = serializers.IntegerField(
        required=False, help_text="Feedback imports: the source the rows come from."
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # The importers register when apps are ready, after this module is imported.
        cast(serializers.ChoiceField, self.fields["kind"]).choices = [
            i.kind for i in registry.importers()
        ]


class ImportStartIn(serializers.Serializer):
    mapping = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="Field -> column; the guessed mapping when left out.",
    )
    choices = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text="Field -> the answer to a question of the draft (date order 'dmy' or 'mdy', "
        "decimal separator '.' or ',', or a value for every row).",
    )


class ImportRowOut(serializers.ModelSerializer):
    row = serializers.IntegerField(source="row_number")

    class Meta:
        model = ImportRowError
        fields = ["row", "kind", "reason", "values"]


class ImportList(WorkspaceListAPIView):
    """Imports, newest first; POST uploads a file as a draft with its guessed mapping."""

    capabilities = {"GET": Capability.RUN_IMPORTS, "POST": Capability.RUN_IMPORTS}
    serializer_class = ImportJobOut
    pagination_class = NewestFirstCursorPagination
    parser_classes = [MultiPartParser]
    queryset = ImportJob.objects.none()

    def get_queryset(self):
        return selectors.import_jobs(workspace=self.workspace)

    @extend_schema(request={"multipart/form-data": ImportUploadIn}, responses={201: ImportDraftOut})
    def post(self, request: WorkspaceAPIRequest, slug: str) -> Response:
        data = ImportUploadIn(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        importer = registry.importer_for(data.validated_data["kind"])
        options = importer.clean_options(
            actor=request.actor, options={"source_id": data.validated_data.get("source_id")}
        )
        job = services.import_upload(
            actor=request.actor,
            kind=importer.kind,
            filename=upload.name,
            raw=upload.read(),
            options=options,
        )
        drafted = selectors.import_job(workspace=self.workspace, job_id=job.pk)
        return Response(ImportDraftOut(drafted).data, status=status.HTTP_201_CREATED)


class _JobView(WorkspaceAPIView):
    def job(self, job_id: int) -> ImportJob:
        job = selectors.import_job(workspace=self.workspace, job_id=job_id)
        if job is None:
            raise Http404("No such import.")
        # A member who may not import this kind (members are the admins') may not see it either.
        require(self.request.actor, registry.importer_for(job.kind).capability)
        return job


class ImportDetail(_JobView):
    """One import: its progress while it runs, its counts when done (poll this)."""

    capabilities = {"GET": Capability.RUN_IMPORTS}

    @extend_schema(responses=ImportDraftOut)
    def get(self, request: Request, slug: str, job_id: int) -> Response:
        job = self.job(job_id)
        out = ImportDraftOut if job.status == ImportJob.Status.DRAFT else ImportJobOut
        return Response(out(job).data)


class ImportStart(_JobView):
    """Starts a draft with a mapping (the guessed one when left out) and answers to its
    questions; the rows are imported in the background: poll the import."""

    capabilities = {"POST": Capability.RUN_IMPORTS}

    @extend_schema(request=ImportStartIn, responses={202: ImportJobOut})
    def post(self, request: WorkspaceAPIRequest, slug: str, job_id: int) -> Response:
        job = self.job(job_id)
        data = ImportStartIn(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.import_start(
            actor=request.actor,
            job=job,
            mapping=data.validated_data.get("mapping", job.mapping),
            choices=data.validated_data.get("choices"),
        )
        return Response(ImportJobOut(job).data, status=status.HTTP_202_ACCEPTED)


class ReportPagination(NewestFirstCursorPagination):
    ordering = ("row_number", "id")


class ImportReport(WorkspaceListAPIView, _JobView):
    """Every row not imported (error), not an item (skipped) or imported with a note, by row."""

    capabilities = {"GET": Capability.RUN_IMPORTS}
    serializer_class = ImportRowOut
    pagination_class = ReportPagination
    queryset = ImportRowError.objects.none()

    def get_queryset(self):
        return selectors.report_rows(job=self.job(self.kwargs["job_id"]))
