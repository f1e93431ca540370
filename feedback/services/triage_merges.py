"""Merging a duplicate feedback item into its original, and undoing it exactly."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from feedback.models import (
    FeedbackItem,
    FeedbackMerge,
    IdeaLink,
    Status,
)
from feedback.services import status_counts
from feedback.services.triage import (
    STATUS_FIELDS,
    lock_items,
    mark_days_of,
    mark_ideas,
    set_status,
    stale,
)
from productops.access import Actor, require
from productops.audit import audit
from productops.capabilities import Capability


@transaction.atomic
def feedback_merge(
    *,
    actor: Actor,
    original: FeedbackItem,
    duplicate: FeedbackItem,
    expected_version: int | None = None,
) -> FeedbackMerge:
    """Marks `duplicate` a duplicate of `original`.

    The duplicate is archived (its status remembered); its idea links move to the original
    where the original is not linked to that idea yet (their ids remembered); items already
    merged into the duplicate follow it to the original. The original so keeps every vote,
    contact, account and idea link. feedback_unmerge restores all of it.
    """
    require(actor, Capability.TRIAGE_FEEDBACK)
    if original.pk == duplicate.pk:
        raise ValidationError({"original": "An item cannot be a duplicate of itself."})
    locked = lock_items(actor, [original.pk, duplicate.pk])
    if original.pk not in locked or duplicate.pk not in locked:
        raise ValidationError({"original": "No such item."})
    dup = locked[duplicate.pk]
    orig = locked[original.pk]
    if expected_version is not None and dup.version != expected_version:
        raise stale(dup)
    if orig.duplicate_of_id is not None:
        # Merge into what the original was merged into; chains stay one level deep.
        root = lock_items(actor, [orig.duplicate_of_id]).get(orig.duplicate_of_id)
        if root is None or root.pk == dup.pk:
            raise ValidationError({"original": "That item is already a duplicate of this one."})
        orig = root
    if dup.duplicate_of_id is not None:
        raise ValidationError(
            {"duplicate": f"This item is already a duplicate of #{dup.duplicate_of_id}."}
        )
    linked = set(IdeaLink.objects.filter(item=orig).values_list("idea_id", flat=True))
    moving = list(
        IdeaLink.objects.filter(item=dup)
        .exclude(idea_id__in=linked)
        .order_by("pk")
        .values_list("pk", "idea_id")
    )
    IdeaLink.objects.filter(pk__in=[pk for pk, _ in moving]).update(item=orig)
    FeedbackItem.objects.filter(workspace=actor.workspace, duplicate_of=dup).update(
        duplicate_of=orig
    )
    merge = FeedbackMerge.objects.create(
        workspace=actor.workspace,
        original=orig,
        duplicate=dup,
        previous_status=dup.status,
        moved_link_ids=[pk for pk, _ in moving],
        merged_by=actor.user,
    )
    dup.duplicate_of = orig
    status_counts.move(actor.workspace, dup.status, Status.ARCHIVED)
    dup.updated_at = timezone.now()
    moments = set_status(dup, Status.ARCHIVED, by=actor.user, now=dup.updated_at)
    dup.version += 1
    dup.save(update_fields=["duplicate_of", *STATUS_FIELDS, "version", "updated_at"])
    audit(
        actor,
        "feedback.merged",
        dup,
        before={"status": merge.previous_status, "duplicate_of": None},
        after={
            "status": dup.status,
            "duplicate_of": f"#{orig.pk} {str(orig)[:80]}",
            "moved_links": len(moving),
        },
    )
    mark_days_of(actor, dup, moments)
    mark_ideas(actor, [*linked, *(idea_id for _, idea_id in moving)])
    return merge


@transaction.atomic
def feedback_unmerge(*, actor: Actor, merge: FeedbackMerge) -> FeedbackItem:
    """Undoes a merge exactly: status, links and the duplicate's own duplicates come back."""
    require(actor, Capability.TRIAGE_FEEDBACK)
    merge = FeedbackMerge.objects.select_for_update().get(pk=merge.pk, workspace=actor.workspace)
    if merge.undone_at is not None:
        raise ValidationError("This merge was already undone.")
    dup = lock_items(actor, [merge.duplicate_id])[merge.duplicate_id]
    own_ideas = set(IdeaLink.objects.filter(item=dup).values_list("idea_id", flat=True))
    back = IdeaLink.objects.filter(pk__in=merge.moved_link_ids).exclude(idea_id__in=own_ideas)
    idea_ids = list(back.values_list("idea_id", flat=True))
    back.update(item=dup)
    followers = FeedbackMerge.objects.filter(
        workspace=actor.workspace, original=dup, undone_at=None
    ).values_list("duplicate_id", flat=True)
    FeedbackItem.objects.filter(workspace=actor.workspace, pk__in=list(followers)).update(
        duplicate_of=dup
    )
    original_label = f"#{merge.original_id}"
    dup.duplicate_of = None
    status_counts.move(actor.workspace, dup.status, merge.previous_status)
    dup.updated_at = timezone.now()
    moments = set_status(
        dup, merge.previous_status, by=actor.user, now=dup.updated_at, restore=True
    )
    dup.version += 1
    dup.save(update_fields=["duplicate_of", *STATUS_FIELDS, "version", "updated_at"])
    merge.undone_at = timezone.now()
    merge.save(update_fields=["undone_at"])
    audit(
        actor,
        "feedback.unmerged",
        dup,
        before={"status": Status.ARCHIVED, "duplicate_of": original_label},
        after={"status": dup.status, "duplicate_of": None, "moved_links": len(idea_ids)},
    )
    mark_days_of(actor, dup, moments)
    linked = IdeaLink.objects.filter(item_id=merge.original_id).values_list("idea_id", flat=True)
    mark_ideas(actor, [*idea_ids, *linked])
    return dup
