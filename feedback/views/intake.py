"""Being built."""

urlpatterns: list = []
public_urlpatterns: list = []
