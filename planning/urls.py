"""Pages: /w/<slug>/planning/... (each area lists its own)."""

from planning.views import sessions

urlpatterns = [*sessions.urlpatterns]
