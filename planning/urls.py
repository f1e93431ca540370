"""Pages: /w/<slug>/planning/...: sessions and their room, settings, capacity, retros."""

from django.urls import path

from planning.views import capacity, retro, room, room_actions, scoring, sessions

urlpatterns = [
    path("", sessions.session_list, name="planning_list"),
    path("decisions/", sessions.decision_list, name="planning_decisions"),
    path("decisions/board/", sessions.board_decisions, name="planning_board_decisions"),
    path("new/", sessions.session_create, name="planning_create"),
    path("<int:session_id>/", room.session_room, name="planning_session"),
    path("<int:session_id>/edit/", sessions.session_edit, name="planning_edit"),
    path("<int:session_id>/poll/", room.session_poll, name="planning_poll"),
    path("<int:session_id>/control/", room_actions.session_control, name="planning_control"),
    path("<int:session_id>/join/", room_actions.session_join, name="planning_join"),
    path("<int:session_id>/ready/", room_actions.session_ready, name="planning_ready"),
    path("<int:session_id>/vote/", room_actions.session_vote, name="planning_vote"),
    path("<int:session_id>/invite/", room_actions.session_invite, name="planning_invite"),
    path("<int:session_id>/hand-over/", room_actions.session_hand_over, name="planning_hand_over"),
    path("<int:session_id>/agenda/", room_actions.agenda_add, name="planning_agenda_add"),
    path(
        "<int:session_id>/agenda/<int:item_id>/remove/",
        room_actions.agenda_remove,
        name="planning_agenda_remove",
    ),
    path(
        "<int:session_id>/agenda/<int:item_id>/move/",
        room_actions.agenda_move,
        name="planning_agenda_move",
    ),
    path(
        "<int:session_id>/items/<int:item_id>/accept/",
        room_actions.item_accept,
        name="planning_accept",
    ),
    path(
        "<int:session_id>/items/<int:item_id>/decide/",
        room_actions.item_decide,
        name="planning_decide",
    ),
    path("<int:session_id>/summary/", sessions.session_summary, name="planning_summary"),
    path("<int:session_id>/export.csv", sessions.session_export, name="planning_export"),
    path(
        "<int:session_id>/summary/email/",
        sessions.session_email_summary,
        name="planning_summary_email",
    ),
    path("<int:session_id>/summary/opt-out/", sessions.session_opt_out, name="planning_opt_out"),
    path(
        "decisions/<int:decision_id>/announce/",
        sessions.decision_announce,
        name="planning_announce",
    ),
    path("ideas/<int:idea_id>/history/", sessions.idea_history, name="planning_idea_history"),
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
