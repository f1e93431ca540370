from django.urls import path

from inventory import api

urlpatterns = [
    path("tools/", api.ToolList.as_view(), name="api_tool_list"),
    path("tools/<int:tool_id>/", api.ToolDetail.as_view(), name="api_tool_detail"),
    path("tools/<int:tool_id>/usage/", api.ToolUsage.as_view(), name="api_tool_usage"),
    path("contracts/", api.ContractList.as_view(), name="api_contract_list"),
    path("contracts/<int:contract_id>/", api.ContractDetail.as_view(), name="api_contract_detail"),
    path(
        "contracts/<int:contract_id>/decisions/",
        api.ContractDecisions.as_view(),
        name="api_contract_decisions",
    ),
    path("renewals/", api.RenewalList.as_view(), name="api_renewal_list"),
    path("tool-requests/", api.ToolRequestList.as_view(), name="api_tool_request_list"),
    path(
        "tool-requests/<int:request_id>/",
        api.ToolRequestDetail.as_view(),
        name="api_tool_request_detail",
    ),
]
