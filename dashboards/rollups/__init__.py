"""Every rollup table's recount (one module per family) and the order they are stored in."""

from dashboards.rollups.feedback import FEEDBACK_DAILY, FEEDBACK_SLICE_DAILY, FEEDBACK_SLICE_MONTHLY
from dashboards.rollups.ideas import IDEA_TOTAL, IDEA_WEEKLY
from dashboards.rollups.planning import PLANNING_QUARTERLY
from dashboards.rollups.tools import TOOL_NOW, TOOL_SEATS_MONTHLY, TOOL_SPEND_MONTHLY
from dashboards.rollups.triage import TRIAGE_DAILY, TRIAGE_FLOW_DAILY

# In dependency order: the slices read the daily cube stored just before them.
ROLLUPS = (
    FEEDBACK_DAILY,
    FEEDBACK_SLICE_DAILY,
    FEEDBACK_SLICE_MONTHLY,
    TRIAGE_DAILY,
    TRIAGE_FLOW_DAILY,
    IDEA_WEEKLY,
    IDEA_TOTAL,
    TOOL_SPEND_MONTHLY,
    TOOL_SEATS_MONTHLY,
    TOOL_NOW,
    PLANNING_QUARTERLY,
)
