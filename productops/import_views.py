"""The import pages: upload, map and preview, then progress and the report of bad rows."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from productops import imports
from productops.access import WorkspaceRequest, member_required
from productops.capabilities import Capability
from productops.csvfiles import csv_download
from productops.forms import ImportUploadForm
from productops.imports import exports, selectors
from productops.models import ImportJob
from productops.paging import newest_first


def _importer(request: WorkspaceRequest, kind: str) -> imports.Importer:
    try:
        importer = imports.importer_for(kind)
    except ValidationError:
        raise Http404("No such import.") from None
    if not request.actor.can(importer.capability):
        raise PermissionDenied(f"Your role cannot import {importer.label.lower()}.")
    return importer


def _job(request: WorkspaceRequest, job_id: int) -> tuple[ImportJob, imports.Importer]:
    job = selectors.import_job(workspace=request.workspace, job_id=job_id)
    if job is None:
        raise Http404("No such import.")
    return job, _importer(request, job.kind)


@require_GET
@member_required(Capability.RUN_IMPORTS)
def import_list(request: WorkspaceRequest) -> HttpResponse:
    jobs = selectors.import_jobs(workspace=request.workspace)
    page = newest_first(jobs, cursor=request.GET.get("cursor"))
    allowed = [i for i in imports.importers() if request.actor.can(i.capability)]
    return render(request, "productops/imports.html", {"page": page, "importers": allowed})


@require_http_methods(["GET", "POST"])
@member_required(Capability.RUN_IMPORTS)
def import_new(request: WorkspaceRequest, kind: str) -> HttpResponse:
    importer = _importer(request, kind)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = imports.import_upload(
                actor=request.actor, kind=kind, filename=upload.name, raw=upload.read()
            )
        except ValidationError as error:
            form.add_error("file", error.message_dict.get("file", error.messages))
        else:
            return redirect("import_detail", slug=request.workspace.slug, job_id=job.pk)
    return render(
        request,
        "productops/import_new.html",
        {"importer": importer, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@member_required(Capability.RUN_IMPORTS)
def import_detail(request: WorkspaceRequest, job_id: int) -> HttpResponse:
    job, importer = _job(request, job_id)
    if job.status != ImportJob.Status.DRAFT:
        template = (
            "productops/import_detail.html#progress"
            if request.htmx
            else "productops/import_detail.html"
        )
        return render(
            request,
            template,
            {
                "job": job,
                "importer": importer,
                "errors": selectors.report_rows(job=job, limit=50),
                "background_left": importer.background_left(job=job),
            },
        )
    mapping = job.mapping
    mapping_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        mapping = {f.name: request.POST.get(f"map_{f.name}", "") for f in importer.fields}
        choices = {f.name: request.POST.get(f"choose_{f.name}", "") for f in importer.fields}
        try:
            if request.POST.get("action") == "start":
                imports.import_start(actor=request.actor, job=job, mapping=mapping, choices=choices)
                return redirect("import_detail", slug=request.workspace.slug, job_id=job.pk)
            imports.import_choose(actor=request.actor, job=job, mapping=mapping, choices=choices)
            # The draft keeps them: its page (a GET) shows the preview, and a reload asks again.
            return redirect("import_detail", slug=request.workspace.slug, job_id=job.pk)
        except ValidationError as error:
            mapping_errors = getattr(error, "message_dict", {"__all__": error.messages})
    return render(
        request,
        "productops/import_map.html",
        {
            "job": job,
            "importer": importer,
            "mapping": mapping,
            "mapping_errors": mapping_errors,
            "preview": imports.import_preview(
                job=job, mapping={k: v for k, v in mapping.items() if v}
            ),
            "earlier": imports.earlier_import_of_same_file(job),
        },
        status=400 if mapping_errors else 200,
    )


@require_GET
@member_required(Capability.RUN_IMPORTS)
def import_report(request: WorkspaceRequest, job_id: int) -> HttpResponse:
    job, _ = _job(request, job_id)
    rows = exports.report_rows(job, selectors.report_rows(job=job).iterator())
    return csv_download(f"import-{job.pk}-report.csv", exports.report_columns(job), rows)
