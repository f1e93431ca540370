"""Demo ideas for a workspace, linked to the feedback already there by the words it uses.

Idempotent: ideas are found by title, links are upserts, the shipped idea's loop is closed once.
Run after the feedback items are seeded, so demand looks alive.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from feedback.models import (
    FeedbackItem,
    Idea,
    Importance,
    LoopClosure,
    ProductArea,
    RoadmapSettings,
)
from feedback.selectors import ideas as selectors
from feedback.services import ideas as services
from productops.access import Actor
from productops.folding import fold
from productops.models import Membership, Role, Workspace

# (title, description, status, area, public, importance, search terms, how many items at most)
IDEAS = [
    (
        "Single sign-on with SAML and Okta",
        "Let admins require SSO through any SAML 2.0 provider, with Okta and Azure AD presets.",
        "In progress",
        "Admin",
        True,
        Importance.CRITICAL,
        'sso OR saml OR okta OR login OR "sign in"',
        14,
    ),
    (
        "Dark mode",
        "A dark theme that follows the operating system setting.",
        "Shipped",
        "Design",
        True,
        Importance.NICE_TO_HAVE,
        "dark OR theme OR contrast OR eyes",
        10,
    ),
    (
        "Bulk edit in tables",
        "Select many rows and change status, owner or tags in one go.",
        "Planned",
        "Core",
        True,
        Importance.IMPORTANT,
        'bulk OR "many rows" OR "one by one" OR select',
        12,
    ),
    (
        "Export reports to CSV and Excel",
        "Download any report or list as CSV or XLSX, respecting filters.",
        "Planned",
        "Reporting",
        True,
        Importance.IMPORTANT,
        "export OR csv OR excel OR download OR spreadsheet",
        12,
    ),
    (
        "Faster dashboard loading",
        "Dashboards with many widgets take seconds to load; make them instant.",
        "In progress",
        "Performance",
        True,
        Importance.CRITICAL,
        "slow OR loading OR performance OR lag OR timeout OR speed",
        15,
    ),
    (
        "Mobile app for iOS and Android",
        "Read and triage on the phone, with push notifications.",
        "Under review",
        "Mobile",
        False,
        Importance.IMPORTANT,
        "mobile OR iphone OR android OR phone OR app",
        10,
    ),
    (
        "Slack notifications",
        "Post to a Slack channel when something I follow changes.",
        "Shipped",
        "Integrations",
        True,
        Importance.IMPORTANT,
        "slack OR notification OR notify OR alert",
        10,
    ),
    (
        "Salesforce integration",
        "Sync accounts and opportunities from Salesforce both ways.",
        "Under review",
        "Integrations",
        False,
        Importance.CRITICAL,
        "salesforce OR crm OR hubspot OR sync",
        10,
    ),
    (
        "Audit log export",
        "Stream the audit log to our SIEM, or download it for a date range.",
        "New",
        "Admin",
        False,
        Importance.IMPORTANT,
        "audit OR compliance OR siem OR security",
        8,
    ),
    (
        "Custom fields on records",
        "Add our own fields (text, number, date, choice) to any record.",
        "Planned",
        "Core",
        True,
        Importance.IMPORTANT,
        '"custom field" OR field OR attribute OR column',
        10,
    ),
    (
        "Better search with filters",
        "Search that finds partial words, with filters by date and owner.",
        "In progress",
        "Core",
        True,
        Importance.IMPORTANT,
        'search OR find OR filter OR "can\'t find"',
        12,
    ),
    (
        "Granular roles and permissions",
        "Roles per project, read-only guests, and who may delete.",
        "Under review",
        "Admin",
        False,
        Importance.CRITICAL,
        "permission OR role OR access OR guest OR admin",
        10,
    ),
    (
        "Public API webhooks",
        "Webhooks for create, update and delete events, signed and retried.",
        "New",
        "Integrations",
        False,
        Importance.NICE_TO_HAVE,
        "webhook OR api OR integration OR zapier",
        8,
    ),
    (
        "Offline mode",
        "Keep working without a connection and sync when back online.",
        "Declined",
        "Mobile",
        False,
        Importance.NICE_TO_HAVE,
        "offline OR connection OR internet OR sync",
        6,
    ),
    (
        "Two-factor authentication",
        "TOTP and security keys for every user, enforceable by admins.",
        "Shipped",
        "Admin",
        True,
        Importance.CRITICAL,
        '2fa OR "two-factor" OR mfa OR password OR security',
        8,
    ),
    (
        "Invoices in local currency",
        "Bill in EUR, GBP and more, with VAT numbers on invoices.",
        "New",
        "Billing",
        False,
        Importance.IMPORTANT,
        "invoice OR billing OR pricing OR price OR vat OR currency",
        10,
    ),
    (
        "Onboarding checklist",
        "A guided first week for new teams, with sample data.",
        "Planned",
        "Growth",
        True,
        Importance.NICE_TO_HAVE,
        "onboarding OR setup OR confusing OR tutorial OR documentation",
        8,
    ),
    (
        "Calendar view",
        "See items with dates on a month calendar; drag to reschedule.",
        "Under review",
        "Core",
        False,
        Importance.NICE_TO_HAVE,
        "calendar OR schedule OR date OR deadline",
        8,
    ),
]
CLOSED_LOOP_TITLE = "Dark mode"


def _actor(workspace: Workspace, roles=(Role.PM, Role.ADMIN)) -> Actor:
    membership = (
        Membership.objects.select_related("workspace", "user")
        .filter(workspace=workspace, role__in=roles)
        .order_by("-role")  # "pm" sorts after "admin": a PM owns the demo ideas if there is one
        .first()
    )
    if membership is None:
        raise ImproperlyConfigured("Seed the workspace's members before its ideas.")
    return Actor.for_membership(membership)


def _matching_items(workspace: Workspace, terms: str, limit: int) -> list[FeedbackItem]:
    query = SearchQuery(fold(terms), search_type="websearch", config="english")
    return list(
        FeedbackItem.objects.filter(workspace=workspace, search=query, duplicate_of__isnull=True)
        .exclude(status="spam")
        .order_by("-received_at", "-id")[:limit]
    )


def seed_ideas(workspace: Workspace) -> list[Idea]:
    """About 18 ideas across statuses, linked to the workspace's matching feedback."""
    if settings.PRODUCTION:
        raise ImproperlyConfigured("Demo data is never seeded with production settings.")
    with transaction.atomic():
        return _seed(workspace)


def _seed(workspace: Workspace) -> list[Idea]:
    actor = _actor(workspace)
    statuses = {s.name: s for s in selectors.statuses(workspace=workspace)}
    areas = {a.name.lower(): a for a in ProductArea.objects.filter(workspace=workspace)}
    linked_already: set[int] = set()
    made = []
    now = timezone.now()
    for index, (
        title,
        description,
        status_name,
        area_name,
        public,
        importance,
        terms,
        limit,
    ) in enumerate(IDEAS):
        idea = Idea.objects.filter(workspace=workspace, title=title).first()
        if idea is None:
            area = areas.get(area_name.lower())
            if area is None:
                area = ProductArea.objects.create(workspace=workspace, name=area_name)
                areas[area_name.lower()] = area
            idea = services.idea_create(
                actor=actor,
                title=title,
                description=description,
                product_area=area,
                status=statuses["New"],
                owner=actor.user,
                is_public=public,
            )
            age = timedelta(days=120 - index * 6)
            Idea.objects.filter(pk=idea.pk).update(created_at=now - age)
        # Spread items over ideas: an item asks mainly for one thing, a few for two.
        items = [
            i for i in _matching_items(workspace, terms, limit * 2) if i.pk not in linked_already
        ][:limit]
        if items:
            links = services.idea_link(actor=actor, idea=idea, items=items, importance=importance)
            linked_already.update(link.item_id for link in links[: max(1, len(links) * 3 // 4)])
        idea.refresh_from_db()
        target = statuses[status_name]
        if idea.status_id != target.pk and idea.merged_into_id is None:
            idea = services.idea_update(
                actor=actor, idea=idea, expected_version=idea.version, status=target
            )
        made.append(idea)
    _close_one_loop(actor, next(i for i in made if i.title == CLOSED_LOOP_TITLE))
    if not RoadmapSettings.objects.filter(workspace=workspace).exists():
        services.roadmap_update(
            actor=_actor(workspace, roles=[Role.ADMIN]),
            enabled=True,
            title=f"{workspace.name} roadmap",
            intro="What we are building next, and what shipped lately. Tell us what you need.",
        )
    return made


def _close_one_loop(actor: Actor, idea: Idea) -> None:
    if LoopClosure.objects.filter(idea=idea).exists():
        return
    subject, message = services.default_message("shipped")
    closure = services.loop_closure_create(actor=actor, idea=idea, subject=subject, message=message)
    services.loop_closure_send(closure_id=closure.pk)
