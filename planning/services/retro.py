"""Writes of retrospectives: prompts, reflections, groups, dot votes and discussion notes.

Every write inside a retro locks the session row and raises its version by one (the sessions
`live.locked` and `live.bump`), so participants' pages see it at their next poll, exactly as
for votes. Reflections are audited without their text. One rule keeps an anonymous retro's
authors unknown (`_audit_board`): when the session's reflections are anonymous, every write on
the board's cards and groups (a reflection added, edited, deleted or moved, groups merged or
named) is recorded with no person ("A participant") against the retro, never the card or the
group, so no page, API answer or export of the audit log can tie a card to whoever wrote it,
moved it first or named its group. Early in a retro the mover of a card is usually its author,
so a move names nobody either. Dots name the voter and never the group; notes are their
author's, as the room shows them. Who may edit or delete a card is checked here against its
author, and the refusal names nobody. The choice is fixed once the first reflection is written
(planning.services.sessions); audit rows are never rewritten, so events written before this
rule (a move naming the mover and the card) stay as they were.

What each phase allows (phases of a retrospective: review_actions, reflect, group, vote,
discuss, wrap_up):

- reflect: add, edit and delete one's own reflections;
- group: move reflections into groups (by drag and drop or keyboard), merge and name groups;
- vote: spread dots over groups (the session's budget and cap per group);
- discuss and wrap_up: notes per group and action items;
- action items can be reviewed (done, dropped) in any phase of a later retro of the team, and
  on the action items page at any time.

Action items are written by planning.services.action_items; the guards both share (the locked
retro, the phase, the seat, the text check, the group) are in planning.services.retro_guards.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from planning import scales, scoring
from planning.models import (
    DEFAULT_PROMPTS,
    DiscussionNote,
    PlanningSession,
    Reflection,
    ReflectionGroup,
    RetroPrompt,
    RetroTemplate,
    RetroVote,
)
from planning.selectors import retro as retro_selectors
from planning.services import live
from planning.services.retro_guards import (
    clean_text,
    locked_retro,
    require_phase,
    retro_group,
    retro_seat,
)
from productops.access import Actor, require
from productops.audit import audit
from productops.capabilities import Capability
from productops.validation import Text

MAX_PROMPTS = 8
MAX_REFLECTION = 1000
MAX_NOTE = 4000


PROMPT = Text(120)


def _clean_prompts(prompts: list[str]) -> list[str]:
    cleaned = [PROMPT.clean(p, field="prompts") for p in prompts if p and p.strip()]
    if not cleaned or len(cleaned) > MAX_PROMPTS:
        raise ValidationError({"prompts": f"Give 1 to {MAX_PROMPTS} prompts, one a line."})
    if len({p.lower() for p in cleaned}) != len(cleaned):
        raise ValidationError({"prompts": "Each prompt once."})
    return cleaned


@transaction.atomic
def retro_template_create(*, actor: Actor, name: str, prompts: list[str]) -> RetroTemplate:
    """A workspace's own set of prompts (Start / Stop / Continue...)."""
    require(actor, Capability.RUN_PLANNING)
    name = clean_text(name, 80, "name", "a name")
    cleaned = _clean_prompts(prompts)
    if (
        RetroTemplate.objects.filter(workspace=actor.workspace)
        .annotate(lower=Lower("name"))
        .filter(lower=name.lower())
        .exists()
    ):
        raise ValidationError({"name": "A template of that name exists already."})
    template = RetroTemplate.objects.create(
        workspace=actor.workspace, name=name, prompts=cleaned, created_by=actor.user
    )
    audit(actor, "retro_template.created", template, after={"name": name, "prompts": cleaned})
    return template


def _ensure_prompts(session: PlanningSession) -> list[RetroPrompt]:
    """The retro's prompts; the default three when the facilitator chose none."""
    chosen = retro_selectors.prompts(session=session)
    if chosen:
        return chosen
    return RetroPrompt.objects.bulk_create(
        RetroPrompt(workspace_id=session.workspace_id, session=session, text=text, position=n)
        for n, text in enumerate(DEFAULT_PROMPTS)
    )


@transaction.atomic
def retro_prompts_set(
    *, actor: Actor, session: PlanningSession, prompts: list[str]
) -> list[RetroPrompt]:
    """Sets the retro's prompts (from a template or typed), until the first reflection."""
    session = locked_retro(actor, session)
    live.require_facilitator(actor, session)
    if Reflection.objects.filter(session=session).exists():
        raise ValidationError({"prompts": "Reflections are in: the prompts stay as they are."})
    cleaned = _clean_prompts(prompts)
    RetroPrompt.objects.filter(session=session).delete()
    created = RetroPrompt.objects.bulk_create(
        RetroPrompt(workspace=actor.workspace, session=session, text=text, position=n)
        for n, text in enumerate(cleaned)
    )
    audit(actor, "retro.prompts_set", session, after={"prompts": cleaned})
    live.bump(session)
    return created


@transaction.atomic
def reflection_add(
    *, actor: Actor, session: PlanningSession, position: int, text: str
) -> Reflection:
    """A reflection under the prompt at `position` (0 first)."""
    session = locked_retro(actor, session)
    seat = retro_seat(actor, session)
    require_phase(session, "reflect")
    text = clean_text(text, MAX_REFLECTION, "text", "a reflection")
    prompt = next((p for p in _ensure_prompts(session) if p.position == position), None)
    if prompt is None:
        raise ValidationError({"prompt": "Choose one of this retro's prompts."})
    reflection = Reflection.objects.create(
        workspace=actor.workspace,
        session=session,
        prompt=prompt,
        author_id=seat.user_id,  # the actor's user, without reading the row
        text=text,
    )
    _audit_board(
        actor, "retro.reflection_added", session, reflection, after={"prompt": prompt.text}
    )
    live.bump(session)
    return reflection


def _audit_board(
    actor: Actor,
    verb: str,
    session: PlanningSession,
    obj: Reflection | ReflectionGroup,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Audits a write on the board's cards or groups. In an anonymous retro the event names
    nobody (`audit(anonymous=True)`: no actor, "A participant") and is recorded against the
    retro, not the card or group, so neither who nor which card is in the log; in a named
    retro, the person against the card or group."""
    if session.anonymous_reflections:
        audit(actor, verb, session, before=before, after=after, anonymous=True)
    else:
        audit(actor, verb, obj, before=before, after=after)


def _own(actor: Actor, session: PlanningSession, reflection_id: int) -> Reflection:
    found = Reflection.objects.filter(session=session, pk=reflection_id).first()
    if found is None:
        raise ValidationError("That reflection is gone.")
    if found.author_id != (actor.user.pk if actor.user else None):
        raise PermissionDenied("Only its author can change a reflection.")
    return found


@transaction.atomic
def reflection_edit(
    *, actor: Actor, session: PlanningSession, reflection_id: int, text: str
) -> Reflection:
    session = locked_retro(actor, session)
    retro_seat(actor, session)
    require_phase(session, "reflect")
    reflection = _own(actor, session, reflection_id)
    reflection.text = clean_text(text, MAX_REFLECTION, "text", "a reflection")
    reflection.updated_at = timezone.now()
    reflection.save(update_fields=["text", "updated_at"])
    _audit_board(actor, "retro.reflection_edited", session, reflection)
    live.bump(session)
    return reflection


@transaction.atomic
def reflection_delete(*, actor: Actor, session: PlanningSession, reflection_id: int) -> None:
    session = locked_retro(actor, session)
    retro_seat(actor, session)
    require_phase(session, "reflect")
    reflection = _own(actor, session, reflection_id)
    _audit_board(actor, "retro.reflection_deleted", session, reflection)
    reflection.delete()
    live.bump(session)


def _drop_empty_groups(session: PlanningSession) -> None:
    ReflectionGroup.objects.filter(session=session, reflections__isnull=True).delete()


@transaction.atomic
def reflection_move(
    *,
    actor: Actor,
    session: PlanningSession,
    reflection_id: int,
    group_id: int | None = None,
    onto_reflection_id: int | None = None,
) -> Reflection:
    """Puts a reflection into a group (`group_id`), with another reflection (`onto_...`: their
    group, or a new group of the two), or on its own (neither). Emptied groups go."""
    session = locked_retro(actor, session)
    retro_seat(actor, session)
    require_phase(session, "group")
    reflection = Reflection.objects.filter(session=session, pk=reflection_id).first()
    if reflection is None:
        raise ValidationError("That reflection is gone.")
    before = reflection.group_id
    target: ReflectionGroup | None  # None: the reflection stands on its own
    if group_id is not None:
        target = retro_group(session, group_id)
    elif onto_reflection_id is not None:
        other = Reflection.objects.filter(session=session, pk=onto_reflection_id).first()
        if other is None or other.pk == reflection.pk:
            raise ValidationError("Choose another reflection to group it with.")
        target = other.group
        if target is None:
            position = ReflectionGroup.objects.filter(session=session).count()
            target = ReflectionGroup.objects.create(
                workspace=actor.workspace, session=session, position=position
            )
            other.group = target
            other.save(update_fields=["group"])
    else:
        target = None
    reflection.group = target
    reflection.save(update_fields=["group"])
    _drop_empty_groups(session)
    _audit_board(
        actor,
        "retro.reflection_moved",
        session,
        reflection,
        before={"group": before},
        after={"group": target.pk if target else None},
    )
    live.bump(session)
    return reflection


@transaction.atomic
def group_merge(
    *, actor: Actor, session: PlanningSession, group_id: int, into_group_id: int
) -> ReflectionGroup:
    """Moves every reflection (and any dots) of one group into another; the first goes."""
    session = locked_retro(actor, session)
    retro_seat(actor, session)
    require_phase(session, "group", "vote")
    if group_id == into_group_id:
        raise ValidationError("Choose another group to merge into.")
    source, target = retro_group(session, group_id), retro_group(session, into_group_id)
    Reflection.objects.filter(session=session, group=source).update(group=target)
    for vote in RetroVote.objects.filter(group=source):
        # A person's dots on both groups join; the cap applies to new votes, not to a merge.
        merged = RetroVote.objects.filter(group=target, participant=vote.participant_id).update(
            dots=F("dots") + vote.dots
        )
        if not merged:
            RetroVote.objects.create(
                workspace=actor.workspace,
                session=session,
                group=target,
                participant_id=vote.participant_id,
                dots=vote.dots,
            )
    DiscussionNote.objects.filter(group=source).update(group=target)
    titles = [t for t in (target.title, source.title) if t]
    if not target.title and titles:
        target.title = titles[0]
        target.save(update_fields=["title"])
    _audit_board(
        actor,
        "retro.groups_merged",
        session,
        target,
        before={"group": source.pk},
        after={"into": target.pk},
    )
    source.delete()
    live.bump(session)
    return target


@transaction.atomic
def group_rename(
    *, actor: Actor, session: PlanningSession, group_id: int, title: str
) -> ReflectionGroup:
    session = locked_retro(actor, session)
    retro_seat(actor, session)
    require_phase(session, "group", "vote", "discuss")
    group = retro_group(session, group_id)
    before = group.title
    group.title = clean_text(title, 200, "title", "a name for the group")
    group.save(update_fields=["title"])
    _audit_board(
        actor,
        "retro.group_renamed",
        session,
        group,
        before={"title": before},
        after={"title": group.title},
    )
    live.bump(session)
    return group


@transaction.atomic
def retro_vote(
    *, actor: Actor, session: PlanningSession, group_id: int, dots: int
) -> dict[int, int]:
    """Sets the actor's dots on a group (0 takes them back); returns their dots per group."""
    session = locked_retro(actor, session)
    participant = retro_seat(actor, session)
    require_phase(session, "vote")
    group = retro_group(session, group_id)
    mine = dict(
        RetroVote.objects.filter(session=session, participant=participant).values_list(
            "group_id", "dots"
        )
    )
    mine[group.pk] = dots
    budget, cap = retro_selectors.dot_rules(session)
    try:
        scoring.check_dots(mine, budget=budget, cap=cap)
    except scales.ScoringError as error:
        raise ValidationError({"dots": str(error)}) from None
    if dots:
        RetroVote.objects.update_or_create(
            group=group,
            participant=participant,
            defaults={"workspace": actor.workspace, "session": session, "dots": dots},
        )
    else:
        RetroVote.objects.filter(group=group, participant=participant).delete()
        mine.pop(group.pk)
    # Who voted, never where or how many: the room shows nobody another's dots, ever.
    audit(actor, "retro.voted", session)
    live.bump(session)
    return mine


@transaction.atomic
def discussion_note_add(
    *, actor: Actor, session: PlanningSession, group_id: int | None, text: str
) -> DiscussionNote:
    session = locked_retro(actor, session)
    retro_seat(actor, session)
    require_phase(session, "discuss", "wrap_up")
    group = retro_group(session, group_id) if group_id is not None else None
    note = DiscussionNote.objects.create(
        workspace=actor.workspace,
        session=session,
        group=group,
        author=actor.user,
        text=clean_text(text, MAX_NOTE, "text", "a note"),
    )
    audit(actor, "retro.note_added", note, after={"group": group.pk if group else None})
    live.bump(session)
    return note
