from dashboards.views import urlpatterns

__all__ = ["urlpatterns"]
