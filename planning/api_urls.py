"""API resources under /api/v1/w/<slug>/planning/...: sessions, capacity, action items."""

from django.urls import path

from planning.api import capacity, retro, sessions

urlpatterns = [
    path("planning/sessions/", sessions.SessionList.as_view(), name="api_planning_session_list"),
    path(
        "planning/sessions/<int:session_id>/",
        sessions.SessionDetail.as_view(),
        name="api_planning_session_detail",
    ),
    path(
        "planning/sessions/<int:session_id>/join/",
        sessions.SessionJoin.as_view(),
        name="api_planning_join",
    ),
    path(
        "planning/sessions/<int:session_id>/agenda/",
        sessions.AgendaList.as_view(),
        name="api_planning_agenda",
    ),
    path(
        "planning/sessions/<int:session_id>/votes/",
        sessions.OwnVotes.as_view(),
        name="api_planning_votes",
    ),
    path(
        "planning/sessions/<int:session_id>/reveal/",
        sessions.Reveal.as_view(),
        name="api_planning_reveal",
    ),
    path(
        "planning/sessions/<int:session_id>/decisions/",
        sessions.DecisionList.as_view(),
        name="api_planning_decisions",
    ),
    path(
        "planning/decisions/",
        sessions.WorkspaceDecisionList.as_view(),
        name="api_planning_decision_list",
    ),
    path("planning/capacity/", capacity.CapacityList.as_view(), name="api_planning_capacity_list"),
    path(
        "planning/capacity/<int:plan_id>/",
        capacity.CapacityDetail.as_view(),
        name="api_planning_capacity_detail",
    ),
    path(
        "planning/capacity/<int:plan_id>/members/",
        capacity.CapacityMembers.as_view(),
        name="api_planning_capacity_members",
    ),
    path(
        "planning/action-items/", retro.ActionItemList.as_view(), name="api_planning_action_items"
    ),
    path(
        "planning/action-items/<int:action_id>/",
        retro.ActionItemDetail.as_view(),
        name="api_planning_action_item_detail",
    ),
]
