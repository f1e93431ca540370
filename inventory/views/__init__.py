"""The inventory's pages: thin views over selectors and services."""
