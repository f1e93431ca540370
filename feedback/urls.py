"""Pages: /w/<slug>/feedback/... and /w/<slug>/ideas/..."""

from django.urls import path

from feedback.views import ideas, intake, saved_views, triage, triage_bulk, triage_links

urlpatterns = [
    # intake
    path("feedback/new/", intake.feedback_new, name="feedback_new"),
    path("feedback/import/", intake.feedback_import, name="feedback_import"),
    path("feedback/sources/", intake.source_list, name="source_list"),
    path("feedback/sources/web-form/", intake.source_web_form, name="source_web_form"),
    path("feedback/sources/<int:source_id>/", intake.source_detail, name="source_detail"),
    path(
        "feedback/sources/<int:source_id>/rotate-secret/",
        intake.source_rotate_secret,
        name="source_rotate_secret",
    ),
    path("feedback/accounts/", intake.account_list, name="account_list"),
    path("feedback/accounts/<int:account_id>/", intake.account_detail, name="account_detail"),
    # triage
    path("feedback/", triage.inbox, name="feedback_inbox"),
    path("feedback/export.csv", triage.export, name="feedback_export"),
    path("feedback/bulk/", triage_bulk.bulk, name="feedback_bulk"),
    path("feedback/bulk/undo/", triage_bulk.bulk_undo, name="feedback_bulk_undo"),
    path("feedback/views/", saved_views.view_create, name="feedback_view_create"),
    path(
        "feedback/views/<int:saved_view_id>/rename/",
        saved_views.view_rename,
        name="feedback_view_rename",
    ),
    path(
        "feedback/views/<int:saved_view_id>/delete/",
        saved_views.view_delete,
        name="feedback_view_delete",
    ),
    path("feedback/<int:item_id>/", triage.item_page, name="feedback_item"),
    path("feedback/<int:item_id>/update/", triage.item_update, name="feedback_item_update"),
    path("feedback/<int:item_id>/merge/", triage_links.item_merge, name="feedback_item_merge"),
    path("feedback/<int:item_id>/link/", triage_links.item_link, name="feedback_item_link"),
    path(
        "feedback/<int:item_id>/duplicates/",
        triage_links.duplicate_picker,
        name="feedback_duplicates",
    ),
    path("feedback/<int:item_id>/ideas/", triage_links.idea_picker, name="feedback_idea_picker"),
    path(
        "feedback/links/<int:item_link_id>/unlink/",
        triage_links.link_remove,
        name="feedback_link_remove",
    ),
    path(
        "feedback/merges/<int:merge_id>/undo/", triage_links.merge_undo, name="feedback_merge_undo"
    ),
    # ideas
    path("ideas/", ideas.idea_list, name="idea_list"),
    path("ideas/new/", ideas.idea_create, name="idea_create"),
    path("ideas/board/", ideas.idea_board, name="idea_board"),
    path("ideas/export.csv", ideas.idea_export, name="idea_export"),
    path("ideas/settings/", ideas.idea_settings, name="idea_settings"),
    path("ideas/settings/statuses/", ideas.idea_status_create, name="idea_status_create"),
    path(
        "ideas/settings/statuses/<int:idea_status_id>/",
        ideas.idea_status_edit,
        name="idea_status_edit",
    ),
    path("ideas/<int:idea_id>/", ideas.idea_detail, name="idea_detail"),
    path("ideas/<int:idea_id>/edit/", ideas.idea_edit, name="idea_edit"),
    path("ideas/<int:idea_id>/move/", ideas.idea_move, name="idea_move"),
    path("ideas/<int:idea_id>/merge/", ideas.idea_merge, name="idea_merge"),
    path("ideas/<int:idea_id>/close/", ideas.idea_close, name="idea_close"),
    path(
        "ideas/<int:idea_id>/links/<int:idea_link_id>/", ideas.idea_link_edit, name="idea_link_edit"
    ),
    path(
        "ideas/<int:idea_id>/links/<int:idea_link_id>/remove/",
        ideas.idea_unlink,
        name="idea_unlink",
    ),
]
