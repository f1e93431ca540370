from django.urls import path

from dashboards import (
    api,
    converters,  # noqa: F401 (registers the <tile:...> converter)
)

urlpatterns = [
    path("metrics/", api.MetricIndex.as_view(), name="api_metric_index"),
    path("metrics/<tile:tile>/", api.MetricDetail.as_view(), name="api_metric_detail"),
]
