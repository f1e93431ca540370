# ruff: noqa: E501  (customer quotes read better unbroken)
"""Demo feedback for `acme`: sources, accounts with plans and revenue, a few hundred items.

Idempotent: items carry "demo-" external ids, so a second run finds them and adds nothing.
Items go in through the same intake services as real feedback, then are processed (sentiment,
matching, duplicate candidates) directly, so the inbox looks alive without a worker.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from feedback.models import Channel, FeedbackItem
from feedback.services import accounts as account_services
from feedback.services import intake as services
from feedback.services import processing
from feedback.services import sources as source_services
from feedback.services.intake import IntakeItem
from feedback.services.triage import feedback_bulk_update
from productops.access import Actor
from productops.models import Membership, Role, Workspace

ACCOUNTS = [
    # name, domain, plan, segment, annual revenue
    ("Initech", "initech.com", "Enterprise", "Enterprise", 240_000),
    ("Globex", "globex.com", "Enterprise", "Enterprise", 310_000),
    ("Umbrella Health", "umbrella-health.com", "Enterprise", "Enterprise", 420_000),
    ("Hooli", "hooli.com", "Enterprise", "Enterprise", 510_000),
    ("Stark Logistics", "starklogistics.com", "Enterprise", "Enterprise", 275_000),
    ("Wayne Retail", "wayneretail.com", "Enterprise", "Enterprise", 198_000),
    ("Vandelay Industries", "vandelay.com", "Growth", "Mid-market", 64_000),
    ("Pied Piper", "piedpiper.io", "Growth", "Mid-market", 48_000),
    ("Soylent Foods", "soylent.co", "Growth", "Mid-market", 52_000),
    ("Cyberdyne Analytics", "cyberdyne.ai", "Growth", "Mid-market", 88_000),
    ("Tyrell Bio", "tyrellbio.com", "Growth", "Mid-market", 71_000),
    ("Wonka Labs", "wonkalabs.com", "Growth", "Mid-market", 39_000),
    ("Massive Dynamic", "massivedynamic.com", "Growth", "Mid-market", 95_000),
    ("Oscorp Digital", "oscorp.digital", "Growth", "Mid-market", 57_000),
    ("Dunder Paper", "dunderpaper.com", "Growth", "Mid-market", 33_000),
    ("Gringotts Finance", "gringotts.finance", "Enterprise", "Enterprise", 380_000),
    ("Nakatomi Trading", "nakatomi.jp", "Growth", "Mid-market", 61_000),
    ("Monarch Travel", "monarchtravel.com", "Starter", "SMB", 9_600),
    ("Blue Sun Coffee", "bluesun.coffee", "Starter", "SMB", 4_800),
    ("Bluth Homes", "bluthhomes.com", "Starter", "SMB", 7_200),
    ("Krusty Kitchens", "krustykitchens.com", "Starter", "SMB", 3_600),
    ("Acme Robotics", "acmerobotics.io", "Growth", "Mid-market", 44_000),
    ("Sterling Cooper", "sterlingcooper.com", "Growth", "Mid-market", 58_000),
    ("Los Pollos", "lospollos.mx", "Starter", "SMB", 6_000),
    ("Paper Street Soap", "paperstreet.co", "Starter", "SMB", 2_400),
    ("Prestige Worldwide", "prestigeworldwide.com", "Starter", "SMB", 5_400),
    ("Genco Olive Oil", "genco.it", "Starter", "SMB", 8_400),
    ("Rich Industries", "richindustries.com", "Enterprise", "Enterprise", 225_000),
    ("Duff Beverages", "duff.com", "Growth", "Mid-market", 36_000),
    ("Ollivanders", "ollivanders.co.uk", "Starter", "SMB", 3_000),
    ("Lacuna Memory", "lacuna.io", "Growth", "Mid-market", 29_000),
    ("Virtucon", "virtucon.com", "Enterprise", "Enterprise", 290_000),
    ("Spacely Sprockets", "spacely.com", "Growth", "Mid-market", 42_000),
    ("Cogswell Cogs", "cogswell.com", "Starter", "SMB", 4_200),
    ("Ghostwood Timber", "ghostwood.ca", "Free", "SMB", 0),
    ("Kramerica", "kramerica.com", "Free", "SMB", 0),
]
PEOPLE = "ana bo cy dee eli fay gus hana ivo jo kai lin max noor oli pia raj sam tia uma".split()

# (product area, tags, title, body): the themes customers actually raise, in their voice.
THEMES = [
    (
        "Reporting",
        ["export"],
        "CSV export times out on large projects",
        "Exporting a project with more than 20k rows to CSV times out after a minute. We need this for our monthly board report.",
    ),
    (
        "Reporting",
        ["export"],
        "Export to CSV fails for big projects",
        "The CSV export keeps failing on our biggest workspace; smaller ones export fine.",
    ),
    (
        "Reporting",
        ["dashboards"],
        "Scheduled dashboard emails",
        "Could dashboards be emailed to leadership every Monday? Today I screenshot them by hand, which is tedious.",
    ),
    (
        "Reporting",
        ["dashboards"],
        "Custom date ranges on charts",
        "Charts only offer 30/90 days. We report by fiscal quarter, so a custom range would help a lot.",
    ),
    (
        "Reporting",
        ["export"],
        "Excel export with formatting",
        "Love the new reports, really clear. An .xlsx export that keeps the formatting would be perfect.",
    ),
    (
        "Integrations",
        ["slack"],
        "Slack notifications are delayed",
        "Slack notifications arrive 10-20 minutes late, so the team misses urgent escalations.",
    ),
    (
        "Integrations",
        ["slack"],
        "Slack notifications arrive late",
        "Our Slack alerts are delayed by a quarter of an hour sometimes. Very frustrating during incidents.",
    ),
    (
        "Integrations",
        ["salesforce"],
        "Sync account owner from Salesforce",
        "Please sync the account owner field from Salesforce so CSMs see their accounts' feedback.",
    ),
    (
        "Integrations",
        ["jira"],
        "Two-way Jira sync",
        "When the Jira issue closes, the idea here should move to shipped automatically. Right now it's double work.",
    ),
    (
        "Integrations",
        ["api"],
        "Webhook retries",
        "Our endpoint was down for five minutes and we lost events. Webhooks should retry with backoff.",
    ),
    (
        "Mobile",
        ["ios"],
        "iOS app logs me out every day",
        "The iPhone app logs me out every single day. It's annoying enough that I've stopped using it.",
    ),
    (
        "Mobile",
        ["ios"],
        "App keeps logging me out on iPhone",
        "Every morning I have to sign in again on iOS. Please fix the session handling.",
    ),
    (
        "Mobile",
        ["android"],
        "Offline mode for field teams",
        "Our field engineers work in basements without signal. Offline mode with sync later is a must for us.",
    ),
    (
        "Mobile",
        ["android"],
        "Android widget",
        "A home screen widget showing my open items would be great. The Android app is otherwise excellent.",
    ),
    (
        "Billing",
        ["invoices"],
        "Invoices need our VAT number",
        "Our finance team can't book invoices without our VAT number on them. Please add a field for it.",
    ),
    (
        "Billing",
        ["pricing"],
        "Seat pricing is too expensive for viewers",
        "Paying full seats for people who only read dashboards is too expensive. A cheaper viewer seat would keep us on the plan.",
    ),
    (
        "Billing",
        ["invoices"],
        "Annual invoice in EUR",
        "We'd like to be invoiced annually in EUR instead of monthly in USD.",
    ),
    (
        "Search",
        ["search"],
        "Search ignores archived items",
        "I can't find an old request because search skips archived items. A toggle to include them would help.",
    ),
    (
        "Search",
        ["search"],
        "Search is slow",
        "Search takes several seconds with our data. It used to be fast, now it's painfully slow.",
    ),
    (
        "Search",
        ["search"],
        "Search with quotes for exact phrases",
        "Searching for an exact phrase in quotes would save me a lot of time. Great tool otherwise!",
    ),
    (
        "Permissions & SSO",
        ["sso", "security"],
        "SAML SSO with Okta",
        "Security requires SAML SSO through Okta before we can roll this out to 400 people.",
    ),
    (
        "Permissions & SSO",
        ["sso", "security"],
        "Okta SAML single sign-on",
        "We need single sign-on via Okta (SAML) for our enterprise rollout.",
    ),
    (
        "Permissions & SSO",
        ["security"],
        "Audit log export for compliance",
        "Our SOC 2 auditor asked for an export of the audit log. Is there an API for it?",
    ),
    (
        "Permissions & SSO",
        ["roles"],
        "Read-only role for contractors",
        "We need a read-only role for contractors so they can see but not change anything.",
    ),
    (
        "Notifications",
        ["email"],
        "Digest email instead of one email per change",
        "I get dozens of emails a day. A daily digest would be much nicer.",
    ),
    (
        "Notifications",
        ["email"],
        "Too many notification emails",
        "The notification emails are overwhelming; please let us batch them into a daily summary.",
    ),
    (
        "Notifications",
        [],
        "Mute a thread",
        "Let me mute a conversation I'm not involved in anymore.",
    ),
    (
        "Editor",
        ["editor"],
        "Markdown tables in the editor",
        "The editor is smooth and fast, love it. Markdown tables would make specs much easier.",
    ),
    (
        "Editor",
        ["editor"],
        "Autosave lost my changes",
        "I lost an hour of work when the page reloaded. Autosave didn't save anything. Really upset about this.",
    ),
    (
        "Editor",
        ["editor"],
        "Paste images from clipboard",
        "Pasting a screenshot directly into the editor doesn't work; I have to save and upload it.",
    ),
    (
        "Editor",
        [],
        "Dark mode",
        "Dark mode please! My eyes would thank you during late release nights.",
    ),
    (
        "Editor",
        [],
        "Keyboard shortcuts are great",
        "Just wanted to say the keyboard shortcuts are brilliant, our PMs triage twice as fast now.",
    ),
]
OPENERS = ["", "Hi team, ", "Quick one: ", "Following up on our call: ", "Hello! ", "FYI - "]
CLOSERS = [
    "",
    " Thanks!",
    " Thanks in advance.",
    " Happy to jump on a call.",
    " This is blocking us.",
    " Not urgent.",
    " Cheers",
]
# Where items come from: (source name, channel, share of items, carries titles)
SOURCES = [
    ("Intercom", Channel.INTERCOM, 0.3, False),
    ("Zendesk", Channel.ZENDESK, 0.25, True),
    ("Web form", Channel.WEB_FORM, 0.12, True),
    ("API", Channel.API, 0.1, True),
    ("Slack #feedback", Channel.SLACK, 0.13, False),
    ("CSV import", Channel.CSV_IMPORT, 0.1, True),
]
ITEM_COUNT = 320
DAYS = 120


def seed_feedback(workspace: Workspace) -> int:
    """Adds the demo feedback to `workspace` once; how many items it added (0 the second time)."""
    if settings.PRODUCTION:
        raise ImproperlyConfigured("Demo data is never seeded with production settings.")
    if FeedbackItem.objects.filter(workspace=workspace, external_id__startswith="demo-").exists():
        return 0
    admin = (
        Membership.objects.select_related("workspace", "user")
        .filter(workspace=workspace, role=Role.ADMIN)
        .order_by("pk")
        .first()
    )
    actor = Actor.for_membership(admin)
    rng = random.Random(20240601)
    for name, domain, plan, segment, revenue in ACCOUNTS:
        account_services.account_upsert(
            actor=actor,
            external_id=f"crm-{domain.split('.')[0]}",
            name=name,
            domain=domain,
            plan=plan,
            segment=segment,
            annual_revenue=Decimal(revenue),
        )
    sources = {}
    for name, channel, _, _ in SOURCES:
        if channel == Channel.WEB_FORM:
            sources[name] = source_services.web_form_set(actor=actor, enabled=True)
        else:
            sources[name] = source_services.source_for_import(
                actor=actor, name=name, channel=channel
            )
    source_services.source_create(actor=actor, name="Typeform survey", channel=Channel.WEBHOOK)

    now = timezone.now()
    batches: dict[str, list[IntakeItem]] = {name: [] for name in sources}
    weights = [share for _, _, share, _ in SOURCES]
    for n in range(ITEM_COUNT):
        source_name, _, _, titled = rng.choices(SOURCES, weights=weights)[0]
        area, tags, title, body = rng.choice(THEMES)
        if rng.random() < 0.12:
            email = f"{rng.choice(PEOPLE)}{rng.randint(1, 99)}@{rng.choice(['gmail.com', 'outlook.com'])}"
        else:
            _, domain, *_ = rng.choice(ACCOUNTS)
            email = f"{rng.choice(PEOPLE)}@{domain}"
        # Recent weeks are busier, as they are in a growing product.
        age = timedelta(days=DAYS * rng.random() ** 1.6, minutes=rng.randrange(24 * 60))
        batches[source_name].append(
            IntakeItem(
                body=f"{rng.choice(OPENERS)}{body}{rng.choice(CLOSERS)}".strip(),
                title=title if titled else "",
                email=email,
                name=email.split("@")[0].capitalize(),
                external_id=f"demo-{n:04d}",
                received_at=now - age,
                tags=tuple(tags) if rng.random() < 0.7 else (),
                product_area=area if rng.random() < 0.6 else "",
            )
        )
    created = 0
    for name, items in batches.items():
        if items:
            created += services.feedback_submit(
                actor=actor, source=sources[name], items=items
            ).created
    processing.feedback_process_pending(workspace_id=workspace.pk)
    _triage_older_items(actor, rng, older_than=now - timedelta(days=21))
    return created


def _triage_older_items(actor: Actor, rng: random.Random, *, older_than) -> None:
    """A living inbox: PMs have been through most of what came in before the last weeks."""
    older = FeedbackItem.objects.filter(
        workspace=actor.workspace, received_at__lt=older_than, status="new"
    ).values_list("pk", "version")
    outcomes: dict[str, dict[int, int]] = {"triaged": {}, "archived": {}, "spam": {}}
    for pk, version in older:
        roll = rng.random()
        if roll < 0.7:
            outcomes["triaged"][pk] = version
        elif roll < 0.85:
            outcomes["archived"][pk] = version
        elif roll < 0.88:
            outcomes["spam"][pk] = version
    for status, versions in outcomes.items():
        if versions:
            feedback_bulk_update(actor=actor, versions=versions, status=status)
