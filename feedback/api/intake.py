"""(intake) — being built."""

urlpatterns: list = []
