"""Intake pages: sources (webhook secrets and field mappings, the public form's switch), manual
entry, the CSV upload, and the public feedback form anyone may use without signing in."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feedback.forms.intake import (
    HONEYPOT,
    FeedbackImportForm,
    ManualFeedbackForm,
    PublicFeedbackForm,
    SourceCreateForm,
    SourceEditForm,
    spam_reason,
    started_token,
)
from feedback.importers import feedback_import_upload
from feedback.models import Channel, Source
from feedback.selectors import ideas as idea_selectors
from feedback.selectors import intake as selectors
from feedback.services import intake as services
from feedback.services import sources as source_services
from feedback.webhooks import MAPPABLE_FIELDS, SIGNATURE_HEADER, TIMESTAMP_HEADER
from productops import images, imports, ratelimit
from productops import selectors as platform_selectors
from productops.access import WorkspaceRequest, member_required
from productops.capabilities import Capability
from productops.form_submit import form_status, show_once, shown_once, submit_form
from productops.forms import add_service_errors
from productops.models import Workspace
from productops.validation import FILTER_TEXT

# The public form: how much one visitor may send, and how big one piece may be.
PUBLIC_SUBMISSIONS_ALLOWED = 5
PUBLIC_WINDOW_SECONDS = 10 * 60
PUBLIC_MAX_BODY_CHARS = 5_000
PUBLIC_MAX_REQUEST_BYTES = 32 * 1024


def _webhook_url(request: HttpRequest, source: Source) -> str:
    return request.build_absolute_uri(
        reverse("api_source_webhook", args=[source.workspace.slug, source.pk])
    )


def _public_url(request: HttpRequest, workspace: Workspace) -> str:
    return request.build_absolute_uri(reverse("public_feedback_form", args=[workspace.slug]))


def _sources_page(request: WorkspaceRequest, form: SourceCreateForm, status: int = 200):
    workspace = request.workspace
    web_form = selectors.web_form_source(workspace=workspace, active_only=False)
    return render(
        request,
        "feedback/intake/sources.html",
        {
            "sources": selectors.sources(workspace=workspace, item_counts=True),
            "form": form,
            "web_form": web_form,
            "public_url": _public_url(request, workspace),
            "public_limit": PUBLIC_SUBMISSIONS_ALLOWED,
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@member_required(Capability.MANAGE_SOURCES)
def source_list(request: WorkspaceRequest) -> HttpResponse:
    tools = selectors.tools(workspace=request.workspace)
    form = SourceCreateForm(request.POST or None, tools=tools)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            lambda: source_services.source_create(actor=request.actor, **form.cleaned_data),
            success=lambda made: f"Source {made[0].name} created.",  # (source, secret or "")
            then=lambda made: _secret_once(request, *made),
        )
        if done:
            return done
    return _sources_page(request, form, status=form_status(form))


def _secret_once(request: WorkspaceRequest, source: Source, secret: str | None) -> HttpResponse:
    """To the source's page, which shows a new signing secret on its next GET only."""
    url = reverse("source_detail", args=[request.workspace.slug, source.pk])
    return show_once(request, url, **({_secret_key(source): secret} if secret else {}))


def _secret_key(source: Source) -> str:
    return f"source_secret_{source.pk}"


def _edit_form(request: WorkspaceRequest, source: Source, data=None) -> SourceEditForm:
    is_webhook = source.channel == Channel.WEBHOOK
    initial = {"name": source.name, "tool": source.tool_id, "is_active": source.is_active}
    for name, _, _ in MAPPABLE_FIELDS:
        initial[f"map_{name}"] = (source.field_mapping or {}).get(name, "")
    return SourceEditForm(
        data,
        initial=initial,
        tools=selectors.tools(workspace=request.workspace),
        mapping=is_webhook,
    )


def _source_page(
    request: WorkspaceRequest,
    source: Source,
    *,
    form: SourceEditForm | None = None,
    status: int = 200,
) -> HttpResponse:
    source = selectors.source(workspace=request.workspace, source_id=source.pk)
    new_secret = shown_once(request, _secret_key(source)) if form is None else None
    return render(
        request,
        "feedback/intake/source_detail.html",
        {
            "source": source,
            "form": form or _edit_form(request, source),
            "new_secret": new_secret,
            "webhook_url": _webhook_url(request, source),
            "public_url": _public_url(request, request.workspace),
            "timestamp_header": TIMESTAMP_HEADER,
            "signature_header": SIGNATURE_HEADER,
            "secret_hint": (source.webhook_secret[:10] + "…") if source.webhook_secret else "",
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@member_required(Capability.MANAGE_SOURCES)
def source_detail(request: WorkspaceRequest, source_id: int) -> HttpResponse:
    source = selectors.source(workspace=request.workspace, source_id=source_id)
    if request.method == "GET":
        return _source_page(request, source)
    form = _edit_form(request, source, request.POST)
    if form.is_valid():
        done = submit_form(
            request,
            form,
            lambda: source_services.source_update(
                actor=request.actor,
                source=source,
                name=form.cleaned_data["name"],
                tool=form.cleaned_data["tool"],
                is_active=form.cleaned_data["is_active"],
                field_mapping=form.mapping(),
            ),
            success="Source saved.",
            then=lambda _: redirect(
                "source_detail", slug=request.workspace.slug, source_id=source.pk
            ),
        )
        if done:
            return done
    return _source_page(request, source, form=form, status=400)


@never_cache
@require_POST
@member_required(Capability.MANAGE_SOURCES)
def source_rotate_secret(request: WorkspaceRequest, source_id: int) -> HttpResponse:
    source = selectors.source(workspace=request.workspace, source_id=source_id)
    try:
        secret = source_services.source_rotate_secret(actor=request.actor, source=source)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("source_detail", slug=request.workspace.slug, source_id=source.pk)
    return _secret_once(request, source, secret)


@require_POST
@member_required(Capability.MANAGE_SOURCES)
def source_web_form(request: WorkspaceRequest) -> HttpResponse:
    enabled = request.POST.get("enabled") == "on"
    source_services.web_form_set(actor=request.actor, enabled=enabled)
    if enabled:
        messages.success(request, "The public feedback form is open: share its link.")
    else:
        messages.success(request, "The public feedback form is closed; its link answers 404.")
    return redirect("source_list", slug=request.workspace.slug)


@require_http_methods(["GET", "POST"])
@member_required(Capability.SUBMIT_FEEDBACK)
def feedback_new(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    form = ManualFeedbackForm(
        request.POST or None,
        accounts=selectors.account_choices(workspace=workspace),
        sources=selectors.sources(workspace=workspace).filter(is_active=True),
    )
    if request.method == "POST" and form.is_valid():
        another = request.POST.get("then") == "another"
        done = submit_form(
            request,
            form,
            lambda: services.feedback_create_manual(actor=request.actor, **form.cleaned_data),
            success="Feedback saved.",
            then=lambda item: redirect(
                reverse("feedback_new", args=[workspace.slug])
                if another
                else _item_url(workspace, item.pk)
            ),
        )
        if done:
            return done
    template = "feedback/intake/feedback_new.html"
    if request.htmx:
        template += "#manual_form"
    return render(request, template, {"form": form}, status=form_status(form))


def _item_url(workspace: Workspace, item_id: int) -> str:
    try:
        return reverse("feedback_item", args=[workspace.slug, item_id])
    except NoReverseMatch:  # the item page is triage's; without it, the form again
        return reverse("feedback_new", args=[workspace.slug])


@require_http_methods(["GET", "POST"])
@member_required(Capability.RUN_IMPORTS)
def feedback_import(request: WorkspaceRequest) -> HttpResponse:
    """Step 1 of a feedback import: the file and its source; then the shared mapping page."""
    workspace = request.workspace
    sources = selectors.sources(workspace=workspace).filter(is_active=True)
    form = FeedbackImportForm(request.POST or None, request.FILES or None, sources=sources)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = feedback_import_upload(
                actor=request.actor,
                filename=upload.name,
                raw=upload.read(),
                source=form.cleaned_data["source"],
                new_source_name=form.cleaned_data["new_source_name"],
                new_source_channel=form.cleaned_data["new_source_channel"] or Channel.CSV_IMPORT,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("import_detail", slug=workspace.slug, job_id=job.pk)
    return render(
        request,
        "feedback/intake/import.html",
        {"form": form, "importer": imports.importer_for("feedback")},
        status=400 if form.errors else 200,
    )


# The public form ------------------------------------------------------------------------------


def _public_source(slug: str) -> tuple[Workspace, Source]:
    workspace = platform_selectors.workspace_or_none(slug=slug)
    source = selectors.web_form_source(workspace=workspace) if workspace else None
    if workspace is None or source is None:
        raise Http404("This workspace has no public feedback form.")
    return workspace, source


@require_GET
def public_logo(request: HttpRequest, slug: str) -> HttpResponse:
    """The workspace's logo for its public pages: 404 unless the roadmap or the form is open,
    so a slug with no public page cannot be probed here."""
    workspace = platform_selectors.workspace_or_none(slug=slug)
    if workspace is None or not (
        idea_selectors.roadmap_settings(workspace=workspace).enabled
        or selectors.web_form_source(workspace=workspace) is not None
    ):
        raise Http404("This workspace has no public pages.")
    logo = platform_selectors.workspace_logo(workspace=workspace)
    return images.logo_response(request, workspace, logo, public=True)


def _too_large(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    return render(
        request,
        "feedback/intake/public_form.html",
        {
            "workspace_name": workspace.name,
            "public_workspace": workspace,
            "refused": f"That is more than we can take in one go: keep it under "
            f"{PUBLIC_MAX_BODY_CHARS:,} characters, or send it in parts.",
        },
        status=413,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def public_feedback_form(request: HttpRequest, slug: str) -> HttpResponse:
    workspace, _ = _public_source(slug)
    roadmap_on = idea_selectors.roadmap_settings(workspace=workspace).enabled
    context = {
        "workspace_name": workspace.name,
        "public_workspace": workspace,
        "honeypot": HONEYPOT,
        "roadmap_url": reverse("ideas_roadmap", args=[slug]) if roadmap_on else "",
    }
    if request.method == "GET":
        if request.GET.get("sent"):
            return render(request, "feedback/intake/public_form.html", {**context, "sent": True})
        initial = {"started": started_token(slug)}
        me_too = None
        if request.GET.get("idea"):
            me_too = idea_selectors.roadmap_idea(workspace=workspace, idea_id=request.GET["idea"])
            if me_too is None or not roadmap_on:
                raise Http404("That idea is not on the public roadmap.")
            initial |= {
                "idea": str(me_too.pk),
                "title": f"Me too: {me_too.title}"[:200],
                "body": f"I would like this too: {me_too.title}",
            }
        form = PublicFeedbackForm(initial=initial)
        return render(
            request,
            "feedback/intake/public_form.html",
            {**context, "form": form, "me_too": me_too},
        )

    client = f"feedback-form:{workspace.pk}:{ratelimit.client_address(request)}"
    if ratelimit.failures(client, PUBLIC_WINDOW_SECONDS) >= PUBLIC_SUBMISSIONS_ALLOWED:
        wait = ratelimit.retry_after(PUBLIC_WINDOW_SECONDS)
        response = render(
            request,
            "feedback/intake/public_form.html",
            {
                **context,
                "refused": f"You have sent a lot in a short time. Please try again in "
                f"{max(1, wait // 60)} minute{'s' if wait >= 120 else ''}.",
            },
            status=429,
        )
        response["Retry-After"] = str(wait)
        return response
    ratelimit.record_failure(client, PUBLIC_WINDOW_SECONDS)  # a counter of submissions
    if int(request.META.get("CONTENT_LENGTH") or 0) > PUBLIC_MAX_REQUEST_BYTES:
        return _too_large(request, workspace)
    if len(request.POST.get("body", "")) > PUBLIC_MAX_BODY_CHARS:
        return _too_large(request, workspace)

    form = PublicFeedbackForm(request.POST)
    me_too = None
    if request.POST.get("idea"):
        me_too = idea_selectors.roadmap_idea(workspace=workspace, idea_id=request.POST["idea"])
        if me_too is None or not roadmap_on:
            # Taken off the roadmap since the page loaded: say so and keep what they wrote.
            form.add_error(
                None,
                "That idea is no longer on the public roadmap. Send again to share your "
                "feedback on its own.",
            )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.feedback_web_form_submit(
                workspace=workspace,
                body=data["body"],
                title=data["title"],
                email=data["email"],
                name=data["name"],
                spam_reason=spam_reason(slug, request.POST),
                me_too=me_too,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # Caught spam sees the same thanks: telling a bot why teaches it.
            return redirect(f"{reverse('public_feedback_form', args=[slug])}?sent=1")
    # Re-rendered with a fresh start token; request.POST itself is immutable.
    resubmitted = request.POST.copy()
    resubmitted["started"] = started_token(slug)
    resubmitted["idea"] = str(me_too.pk) if me_too else ""
    form.data = resubmitted
    return render(
        request,
        "feedback/intake/public_form.html",
        {**context, "form": form, "me_too": me_too},
        status=400,
    )


@require_GET
@member_required(Capability.VIEW_FEEDBACK)
def account_list(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    query = FILTER_TEXT.query(request.GET, "q", default="")
    segment = FILTER_TEXT.query(request.GET, "segment", default="")
    sort = request.GET.get("sort", "revenue")
    rows = selectors.account_list(workspace=workspace, query=query, segment=segment, sort=sort)
    template = (
        "feedback/intake/accounts.html#rows" if request.htmx else "feedback/intake/accounts.html"
    )
    return render(
        request,
        template,
        {
            "accounts": rows,
            "segments": selectors.account_segments(workspace=workspace),
            "query": query,
            "segment": segment,
            "sort": sort,
            "sorts": [("revenue", "Revenue"), ("feedback", "Feedback"), ("name", "Name")],
            "capped": len(rows) == selectors.ACCOUNT_PAGE,
        },
    )


@require_GET
@member_required(Capability.VIEW_FEEDBACK)
def account_detail(request: WorkspaceRequest, account_id: int) -> HttpResponse:
    account = selectors.account(workspace=request.workspace, account_id=account_id)
    return render(
        request,
        "feedback/intake/account.html",
        {
            "account": account,
            "items": selectors.account_feedback(account=account),
            "contacts": selectors.account_contacts(account=account),
            "ideas": selectors.account_ideas(account=account),
        },
    )
