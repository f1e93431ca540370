"""Pages anyone may open, without signing in: /public/<slug>/... (the feedback form, roadmap)."""

from django.urls import path

from feedback.views import ideas, intake

urlpatterns = [
    # intake
    path("feedback/", intake.public_feedback_form, name="public_feedback_form"),
    path("logo/", intake.public_logo, name="public_logo"),
    # ideas
    path("roadmap/", ideas.roadmap, name="ideas_roadmap"),
]
