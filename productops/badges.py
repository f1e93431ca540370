"""The one set of status colours: every status the product shows as a badge, and its tone.

A page writes `{% badge "tool" tool.status tool.get_status_display %}` (the builtin tag in
`productops/templatetags/badges.py`); the tag renders `<span class="badge tone-<tone>">`, and
the tones are one class family in `static/css/app.css` ("Status tones"), each with text at
least 4.5:1 against its background. No template names a colour class of its own:
`tests/productops/test_badges.py` scans the templates and stylesheets for that, checks every
model choice below has a tone, and measures each tone's contrast.

The table is plain strings so the platform needs no domain import; the test holds each kind's
values equal to the model choices it names.
"""

# What each tone means, so a new status picks by meaning rather than by colour.
TONES = {
    "neutral": "a plain fact with no judgement (open, draft, a segment)",
    "info": "in motion or under way (new, evaluating, queued, in progress)",
    "positive": "done or healthy (triaged, active, approved, shipped, commit)",
    "warning": "needs attention soon (retiring, pending, defer, a deadline this month)",
    "negative": "refused, failed or lost (spam, cancel, rejected, failed)",
    "alert": "act now (a notice deadline this week or passed)",
    "accent": "chosen or planned (planned, a keeper, renegotiate's target)",
    "muted": "over and kept for the record (archived, retired, ended, declined)",
}

STATUS_TONES: dict[str, dict[str, str]] = {
    # feedback.models.Status
    "feedback": {"new": "info", "triaged": "positive", "archived": "muted", "spam": "negative"},
    # feedback.models.StatusCategory (a workspace names its statuses; the category colours them)
    "idea": {
        "open": "neutral",
        "planned": "accent",
        "in_progress": "info",
        "shipped": "positive",
        "declined": "muted",
    },
    # feedback.models.Importance
    "importance": {"1": "neutral", "2": "warning", "3": "negative"},
    # feedback.models.Channel
    "channel": {
        "api": "info",
        "web_form": "positive",
        "csv_import": "warning",
        "webhook": "accent",
        "email": "neutral",
        "slack": "neutral",
        "intercom": "neutral",
        "zendesk": "neutral",
        "manual": "neutral",
    },
    # Whether an idea may appear on the public roadmap, or the public form is open.
    "public": {"public": "info", "open": "positive"},
    # inventory.models.ToolStatus
    "tool": {"evaluating": "info", "active": "positive", "retiring": "warning", "retired": "muted"},
    # inventory.models.RenewalChoice: a contract's renewal decision
    "renewal": {"renew": "positive", "renegotiate": "accent", "cancel": "negative"},
    # A notice deadline not yet decided: inventory.templatetags' deadline_state
    "deadline": {"later": "neutral", "soon": "warning", "urgent": "alert", "passed": "alert"},
    # An overlap group's tool to consolidate into
    "overlap": {"keeper": "positive"},
    # inventory.models.RequestStatus
    "request": {"pending": "warning", "approved": "positive", "rejected": "negative"},
    # planning.models.SessionState
    "session": {"draft": "neutral", "lobby": "warning", "running": "positive", "ended": "muted"},
    # planning.models.DecisionOutcome
    "decision": {"commit": "positive", "defer": "warning", "reject": "negative"},
    # planning.models.ActionStatus
    "action": {"open": "info", "done": "positive", "dropped": "muted"},
    # A participant in the live room
    "seat": {"voted": "positive", "ready": "positive"},
    # productops.models.ImportJob.Status
    "import": {
        "draft": "neutral",
        "queued": "info",
        "running": "info",
        "done": "positive",
        "failed": "negative",
    },
    # A dashboard tile or the overview's status line (dashboards.selectors.as_of)
    "freshness": {"current": "positive", "refreshing": "warning", "failed": "negative"},
    # productops.models.Role: who someone is, told apart at a glance
    "role": {"admin": "accent", "ops_lead": "info", "pm": "positive", "exec": "warning"},
}


def tone(kind: str, value: object) -> str:
    """The tone of a status: a key of TONES.

    Raises KeyError for a kind the table does not know (a typo in a template). A value the kind
    does not list reads neutral: the page still renders, and the test over the model choices
    fails until the table names it.
    """
    return STATUS_TONES[kind].get(str(value), "neutral")
