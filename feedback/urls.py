"""Pages: /w/<slug>/feedback/... and /w/<slug>/ideas/... (each area lists its own)."""

from feedback.views import ideas, intake, triage

urlpatterns = [*intake.urlpatterns, *triage.urlpatterns, *ideas.urlpatterns]
