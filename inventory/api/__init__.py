"""The inventory's API: thin views over the same selectors and services as the pages (tools and
usage, contracts and renewals, tool requests; URL list in inventory/api_urls.py)."""
