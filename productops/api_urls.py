from django.urls import path

from productops import api

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
]
