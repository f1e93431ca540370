"""(triage) — being built."""

urlpatterns: list = []
