"""Seeds the demo feedback from `feedback/demo_data/feedback.toml` (the file says how).

Idempotent: items carry "demo-" external ids, so a second run finds them and adds nothing.
Items go in through the same intake services as real feedback, then are processed (sentiment,
matching, duplicate candidates) directly, so the inbox looks alive without a worker.
"""

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from feedback.models import Channel, FeedbackItem, Source
from feedback.services import accounts as account_services
from feedback.services import intake as intake_services
from feedback.services import processing
from feedback.services import sources as source_services
from feedback.services.intake import IntakeItem
from feedback.services.triage_bulk import feedback_bulk_update
from productops import demo
from productops.access import Actor
from productops.models import Role, Workspace


def seed_feedback(workspace: Workspace) -> int:
    """Adds the demo feedback to `workspace` once; how many items it added (0 the second time)."""
    demo.refuse_production()
    if FeedbackItem.objects.filter(workspace=workspace, external_id__startswith="demo-").exists():
        return 0
    content = demo.load("feedback", "feedback")
    actor = demo.Cast(workspace).actor(Role.ADMIN)
    for account in content["accounts"]:
        account_services.account_upsert(
            actor=actor,
            external_id=account["crm_id"],
            name=account["name"],
            domain=account["domain"],
            plan=account["plan"],
            segment=account["segment"],
            annual_revenue=Decimal(account["annual_revenue"]),
        )
    sources = {spec["name"]: _source(actor, spec) for spec in content["sources"]}
    rng = random.Random(content["items"]["random_seed"])
    now = timezone.now()
    created = 0
    for name, items in _draw_items(content, rng, now).items():
        if items:
            created += intake_services.feedback_submit(
                actor=actor, source=sources[name], items=items
            ).created
    processing.feedback_process_pending(workspace_id=workspace.pk)
    triage = content["triage"]
    _triage_older_items(
        actor, rng, triage, older_than=now - timedelta(days=triage["older_than_days"])
    )
    return created


def _source(actor: Actor, spec: dict[str, Any]) -> Source:
    if spec["channel"] == Channel.WEB_FORM:
        form = source_services.web_form_set(actor=actor, enabled=True)
        assert form is not None  # opening the form always returns its source
        return form
    if spec["channel"] == Channel.WEBHOOK:
        source, _ = source_services.source_create(
            actor=actor, name=spec["name"], channel=spec["channel"]
        )
        return source
    return source_services.source_for_import(
        actor=actor, name=spec["name"], channel=spec["channel"]
    )


def _draw_items(
    content: dict[str, Any], rng: random.Random, now: datetime
) -> dict[str, list[IntakeItem]]:
    """The items by source name. The draws come in a fixed order: changing it changes the demo."""
    recipe, accounts, themes = content["items"], content["accounts"], content["themes"]
    feeding = [spec for spec in content["sources"] if spec["share"]]
    weights = [spec["share"] for spec in feeding]
    batches: dict[str, list[IntakeItem]] = {spec["name"]: [] for spec in feeding}
    for n in range(recipe["count"]):
        source = rng.choices(feeding, weights=weights)[0]
        theme = rng.choice(themes)
        if rng.random() < recipe["personal_email_share"]:
            person = f"{rng.choice(recipe['people'])}{rng.randint(1, 99)}"
            email = f"{person}@{rng.choice(recipe['personal_email_domains'])}"
        else:
            domain = rng.choice(accounts)["domain"]
            email = f"{rng.choice(recipe['people'])}@{domain}"
        age = timedelta(
            days=recipe["over_days"] * rng.random() ** recipe["recent_bias"],
            minutes=rng.randrange(24 * 60),
        )
        body = f"{rng.choice(recipe['openers'])}{theme['body']}{rng.choice(recipe['closers'])}"
        batches[source["name"]].append(
            IntakeItem(
                body=body.strip(),
                title=theme["title"] if source["titled"] else "",
                email=email,
                name=email.split("@")[0].capitalize(),
                external_id=f"demo-{n:04d}",
                received_at=now - age,
                tags=tuple(theme["tags"]) if rng.random() < recipe["tagged_share"] else (),
                product_area=theme["area"] if rng.random() < recipe["area_share"] else "",
            )
        )
    return batches


def _triage_older_items(
    actor: Actor, rng: random.Random, shares: dict[str, Any], *, older_than: datetime
) -> None:
    """A living inbox: PMs have been through most of what came in before the last weeks."""
    older = (
        FeedbackItem.objects.filter(
            workspace=actor.workspace, received_at__lt=older_than, status="new"
        )
        .order_by("pk")
        .values_list("pk", "version")
    )
    outcomes: dict[str, dict[int, int]] = {"triaged": {}, "archived": {}, "spam": {}}
    for pk, version in older:
        roll, threshold = rng.random(), 0.0
        for status, versions in outcomes.items():
            threshold += shares[status]
            if roll < threshold:
                versions[pk] = version
                break
    for status, versions in outcomes.items():
        if versions:
            feedback_bulk_update(actor=actor, versions=versions, status=status)
