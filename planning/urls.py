"""Pages: /w/<slug>/planning/... Live sessions list their own; settings and capacity here."""

from django.urls import path

from planning.views import capacity, scoring, sessions

urlpatterns = [
    *sessions.urlpatterns,
    path("settings/", scoring.planning_settings, name="planning_settings"),
    path("settings/formulas/new/", scoring.formula_create, name="planning_formula_create"),
    path(
        "settings/formulas/<int:formula_id>/",
        scoring.formula_edit,
        name="planning_formula_edit",
    ),
    path("capacity/", capacity.capacity_list, name="planning_capacity"),
    path(
        "capacity/<int:plan_id>/",
        capacity.capacity_detail,
        name="planning_capacity_detail",
    ),
    path(
        "capacity/<int:plan_id>/edit/",
        capacity.capacity_edit,
        name="planning_capacity_edit",
    ),
    path(
        "capacity/<int:plan_id>/delete/",
        capacity.capacity_delete,
        name="planning_capacity_delete",
    ),
    path(
        "capacity/<int:plan_id>/members/",
        capacity.capacity_member_set,
        name="planning_capacity_member_set",
    ),
    path(
        "capacity/<int:plan_id>/members/<int:member_id>/remove/",
        capacity.capacity_member_remove,
        name="planning_capacity_member_remove",
    ),
]
