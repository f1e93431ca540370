"""Seeds the demo ideas from `feedback/demo_data/ideas.toml`, linked to the feedback already
there by the words it uses. Run after the feedback items are seeded, so demand looks alive.

Idempotent: an idea is found by title and made once (with its status), only items not linked
yet are linked, and the shipped idea's loop is closed once, so a second run writes nothing.
"""

from datetime import timedelta
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.db import transaction
from django.utils import timezone

from feedback.models import FeedbackItem, Idea, IdeaLink, Importance, LoopClosure, RoadmapSettings
from feedback.selectors import ideas as selectors
from feedback.services import ideas as services
from feedback.services import loop_closures
from feedback.services.triage_labels import product_area_get_or_create
from productops import demo
from productops.access import Actor
from productops.folding import fold
from productops.models import Role, Workspace

IDEAS: list[dict[str, Any]] = demo.load("feedback", "ideas")["ideas"]


def seed_ideas(workspace: Workspace) -> list[Idea]:
    """About 23 ideas across statuses, linked to the workspace's matching feedback."""
    demo.refuse_production()
    with transaction.atomic():
        return _seed(workspace)


def _seed(workspace: Workspace) -> list[Idea]:
    content = demo.load("feedback", "ideas")
    cast = demo.Cast(workspace)
    owner = cast.actor(Role.PM)
    statuses = {s.name: s for s in selectors.statuses(workspace=workspace)}
    linked_already: set[int] = set()
    made = []
    for spec in content["ideas"]:
        idea = Idea.objects.filter(workspace=workspace, title=spec["title"]).first()
        created = idea is None
        if idea is None:
            idea = _create(owner, spec, statuses["New"])
        # Spread items over ideas: an item asks mainly for one thing, a few for two.
        limit = spec["links_at_most"]
        items = [
            i
            for i in _matching_items(workspace, spec["matches"], limit * 2)
            if i.pk not in linked_already
        ][:limit]
        _link_new(owner, idea, items, Importance[spec["importance"].upper()])
        linked_already.update(i.pk for i in items[: max(1, len(items) * 3 // 4)])
        target = statuses[spec["status"]]
        if created and idea.status_id != target.pk:
            idea.refresh_from_db()
            idea = services.idea_update(
                actor=owner, idea=idea, expected_version=idea.version, status=target
            )
        made.append(idea)
    _close_one_loop(owner, next(i for i in made if i.title == content["closed_loop"]))
    if not RoadmapSettings.objects.filter(workspace=workspace).exists():
        roadmap = content["roadmap"]
        services.roadmap_update(
            actor=cast.actor(Role.ADMIN),
            enabled=True,
            title=roadmap["title"].format(workspace=workspace.name),
            intro=roadmap["intro"],
        )
    return made


def _create(owner: Actor, spec: dict[str, Any], status) -> Idea:
    """A new idea, dated back `created_days_ago` (directly: the service stamps now)."""
    idea = services.idea_create(
        actor=owner,
        title=spec["title"],
        description=spec["description"],
        product_area=product_area_get_or_create(actor=owner, name=spec["area"]),
        status=status,
        owner=owner.user,
        is_public=spec["public"],
    )
    created_at = timezone.now() - timedelta(days=spec["created_days_ago"])
    Idea.objects.filter(pk=idea.pk).update(created_at=created_at)
    return idea


def _matching_items(workspace: Workspace, terms: str, limit: int) -> list[FeedbackItem]:
    query = SearchQuery(fold(terms), search_type="websearch", config="english")
    return list(
        FeedbackItem.objects.filter(workspace=workspace, search=query, duplicate_of__isnull=True)
        .exclude(status="spam")
        .order_by("-received_at", "-id")[:limit]
    )


def _link_new(owner: Actor, idea: Idea, items: list[FeedbackItem], importance: int) -> None:
    linked = set(
        IdeaLink.objects.filter(idea=idea, item__in=items).values_list("item_id", flat=True)
    )
    if new := [item for item in items if item.pk not in linked]:
        services.idea_link(actor=owner, idea=idea, items=new, importance=importance)


def _close_one_loop(actor: Actor, idea: Idea) -> None:
    if LoopClosure.objects.filter(idea=idea).exists():
        return
    subject, message = loop_closures.default_message("shipped")
    closure = loop_closures.loop_closure_create(
        actor=actor, idea=idea, subject=subject, message=message
    )
    loop_closures.loop_closure_send(closure_id=closure.pk)
