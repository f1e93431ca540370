from django.urls import path

from inventory.views import contracts, requests, settings, tools

urlpatterns = [
    path("", tools.tool_list, name="tool_list"),
    path("export.csv", tools.tool_export, name="tool_export"),
    path("new/", tools.tool_create, name="tool_create"),
    path("<int:tool_id>/", tools.tool_detail, name="tool_detail"),
    path("<int:tool_id>/edit/", tools.tool_edit, name="tool_edit"),
    path("<int:tool_id>/usage/", tools.usage_record, name="usage_record"),
    path("<int:tool_id>/contracts/new/", contracts.contract_create, name="contract_create"),
    path("contracts/<int:contract_id>/edit/", contracts.contract_edit, name="contract_edit"),
    path("contracts/<int:contract_id>/decide/", contracts.renewal_decide, name="renewal_decide"),
    path("renewals/", contracts.renewals, name="renewals"),
    path("spend/", contracts.spend, name="spend"),
    path("overlap/", contracts.overlap, name="overlap"),
    path("waste/", contracts.waste, name="waste"),
    path("requests/", requests.tool_request_list, name="tool_request_list"),
    path(
        "requests/<int:request_id>/decide/",
        requests.tool_request_decide,
        name="tool_request_decide",
    ),
    path("settings/", settings.inventory_settings, name="inventory_settings"),
    path(
        "notifications/<int:notification_id>/dismiss/",
        settings.notification_dismiss,
        name="notification_dismiss",
    ),
]
