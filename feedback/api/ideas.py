"""(ideas) — being built."""

urlpatterns: list = []
