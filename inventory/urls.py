from django.urls import path

from inventory import views

urlpatterns = [
    path("", views.tool_list, name="tool_list"),
    path("export.csv", views.tool_export, name="tool_export"),
    path("new/", views.tool_create, name="tool_create"),
    path("<int:tool_id>/", views.tool_detail, name="tool_detail"),
    path("<int:tool_id>/edit/", views.tool_edit, name="tool_edit"),
    path("<int:tool_id>/usage/", views.usage_record, name="usage_record"),
    path("<int:tool_id>/contracts/new/", views.contract_create, name="contract_create"),
    path("contracts/<int:contract_id>/edit/", views.contract_edit, name="contract_edit"),
    path("contracts/<int:contract_id>/decide/", views.renewal_decide, name="renewal_decide"),
    path("renewals/", views.renewals, name="renewals"),
    path("spend/", views.spend, name="spend"),
    path("overlap/", views.overlap, name="overlap"),
    path("waste/", views.waste, name="waste"),
    path("requests/", views.tool_request_list, name="tool_request_list"),
    path(
        "requests/<int:request_id>/decide/",
        views.tool_request_decide,
        name="tool_request_decide",
    ),
    path("settings/", views.inventory_settings, name="inventory_settings"),
    path(
        "notifications/<int:notification_id>/dismiss/",
        views.notification_dismiss,
        name="notification_dismiss",
    ),
]
