"""Pages: /w/<slug>/planning/... Live sessions list their own; settings and capacity here."""

from django.urls import path

from planning.views import capacity, retro, scoring, sessions

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
    path(
        "settings/retro-templates/",
        scoring.retro_template_create,
        name="planning_retro_template_create",
    ),
    path("actions/", retro.action_items, name="planning_action_items"),
    path("actions/<int:action_id>/", retro.action_item_update, name="planning_action_item_update"),
    path("<int:session_id>/retro/prompts/", retro.retro_prompts, name="planning_retro_prompts"),
    path("<int:session_id>/retro/reflect/", retro.retro_reflect, name="planning_retro_reflect"),
    path(
        "<int:session_id>/retro/reflections/<int:reflection_id>/",
        retro.retro_reflection,
        name="planning_retro_reflection",
    ),
    path(
        "<int:session_id>/retro/reflections/<int:reflection_id>/move/",
        retro.retro_move,
        name="planning_retro_move",
    ),
    path(
        "<int:session_id>/retro/groups/<int:group_id>/",
        retro.retro_group,
        name="planning_retro_group",
    ),
    path(
        "<int:session_id>/retro/groups/<int:group_id>/vote/",
        retro.retro_vote,
        name="planning_retro_vote",
    ),
    path("<int:session_id>/retro/notes/", retro.retro_note, name="planning_retro_note"),
    path(
        "<int:session_id>/retro/actions/", retro.retro_action_add, name="planning_retro_action_add"
    ),
    path(
        "<int:session_id>/retro/actions/<int:action_id>/review/",
        retro.retro_action_review,
        name="planning_retro_action_review",
    ),
]
