from django.urls import path

from dashboards import (
    converters,  # noqa: F401 (registers the <tile:...> converter)
    views,
)

urlpatterns = [
    path("", views.overview, name="dashboards_overview"),
    path("tiles/<tile:name>/", views.tile, name="dashboards_tile"),
    path("tiles/<tile:name>.csv", views.tile_csv, name="dashboards_tile_csv"),
    path("status/", views.refresh_status, name="dashboards_status"),
    path("refresh/", views.refresh, name="dashboards_refresh"),
    path("digest/", views.digest, name="dashboards_digest"),
    path("home/", views.role_home, name="dashboards_home"),
]
