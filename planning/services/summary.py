"""The summary email to a session's participants (each may opt out)."""

from dataclasses import dataclass

from django.conf import settings
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


@dataclass(frozen=True)
class SummaryEmail:
    subject: str
    text: str
    html: str  # "" when the session's kind has no HTML version


def summary_email_of(*, session: PlanningSession) -> SummaryEmail:
    """The one email every recipient gets, so it shows what anyone may see, nobody's own view.

    A scoring session: its decisions, read through the summary selector (revealed votes only).
    A retrospective: its prompts, groups with dots and notes, reflections (no author when the
    retro is anonymous; none marked "yours"), action items and the earlier ones it reviewed.
    """
    url = settings.SITE_URL + reverse("planning_summary", args=[session.workspace.slug, session.pk])
    subject = f"Summary: {session.title}"
    if session.kind == SessionKind.RETROSPECTIVE:
        context = {
            "session": session,
            "summary": retro_selectors.summary(session=session, user=None),
            "url": url,
        }
        return SummaryEmail(
            subject=subject,
            text=render_to_string("planning/retro_summary_email.txt", context),
            html=render_to_string("planning/retro_summary_email.html", context),
        )
    context = {
        "summary": decision_selectors.summary(session=session),
        "session": session,
        "url": url,
    }
    return SummaryEmail(
        subject=subject, text=render_to_string("planning/summary_email.txt", context), html=""
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
