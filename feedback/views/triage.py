"""Being built."""

urlpatterns: list = []


def register() -> None:
    """Adds this area's navigation items."""
