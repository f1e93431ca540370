"""Being built."""

urlpatterns: list = []
public_urlpatterns: list = []


def register() -> None:
    """Adds this area's navigation items."""
