"""The summary email to a session's participants (each may opt out)."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from planning.models import PlanningSession, SessionKind, SessionState
from planning.selectors import decisions as decision_selectors
from planning.selectors import retro as retro_selectors
from productops.access import Actor, require
from productops.audit import audit
from productops.capabilities import Capability
from productops.services import email_queue
from productops.site import absolute_url


@dataclass(frozen=True)
class SummaryEmail:
    subject: str
    text: str
    html: str


def summary_email_of(*, session: PlanningSession) -> SummaryEmail:
    """The one email every recipient gets, HTML and text, so it shows what anyone may see,
    nobody's own view. Each kind has a pair of templates, "<stem>.txt" and "<stem>.html",
    rendered from one context: {"session", "summary", "url"} (the summary page's absolute
    address, `productops.site`).

    A scoring session: its decisions, read through the summary selector (revealed votes only,
    so a hidden vote is in neither part). A retrospective: its prompts, groups with dots and
    notes, reflections (no author when the retro is anonymous; none marked "yours"), action
    items and the earlier ones it reviewed.
    """
    url = absolute_url(reverse("planning_summary", args=[session.workspace.slug, session.pk]))
    summary: object
    if session.kind == SessionKind.RETROSPECTIVE:
        summary = retro_selectors.retro_summary(session=session, user=None)  # nobody's own
        stem = "planning/retro_summary_email"
    else:
        stem, summary = "planning/summary_email", decision_selectors.summary(session=session)
    context = {"session": session, "summary": summary, "url": url}
    return SummaryEmail(
        subject=f"Summary: {session.title}",
        text=render_to_string(f"{stem}.txt", context),
        html=render_to_string(f"{stem}.html", context),
    )


@transaction.atomic
def summary_email(*, actor: Actor, session: PlanningSession) -> int:
    """Queues the summary to every participant who did not opt out; returns how many.

    Raises ValidationError for a session of another workspace or one not ended yet.
    """
    require(actor, Capability.RUN_PLANNING)
    if session.workspace_id != actor.workspace.pk:
        raise ValidationError("That session belongs to another workspace.")
    if session.state != SessionState.ENDED:
        raise ValidationError("Send the summary once the session has ended.")
    email = summary_email_of(session=session)
    recipients = decision_selectors.summary_recipients(session=session)
    for participant in recipients:
        email_queue(
            workspace=actor.workspace,
            to=participant.user.email,
            subject=email.subject,
            body=email.text,
            html_body=email.html,
        )
    audit(actor, "planning_session.summary_sent", session, after={"recipients": len(recipients)})
    return len(recipients)
