from django.urls import path

from productops import api
from productops.imports import api as import_api

urlpatterns = [
    path("", api.WorkspaceDetail.as_view(), name="api_workspace"),
    path("members/", api.MemberList.as_view(), name="api_member_list"),
    path("members/<int:membership_id>/", api.MemberDetail.as_view(), name="api_member_detail"),
    path("invitations/", api.InvitationList.as_view(), name="api_invitation_list"),
    path(
        "invitations/<int:invitation_id>/",
        api.InvitationDetail.as_view(),
        name="api_invitation_detail",
    ),
    path("audit-events/", api.AuditEventList.as_view(), name="api_audit_event_list"),
    path("imports/", import_api.ImportList.as_view(), name="api_import_list"),
    path("imports/<int:job_id>/", import_api.ImportDetail.as_view(), name="api_import_detail"),
    path("imports/<int:job_id>/start/", import_api.ImportStart.as_view(), name="api_import_start"),
    path(
        "imports/<int:job_id>/report/",
        import_api.ImportReport.as_view(),
        name="api_import_report",
    ),
]
