"""feedback's page forms, one module per area: intake, triage, ideas."""
