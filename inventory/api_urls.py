from django.urls import path

from inventory.api import contracts, requests, tools

urlpatterns = [
    path("tools/", tools.ToolList.as_view(), name="api_tool_list"),
    path("tools/<int:tool_id>/", tools.ToolDetail.as_view(), name="api_tool_detail"),
    path("tools/<int:tool_id>/usage/", tools.ToolUsage.as_view(), name="api_tool_usage"),
    path("contracts/", contracts.ContractList.as_view(), name="api_contract_list"),
    path(
        "contracts/<int:contract_id>/",
        contracts.ContractDetail.as_view(),
        name="api_contract_detail",
    ),
    path(
        "contracts/<int:contract_id>/decisions/",
        contracts.ContractDecisions.as_view(),
        name="api_contract_decisions",
    ),
    path("renewals/", contracts.RenewalList.as_view(), name="api_renewal_list"),
    path("tool-requests/", requests.ToolRequestList.as_view(), name="api_tool_request_list"),
    path(
        "tool-requests/<int:request_id>/",
        requests.ToolRequestDetail.as_view(),
        name="api_tool_request_detail",
    ),
]
