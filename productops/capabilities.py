"""Who may do what: the one table that views, API permissions and templates all read.

Each capability names the roles that hold it and the API token scope that grants it (None: no
token can, only a signed-in member).
"""

from enum import StrEnum

from productops.models import Role, TokenScope


class Capability(StrEnum):
    VIEW_WORKSPACE = "view_workspace"
    VIEW_MEMBERS = "view_members"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_WORKSPACE = "manage_workspace"
    MANAGE_TOKENS = "manage_tokens"
    VIEW_AUDIT = "view_audit"
    RUN_IMPORTS = "run_imports"
    # The tool inventory
    VIEW_TOOLS = "view_tools"
    MANAGE_TOOLS = "manage_tools"
    REQUEST_TOOLS = "request_tools"
    DECIDE_TOOL_REQUESTS = "decide_tool_requests"
    # The feedback pipeline
    VIEW_FEEDBACK = "view_feedback"
    SUBMIT_FEEDBACK = "submit_feedback"
    TRIAGE_FEEDBACK = "triage_feedback"
    MANAGE_IDEAS = "manage_ideas"
    CLOSE_THE_LOOP = "close_the_loop"
    MANAGE_SOURCES = "manage_sources"
    KEEP_SAVED_VIEWS = "keep_saved_views"
    # Planning ceremonies
    VIEW_PLANNING = "view_planning"
    RUN_PLANNING = "run_planning"  # create sessions, facilitate, confirm announcements
    PLAN_CAPACITY = "plan_capacity"  # capacity plans and who is in them
    JOIN_PLANNING = "join_planning"  # join, mark ready, vote: an exec's one write
    ADD_AGENDA_ITEMS = "add_agenda_items"  # PMs: ideas they own; ops leads and admins: any
    TRACK_ACTION_ITEMS = "track_action_items"  # retro action items: add, assign, mark done
    # Dashboards
    VIEW_DASHBOARDS = "view_dashboards"
    REFRESH_DASHBOARDS = "refresh_dashboards"
    RECEIVE_DIGEST = "receive_digest"


EVERYONE = frozenset(Role)
ADMINS = frozenset({Role.ADMIN})
OPS = frozenset({Role.ADMIN, Role.OPS_LEAD})
MAKERS = frozenset({Role.ADMIN, Role.OPS_LEAD, Role.PM})  # everyone who changes things but execs

ROLES_FOR: dict[Capability, frozenset[Role]] = {
    Capability.VIEW_WORKSPACE: EVERYONE,
    Capability.VIEW_MEMBERS: EVERYONE,
    Capability.MANAGE_MEMBERS: ADMINS,
    Capability.MANAGE_WORKSPACE: ADMINS,
    Capability.MANAGE_TOKENS: ADMINS,
    Capability.VIEW_AUDIT: ADMINS,
    Capability.RUN_IMPORTS: MAKERS,
    Capability.VIEW_TOOLS: EVERYONE,
    Capability.MANAGE_TOOLS: OPS,
    Capability.REQUEST_TOOLS: MAKERS,
    Capability.DECIDE_TOOL_REQUESTS: OPS,
    Capability.VIEW_FEEDBACK: EVERYONE,
    Capability.SUBMIT_FEEDBACK: MAKERS,
    Capability.TRIAGE_FEEDBACK: MAKERS,
    Capability.MANAGE_IDEAS: MAKERS,
    Capability.CLOSE_THE_LOOP: MAKERS,
    Capability.MANAGE_SOURCES: OPS,
    # Execs change nothing but their own saved views (and their votes in planning sessions).
    Capability.KEEP_SAVED_VIEWS: EVERYONE,
    Capability.VIEW_PLANNING: EVERYONE,
    Capability.RUN_PLANNING: OPS,
    Capability.PLAN_CAPACITY: OPS,
    # Execs change nothing but their saved views and their own votes in sessions they join.
    Capability.JOIN_PLANNING: EVERYONE,
    Capability.ADD_AGENDA_ITEMS: MAKERS,
    Capability.TRACK_ACTION_ITEMS: MAKERS,
    Capability.VIEW_DASHBOARDS: EVERYONE,
    Capability.REFRESH_DASHBOARDS: OPS,
    Capability.RECEIVE_DIGEST: EVERYONE,  # a person's own opt-in
}

SCOPE_FOR: dict[Capability, TokenScope | None] = {
    Capability.VIEW_WORKSPACE: TokenScope.READ,
    Capability.VIEW_MEMBERS: TokenScope.READ,
    Capability.MANAGE_MEMBERS: None,
    Capability.MANAGE_WORKSPACE: None,
    Capability.MANAGE_TOKENS: None,
    Capability.VIEW_AUDIT: TokenScope.READ,
    Capability.RUN_IMPORTS: TokenScope.WRITE,
    Capability.VIEW_TOOLS: TokenScope.READ,
    Capability.MANAGE_TOOLS: TokenScope.WRITE,
    Capability.REQUEST_TOOLS: TokenScope.WRITE,
    Capability.DECIDE_TOOL_REQUESTS: TokenScope.WRITE,
    Capability.VIEW_FEEDBACK: TokenScope.READ,
    Capability.SUBMIT_FEEDBACK: TokenScope.INTAKE,
    Capability.TRIAGE_FEEDBACK: TokenScope.WRITE,
    Capability.MANAGE_IDEAS: TokenScope.WRITE,
    Capability.CLOSE_THE_LOOP: None,
    Capability.MANAGE_SOURCES: None,
    Capability.KEEP_SAVED_VIEWS: None,
    Capability.VIEW_PLANNING: TokenScope.READ,
    # A planning session is a ceremony of people: a token reads it and acts in it not at all.
    # Creating, facilitating (phases, reveal, decisions) and the agenda are a facilitator's or a
    # participant's acts, and joining, marking ready and voting a participant's: a token would
    # act as its creator (a PM's agenda right is for ideas *they* own). What is planned around
    # the ceremony, capacity plans and the action items a retro leaves, is ordinary data a
    # script may keep in step (docs/API.md, "Planning sessions").
    Capability.RUN_PLANNING: None,
    Capability.PLAN_CAPACITY: TokenScope.WRITE,
    Capability.JOIN_PLANNING: None,
    Capability.ADD_AGENDA_ITEMS: None,
    Capability.TRACK_ACTION_ITEMS: TokenScope.WRITE,
    Capability.VIEW_DASHBOARDS: TokenScope.READ,
    Capability.REFRESH_DASHBOARDS: None,
    Capability.RECEIVE_DIGEST: None,
}

# Why no token may, where "that is a person's" says too little (access.require's 403).
TOKEN_REFUSAL = {
    capability: "a planning session is a ceremony of people, which a token may read but not "
    "create, facilitate, add to or take part in"
    for capability in (
        Capability.RUN_PLANNING,
        Capability.JOIN_PLANNING,
        Capability.ADD_AGENDA_ITEMS,
    )
}


def role_has(role: str, capability: Capability) -> bool:
    return role in ROLES_FOR[capability]


def scopes_grant(scopes: list[str], capability: Capability) -> bool:
    scope = SCOPE_FOR[capability]
    return scope is not None and scope in scopes
