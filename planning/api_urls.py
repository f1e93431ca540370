from django.urls import path

from planning.api import capacity

urlpatterns = [
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
]
