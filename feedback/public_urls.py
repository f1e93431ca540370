"""Pages anyone may open, without signing in: /public/<slug>/... (the feedback form, roadmap)."""

from feedback.views import ideas, intake

urlpatterns = [*intake.public_urlpatterns, *ideas.public_urlpatterns]
