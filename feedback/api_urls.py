"""API resources under /api/v1/w/<slug>/."""

from django.urls import path

from feedback.api import ideas, intake, triage, triage_labels

urlpatterns = [
    # intake
    path("sources/", intake.SourceList.as_view(), name="api_source_list"),
    path(
        "sources/<int:source_id>/webhook/",
        intake.WebhookDelivery.as_view(),
        name="api_source_webhook",
    ),
    path("accounts/", intake.AccountList.as_view(), name="api_account_list"),
    path("accounts/<int:account_id>/", intake.AccountDetail.as_view(), name="api_account_detail"),
    path("contacts/", intake.ContactList.as_view(), name="api_contact_list"),
    # triage
    path("feedback/", triage.FeedbackCollection.as_view(), name="api_feedback_list"),
    path("feedback/bulk/", triage.FeedbackBulk.as_view(), name="api_feedback_bulk"),
    path("feedback/<int:item_id>/", triage.FeedbackDetail.as_view(), name="api_feedback_detail"),
    path(
        "feedback/<int:item_id>/merge/",
        triage.FeedbackMergeView.as_view(),
        name="api_feedback_merge",
    ),
    path(
        "feedback/merges/<int:merge_id>/undo/",
        triage.FeedbackMergeUndo.as_view(),
        name="api_feedback_merge_undo",
    ),
    path("tags/", triage_labels.TagList.as_view(), name="api_tag_list"),
    path("product-areas/", triage_labels.ProductAreaList.as_view(), name="api_product_area_list"),
    path("saved-views/", triage_labels.SavedViewList.as_view(), name="api_saved_view_list"),
    path(
        "saved-views/<int:saved_view_id>/",
        triage_labels.SavedViewDetail.as_view(),
        name="api_saved_view_detail",
    ),
    # ideas
    path("ideas/", ideas.IdeaList.as_view(), name="api_idea_list"),
    path("ideas/<int:idea_id>/", ideas.IdeaDetail.as_view(), name="api_idea_detail"),
    path("ideas/<int:idea_id>/links/", ideas.IdeaLinkList.as_view(), name="api_idea_link_list"),
    path(
        "ideas/<int:idea_id>/links/<int:idea_link_id>/",
        ideas.IdeaLinkDetail.as_view(),
        name="api_idea_link_detail",
    ),
    path("ideas/<int:idea_id>/merge/", ideas.IdeaMerge.as_view(), name="api_idea_merge"),
    path("idea-statuses/", ideas.IdeaStatusList.as_view(), name="api_idea_status_list"),
]
