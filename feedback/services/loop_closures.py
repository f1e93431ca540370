"""Closing the loop on an idea: the message to everyone who asked for it when it is planned,
shipped or declined, stored, then sent once per person and outcome by a worker."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from feedback.models import (
    Idea,
    LoopClosure,
    StatusCategory,
)
from feedback.selectors import evidence
from feedback.selectors import ideas as idea_selectors
from feedback.services.idea_changes import check_workspace, mark_ideas
from productops import clock, queueing
from productops.access import Actor, require
from productops.audit import audit, mark_buckets
from productops.capabilities import Capability
from productops.models import Workspace
from productops.services import email_queue
from productops.validation import Text

LOST_CLOSURE_AFTER = timedelta(minutes=1)

DEFAULT_MESSAGES = {
    StatusCategory.PLANNED: (
        "We're planning it: {idea}",
        'Hi {name},\n\nYou asked us for "{idea}". We have put it in our plan and will let you '
        "know when it ships.\n\nThank you for telling us what you needed; it helped us decide "
        "what to build.\n\n— The {workspace} team",
    ),
    StatusCategory.SHIPPED: (
        "It's live: {idea}",
        'Hi {name},\n\nYou asked us for "{idea}". It has shipped and is ready for you to use.\n\n'
        "Thank you for telling us what you needed; it helped us decide what to build.\n\n"
        "— The {workspace} team",
    ),
    StatusCategory.DECLINED: (
        "An update on your request: {idea}",
        'Hi {name},\n\nYou asked us for "{idea}". After weighing it against everything else '
        "customers need, we have decided not to build it for now.\n\nWe know that is not the "
        "answer you hoped for. Your feedback still shapes what we do next, so please keep it "
        "coming.\n\n— The {workspace} team",
    ),
}
PLACEHOLDERS = ("{name}", "{idea}", "{workspace}")


def closing_outcome(idea: Idea) -> str | None:
    category = idea.status.category
    return category if category in idea_selectors.CLOSING_CATEGORIES else None


def render_message(template: str, *, name: str, idea: Idea, workspace: Workspace) -> str:
    """Fills the placeholders by plain replacement: the PM's text is never code."""
    return (
        template.replace("{name}", name or "there")
        .replace("{idea}", idea.title)
        .replace("{workspace}", workspace.name)
    )


def default_message(outcome: str) -> tuple[str, str]:
    return DEFAULT_MESSAGES[StatusCategory(outcome)]


@transaction.atomic
def loop_closure_create(
    *, actor: Actor, idea: Idea, subject: str, message: str, outcome: str | None = None
) -> LoopClosure:
    """Stores the message for the idea's current outcome and wakes the sender after commit.

    `outcome` planned tells the askers an idea is planned (a planning decision does that); it
    must be the category the idea is in now.
    """
    require(actor, Capability.CLOSE_THE_LOOP)
    check_workspace(actor, idea)
    idea = Idea.objects.select_related("status").get(pk=idea.pk)
    if outcome is None:
        outcome = closing_outcome(idea)
        if outcome is None:
            raise ValidationError("Move the idea to a shipped or declined status first.")
    elif outcome not in DEFAULT_MESSAGES or idea.status.category != outcome:
        raise ValidationError(f"The idea is not {outcome.replace('_', ' ')}.")
    errors = {}
    if not subject.strip():
        errors["subject"] = "Write a subject."
    if not message.strip():
        errors["message"] = "Write a message."
    if too_long := Text(200).too_long(subject.strip()):  # refused, never cut
        errors["subject"] = too_long
    if errors:
        raise ValidationError(errors)
    closure = LoopClosure.objects.create(
        workspace=actor.workspace,
        idea=idea,
        outcome=outcome,
        subject=subject.strip(),
        message=message.strip(),
        created_by=actor.user,
    )
    audit(
        actor,
        "idea.loop_closure_created",
        idea,
        after={"closure": closure.pk, "outcome": outcome, "subject": closure.subject},
    )
    mark_ideas(actor.workspace, idea.pk)
    queueing.enqueue_on_commit("feedback.tasks.send_loop_closure", closure.pk)
    return closure


_INSERT_NOTICES = """
    INSERT INTO feedback_loopnotice
           (workspace_id, closure_id, idea_id, contact_id, outcome, queued_at)
    SELECT %s, %s, %s, c.id, %s, %s FROM feedback_contact c WHERE c.id = ANY(%s)
    ON CONFLICT (idea_id, contact_id, outcome) DO NOTHING
    RETURNING contact_id
"""


def loop_closure_send(*, closure_id: int) -> int:
    """Tells each person who asked, once: a notice row per (idea, contact, outcome) is claimed
    with ON CONFLICT DO NOTHING, and only a newly claimed notice queues an email. Safe to run
    twice, at once, or for a second closure of the same outcome. Returns emails queued."""
    with transaction.atomic():
        closure = (
            LoopClosure.objects.select_for_update(of=("self",))
            .select_related("idea", "idea__workspace")
            .filter(pk=closure_id)
            .first()
        )
        if closure is None or closure.finished_at is not None:
            return 0
        idea, workspace = closure.idea, closure.idea.workspace
        contacts = {c.pk: c for c in idea_selectors.recipients(workspace=workspace, idea=idea)}
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                _INSERT_NOTICES,
                [workspace.pk, closure.pk, idea.pk, closure.outcome, now, list(contacts)],
            )
            claimed = [row[0] for row in cursor.fetchall()]
        for contact_id in sorted(claimed):
            contact = contacts[contact_id]
            email_queue(
                workspace=workspace,
                to=contact.email,
                subject=render_message(
                    closure.subject, name=contact.name, idea=idea, workspace=workspace
                ),
                body=render_message(
                    closure.message, name=contact.name, idea=idea, workspace=workspace
                ),
            )
        items = evidence.evidence_items(idea=idea)
        closed = list(
            items.filter(loop_closed_at__isnull=True).values_list("received_at", flat=True)
        )
        items.filter(loop_closed_at__isnull=True).update(loop_closed_at=now)
        closure.finished_at = now
        closure.save(update_fields=["finished_at"])
        audit(
            Actor(workspace=workspace),
            "idea.loop_closed",
            idea,
            after={"closure": closure.pk, "outcome": closure.outcome, "emails": len(claimed)},
        )
        days = [clock.workspace_date(workspace, r).isoformat() for r in closed]
        mark_buckets(workspace, "feedback", days)
        mark_ideas(workspace, idea.pk)
        return len(claimed)


def loop_closures_left_behind(*, older_than: timedelta = LOST_CLOSURE_AFTER) -> list[int]:
    """Closures whose message was lost (Redis down, worker killed): the sweeper's finder."""
    return list(
        LoopClosure.objects.filter(
            finished_at__isnull=True, created_at__lt=timezone.now() - older_than
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
