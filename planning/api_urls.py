"""API resources under /api/v1/w/<slug>/planning/... (each area lists its own)."""

from django.urls import path

from planning.api import capacity, retro, sessions

urlpatterns = [
    *sessions.urlpatterns,
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
