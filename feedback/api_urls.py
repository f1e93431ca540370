"""API resources under /api/v1/w/<slug>/ (each area lists its own)."""

from feedback.api import ideas, intake, triage

urlpatterns = [*intake.urlpatterns, *triage.urlpatterns, *ideas.urlpatterns]
