from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.http import require_POST

from productops import api, import_views, views

account_patterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", require_POST(auth_views.LogoutView.as_view()), name="logout"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(template_name="accounts/password_change.html"),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("password/reset/", views.QueuedPasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]

workspace_patterns = [
    path("", views.workspace_home, name="workspace_home"),
    path("settings/", views.workspace_settings, name="workspace_settings"),
    path("settings/logo/", views.workspace_logo_upload, name="workspace_logo_upload"),
    path("settings/logo/remove/", views.workspace_logo_remove, name="workspace_logo_remove"),
    path("logo/", views.workspace_logo, name="workspace_logo"),
    path("members/", views.member_list, name="member_list"),
    path("members/invite/", views.member_invite, name="member_invite"),
    path("members/<int:membership_id>/role/", views.member_role, name="member_role"),
    path("members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("audit/", views.audit_log, name="audit_log"),
    path("palette/", views.palette_search, name="palette"),
    path("imports/", import_views.import_list, name="import_list"),
    path("imports/new/<slug:kind>/", import_views.import_new, name="import_new"),
    path("imports/<int:job_id>/", import_views.import_detail, name="import_detail"),
    path("imports/<int:job_id>/report.csv", import_views.import_report, name="import_report"),
    # The apps under a prefix of their own first: an include at "" is searched through every
    # one of its patterns on each request that reaches it (Django keeps each miss for the 404
    # page), which cost every planning poll more than its lease's cache read. feedback's pages
    # all start with feedback/ or ideas/, so the order changes no match.
    path("tools/", include("inventory.urls")),
    path("planning/", include("planning.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("", include("feedback.urls")),
]

api_patterns = [
    path("", include("productops.api_urls")),
    path("", include("feedback.api_urls")),
    path("", include("inventory.api_urls")),
    path("", include("planning.api_urls")),
    path("", include("dashboards.api_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include(account_patterns)),
    path("workspaces/", views.workspace_list, name="workspace_list"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("w/<slug:slug>/", include(workspace_patterns)),
    path("public/<slug:slug>/", include("feedback.public_urls")),
    path("api/v1/w/<slug:slug>/", include(api_patterns)),
    path("api/schema/", api.SchemaView.as_view(), name="api_schema"),
    path("api/docs/", api.DocsView.as_view(url_name="api_schema"), name="api_docs"),
    path("healthz", views.healthz, name="healthz"),
    path("livez", views.livez, name="livez"),
]

handler400 = "productops.views.error_400"
handler403 = "productops.views.error_403"
handler404 = "productops.views.error_404"
handler500 = "productops.views.error_500"
