"""The summary email to a session's participants (each may opt out)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from planning.models import PlanningSession, SessionState
from planning.selectors import decisions as decision_selectors
from productops.access import Actor, require
from productops.audit import audit
from productops.capabilities import Capability
from productops.services import email_queue


@transaction.atomic
def summary_email(*, actor: Actor, session: PlanningSession) -> int:
    """Queues the summary to every participant who did not opt out; returns how many.

    The body is rendered from the summary selector, which reads revealed votes only.
    """
    require(actor, Capability.RUN_PLANNING)
    if session.workspace_id != actor.workspace.pk:
        raise ValidationError("That session belongs to another workspace.")
    if session.state != SessionState.ENDED:
        raise ValidationError("Send the summary once the session has ended.")
    summary = decision_selectors.summary(session=session)
    recipients = decision_selectors.summary_recipients(session=session)
    url = reverse("planning_summary", args=[actor.workspace.slug, session.pk])
    body = render_to_string(
        "planning/summary_email.txt", {"summary": summary, "session": session, "url": url}
    )
    for participant in recipients:
        email_queue(
            workspace=actor.workspace,
            to=participant.user.email,
            subject=f"Summary: {session.title}",
            body=body,
        )
    audit(actor, "planning_session.summary_sent", session, after={"recipients": len(recipients)})
    return len(recipients)
