"""The platform's pages: sign-in, workspaces, members, invitations, tokens, audit, health."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from productops import health, images, palette, ratelimit, selectors, services, site
from productops.access import SignedInRequest, WorkspaceRequest, member_required
from productops.api_errors import error_response
from productops.capabilities import Capability
from productops.filters import AuditEventFilter
from productops.form_submit import form_status, show_once, shown_once, submit_form
from productops.forms import (
    InvitationForm,
    LogoForm,
    QueuedPasswordResetForm,
    RegisterForm,
    RoleForm,
    SignInForm,
    TokenForm,
    WorkspaceCreateForm,
    WorkspaceSettingsForm,
    add_service_errors,
)
from productops.models import Membership, Role
from productops.paging import newest_first
from productops.validation import FILTER_TEXT


class SignInView(auth_views.LoginView):
    """Sign-in with a limit on failures per email address, and a looser one per client."""

    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    CLIENT_ALLOWANCE = 4  # a client may fail for a few addresses (typos) before it waits

    def _limits(self) -> list[tuple[str, int]]:
        email = self.request.POST.get("username", "").strip().lower()
        client = ratelimit.client_address(self.request)
        allowed = settings.SIGN_IN_FAILURES_ALLOWED
        return [
            (f"signin:email:{email}", allowed),
            (f"signin:client:{client}", allowed * self.CLIENT_ALLOWANCE),
        ]

    def post(self, request, *args, **kwargs):
        window = settings.SIGN_IN_FAILURE_WINDOW_SECONDS
        if any(ratelimit.failures(key, window) >= allowed for key, allowed in self._limits()):
            wait = ratelimit.retry_after(window)
            response = render(
                request,
                "accounts/login.html",
                {"form": self.get_form(), "locked_minutes": max(1, wait // 60)},
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        for key, _ in self._limits():
            ratelimit.record_failure(key, settings.SIGN_IN_FAILURE_WINDOW_SECONDS)
        return super().form_invalid(form)


class QueuedPasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"

    @property
    def extra_email_context(self) -> dict[str, str]:  # type: ignore[override]
        return {"site_url": site.site_url()}  # the address this request reached


@require_GET
@login_required
def home(request: SignedInRequest) -> HttpResponse:
    last = request.session.get("workspace")
    memberships = list(selectors.workspaces_of(user=request.user))
    slugs = [m.workspace.slug for m in memberships]
    if last in slugs:
        return redirect("workspace_home", slug=last)
    if slugs:
        return redirect("workspace_home", slug=slugs[0])
    return redirect("workspace_list")


@require_http_methods(["GET", "POST"])
@login_required
def workspace_list(request: SignedInRequest) -> HttpResponse:
    form = WorkspaceCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            lambda: services.workspace_create(user=request.user, **form.cleaned_data),
            success=lambda workspace: f"Workspace {workspace.name} is ready. Invite your team.",
            then=lambda workspace: redirect("member_list", slug=workspace.slug),
        )
        if done:
            return done
    memberships = selectors.workspaces_of(user=request.user)
    return render(
        request,
        "productops/workspace_list.html",
        {"memberships": memberships, "form": form},
        status=form_status(form),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_by_token(raw_token=token)
    if invitation is None or not invitation.is_open:
        return render(request, "productops/invitation_invalid.html", status=404)
    has_account = selectors.user_exists(email=invitation.email)
    form = RegisterForm(request.POST or None)
    error = None
    if request.method == "POST":
        user = request.user if request.user.is_authenticated else None
        if user is None and not has_account and form.is_valid():
            user = services.user_register(email=invitation.email, **form.cleaned_data)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        if user is not None:
            try:
                membership = services.invitation_accept(raw_token=token, user=user)
            except ValidationError as failure:
                error = " ".join(failure.messages)
            else:
                messages.success(request, f"Welcome to {membership.workspace.name}.")
                return redirect("workspace_home", slug=membership.workspace.slug)
    return render(
        request,
        "productops/invitation_accept.html",
        {
            "invitation": invitation,
            "form": form,
            "has_account": has_account,
            "error": error,
            "login_url": f"{reverse('login')}?next={request.path}",
        },
        status=400 if (form.errors or error) else 200,
    )


@require_GET
@member_required(Capability.VIEW_WORKSPACE)
def workspace_home(request: WorkspaceRequest) -> HttpResponse:
    request.session["workspace"] = request.workspace.slug
    workspace = request.workspace
    context = {
        "member_count": selectors.members(workspace=workspace).count(),
        "recent_events": (
            selectors.audit_events(workspace=workspace).select_related("actor_user")[:8]
            if request.actor.can(Capability.VIEW_AUDIT)
            else []
        ),
    }
    return render(request, "productops/workspace_home.html", context)


@require_http_methods(["GET", "POST"])
@member_required(Capability.MANAGE_WORKSPACE)
def workspace_settings(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    if request.method != "POST":
        return _settings_page(request, _blank_settings_form(workspace), LogoForm())
    form = WorkspaceSettingsForm(request.POST)
    if form.is_valid():
        services.workspace_update(actor=request.actor, **form.cleaned_data)
        messages.success(request, "Workspace settings saved.")
        return redirect("workspace_settings", slug=workspace.slug)
    return _settings_page(request, form, LogoForm())


def _settings_page(
    request: WorkspaceRequest, form: WorkspaceSettingsForm, logo_form: LogoForm
) -> HttpResponse:
    status = 400 if form.errors or logo_form.errors else 200
    context = {"form": form, "logo_form": logo_form}
    return render(request, "productops/workspace_settings.html", context, status=status)


def _blank_settings_form(workspace) -> WorkspaceSettingsForm:
    return WorkspaceSettingsForm(
        initial={
            "name": workspace.name,
            "currency": workspace.currency,
            "time_zone": workspace.time_zone,
            "date_order": workspace.date_order,
        }
    )


@require_POST
@member_required(Capability.MANAGE_WORKSPACE)
def workspace_logo_upload(request: WorkspaceRequest) -> HttpResponse:
    """Sets the logo; a bad file answers the settings page with its error (400), the logo
    that was there kept."""
    logo_form = LogoForm(request.POST, request.FILES)
    if logo_form.is_valid():
        image = logo_form.cleaned_data["logo"].read()
        try:
            services.workspace_logo_set(actor=request.actor, image=image)
        except ValidationError as error:
            add_service_errors(logo_form, error)
        else:
            messages.success(request, "Logo saved: it shows in the top bar and on public pages.")
            return redirect("workspace_settings", slug=request.workspace.slug)
    return _settings_page(request, _blank_settings_form(request.workspace), logo_form)


@require_POST
@member_required(Capability.MANAGE_WORKSPACE)
def workspace_logo_remove(request: WorkspaceRequest) -> HttpResponse:
    services.workspace_logo_remove(actor=request.actor)
    messages.success(request, "Logo removed: pages show the workspace's name instead.")
    return redirect("workspace_settings", slug=request.workspace.slug)


@require_GET
@member_required(Capability.VIEW_WORKSPACE)
def workspace_logo(request: WorkspaceRequest) -> HttpResponse:
    logo = selectors.workspace_logo(workspace=request.workspace)
    return images.logo_response(request, request.workspace, logo, public=False)


def _members_page(request: WorkspaceRequest, invite_form: InvitationForm, status: int = 200):
    workspace = request.workspace
    can_manage = request.actor.can(Capability.MANAGE_MEMBERS)
    return render(
        request,
        "productops/members.html",
        {
            "members": selectors.members(workspace=workspace),
            "invitations": selectors.open_invitations(workspace=workspace) if can_manage else [],
            "invite_form": invite_form,
            "roles": Role.choices,
            "can_manage": can_manage,
        },
        status=status,
    )


@require_GET
@member_required(Capability.VIEW_MEMBERS)
def member_list(request: WorkspaceRequest) -> HttpResponse:
    return _members_page(request, InvitationForm())


@require_POST
@member_required(Capability.MANAGE_MEMBERS)
def member_invite(request: WorkspaceRequest) -> HttpResponse:
    form = InvitationForm(request.POST)
    if form.is_valid():
        done = submit_form(
            request,
            form,
            lambda: services.invitation_create(actor=request.actor, **form.cleaned_data),
            success=lambda sent: f"Invitation sent to {sent[0].email}.",  # (invitation, token)
            then=lambda _: redirect("member_list", slug=request.workspace.slug),
        )
        if done:
            return done
    return _members_page(request, form, status=400)


def _member(request: WorkspaceRequest, membership_id: int) -> Membership:
    return selectors.member(workspace=request.workspace, membership_id=membership_id)


@require_POST
@member_required(Capability.MANAGE_MEMBERS)
def member_role(request: WorkspaceRequest, membership_id: int) -> HttpResponse:
    membership = _member(request, membership_id)
    form = RoleForm(request.POST)
    error = None
    if form.is_valid():
        try:
            membership = services.membership_change_role(
                actor=request.actor, membership=membership, role=form.cleaned_data["role"]
            )
        except ValidationError as failure:
            error = " ".join(failure.messages)
    else:
        error = "Choose a role."
    if request.htmx:
        return render(
            request,
            "productops/members.html#member_row",
            {
                "m": membership,
                "roles": Role.choices,
                "can_manage": True,
                "row_error": error,
            },
            status=400 if error else 200,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"{membership.user} is now {membership.get_role_display()}.")
    return redirect("member_list", slug=request.workspace.slug)


@require_POST
@member_required(Capability.MANAGE_MEMBERS)
def member_remove(request: WorkspaceRequest, membership_id: int) -> HttpResponse:
    membership = _member(request, membership_id)
    try:
        services.membership_remove(actor=request.actor, membership=membership)
    except ValidationError as failure:
        messages.error(request, " ".join(failure.messages))
    else:
        messages.success(request, f"{membership.user} was removed from the workspace.")
    return redirect("member_list", slug=request.workspace.slug)


@require_POST
@member_required(Capability.MANAGE_MEMBERS)
def invitation_revoke(request: WorkspaceRequest, invitation_id: int) -> HttpResponse:
    invitation = selectors.invitation(workspace=request.workspace, invitation_id=invitation_id)
    services.invitation_revoke(actor=request.actor, invitation=invitation)
    messages.success(request, f"Invitation to {invitation.email} revoked.")
    return redirect("member_list", slug=request.workspace.slug)


@never_cache
@require_http_methods(["GET", "POST"])
@member_required(Capability.MANAGE_TOKENS)
def token_list(request: WorkspaceRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            lambda: services.token_create(actor=request.actor, **form.cleaned_data),
            success=lambda made: f"Token {made[0].name} created.",  # (token, secret)
            then=lambda made: show_once(request, request.path, new_token=made[1]),
        )
        if done:
            return done
    return render(
        request,
        "productops/tokens.html",
        {
            "tokens": selectors.api_tokens(workspace=request.workspace),
            "form": form,
            "new_secret": None if form.is_bound else shown_once(request, "new_token"),
        },
        status=form_status(form),
    )


@require_POST
@member_required(Capability.MANAGE_TOKENS)
def token_revoke(request: WorkspaceRequest, token_id: int) -> HttpResponse:
    token = selectors.api_token(workspace=request.workspace, token_id=token_id)
    services.token_revoke(actor=request.actor, token=token)
    messages.success(request, f"Token {token.name} revoked; requests using it now get 401.")
    return redirect("token_list", slug=request.workspace.slug)


@require_GET
@member_required(Capability.VIEW_AUDIT)
def audit_log(request: WorkspaceRequest) -> HttpResponse:
    events = selectors.audit_events(workspace=request.workspace).select_related("actor_user")
    filters = AuditEventFilter(request.GET, queryset=events)
    # A filter refused (over-long, a bad date) is the form's error and a 400, with no rows: the
    # events unfiltered by it would read as its answer.
    valid = filters.is_valid()
    page = newest_first(filters.qs if valid else events.none(), cursor=request.GET.get("cursor"))
    template = "productops/audit.html#rows" if request.htmx else "productops/audit.html"
    return render(
        request,
        template,
        {
            "filters": filters,
            "page": page,
            "verbs": selectors.audit_verbs(workspace=request.workspace),
            "query": request.GET.copy(),
        },
        status=200 if valid else 400,
    )


@require_GET
@member_required(Capability.VIEW_WORKSPACE)
@vary_on_headers("HX-Request")
def palette_search(request: WorkspaceRequest) -> HttpResponse:
    """The command palette's results for `q` (a fragment under htmx; a page without script)."""
    text = FILTER_TEXT.query(request.GET, "q", default="")  # longer: a 400 naming q
    hits = palette.search(actor=request.actor, text=text)
    template = "productops/palette.html#results" if request.htmx else "productops/palette.html"
    return render(request, template, {"hits": hits, "text": text.strip()})


@require_GET
def livez(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches nothing, so a load balancer may call it often."""
    return JsonResponse({"ok": True})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report = health.check()
    return JsonResponse(report, status=200 if report["ok"] else 503)


def _api_error(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse | None:
    """Under /api/ every answer is JSON in the one error shape, even one no API view made (a
    path no route matches, a request Django refused before any view)."""
    if not request.path.startswith("/api/"):
        return None
    return error_response(status, code, message)


def error_400(request: HttpRequest, exception=None) -> HttpResponse:
    message = "The request could not be read."
    return _api_error(request, 400, "invalid", message) or render(
        request, "400.html", {"status": 400, "message": message}, status=400
    )


def error_403(request: HttpRequest, exception=None) -> HttpResponse:
    return _api_error(request, 403, "permission_denied", str(exception or "Not allowed.")) or (
        render(request, "403.html", {"reason": str(exception or "")}, status=403)
    )


def error_404(request: HttpRequest, exception=None) -> HttpResponse:
    return _api_error(request, 404, "not_found", "Not found.") or render(
        request, "404.html", status=404
    )


def error_500(request: HttpRequest) -> HttpResponse:
    return _api_error(request, 500, "server_error", "Something went wrong.") or render(
        request, "500.html", status=500
    )
