"""Random sequences of real writes through the domain services (which write the change marks
the dashboards read), for the tests that hold rollups equal to a recount."""

import contextlib
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils import timezone

from feedback.intake_item import IntakeItem
from feedback.models import Account, FeedbackItem, FeedbackMerge, Idea, IdeaLink, Status
from feedback.services import accounts as account_services
from feedback.services import ideas as idea_services
from feedback.services import intake, processing, sources, triage, triage_bulk, triage_merges
from inventory.models import Contract, Tool
from inventory.services import contracts, tools
from planning.models import AgendaItem, PlanningSession, SessionKind
from planning.selectors.sessions import AGENDA_STATUS_CATEGORIES
from planning.services import agenda as planning_agenda
from planning.services import decisions as planning_decisions
from planning.services import sessions as planning_services
from productops import clock
from productops.access import Actor
from productops.errors import StaleEdit

DOMAINS = ["acme.test", "globex.test", "initech.test", "umbrella.test", "gmail.com"]
AREAS = ["Billing", "Reports", "Mobile", ""]
SEGMENTS = ["Enterprise", "Mid-market", "SMB", ""]
CATEGORIES = ["Analytics", "Design", "Support"]
TEAMS = ["Product", "Growth", ""]
BODIES = [
    "The export is broken and slow, please fix it",
    "Love the new reports, great work",
    "Please add a dark mode to the mobile app",
    "Billing page is confusing and the invoice is wrong",
    "Would like SSO support for our team",
]


def near_midnight(rng: random.Random) -> datetime:
    """A moment within an hour of some midnight in UTC or in Auckland/Los Angeles (so the
    same item falls on different days in different zones), in the last 40 days."""
    day = timezone.now().date() - timedelta(days=rng.randint(0, 40))
    midnight_utc = datetime(day.year, day.month, day.day, tzinfo=UTC)
    offset = rng.choice([0, -13, 8, 12])  # hours: UTC, Auckland (NZDT), Los Angeles, Auckland-ish
    return midnight_utc + timedelta(hours=offset, minutes=rng.randint(-59, 59))


class Writer:
    def __init__(self, actor: Actor, seed: int) -> None:
        self.actor = actor
        self.workspace = actor.workspace
        self.rng = random.Random(seed)
        self.source = sources.source_for_api(actor=actor, name="API")
        self.statuses = idea_services.idea_statuses_create_defaults(actor=actor)

    # Feedback

    def intake(self) -> None:
        rng = self.rng
        items = [
            IntakeItem(
                body=f"{rng.choice(BODIES)} #{rng.randint(1, 10**9)}",
                email=f"p{rng.randint(1, 12)}@{rng.choice(DOMAINS)}",
                received_at=near_midnight(rng),
                product_area=rng.choice(AREAS),
            )
            for _ in range(rng.randint(1, 4))
        ]
        intake.feedback_submit(actor=self.actor, source=self.source, items=items)

    def process(self) -> None:
        processing.feedback_process_pending(workspace_id=self.workspace.pk)

    def _pick[M: Model](self, rows: QuerySet[M]) -> M | None:
        """One row chosen by the writer's seed (not the database's random order), so a seed
        replays the same sequence of writes."""
        ids = list(rows.order_by("pk").values_list("pk", flat=True))
        return rows.get(pk=self.rng.choice(ids)) if ids else None

    def _item(self) -> FeedbackItem | None:
        return self._pick(FeedbackItem.objects.filter(workspace=self.workspace))

    def triage(self) -> None:
        item = self._item()
        if item is None or item.duplicate_of_id:
            return
        status = self.rng.choice(
            [Status.TRIAGED, Status.TRIAGED, Status.ARCHIVED, Status.NEW, Status.SPAM]
        )
        if item.status == status:
            return
        triage.feedback_update(
            actor=self.actor, item=item, expected_version=item.version, status=status
        )

    def bulk(self) -> None:
        """One status for a few items at once (the inbox's bulk bar), then perhaps undone."""
        items = [item for item in (self._item() for _ in range(3)) if item is not None]
        status = self.rng.choice([Status.TRIAGED, Status.ARCHIVED, Status.SPAM, Status.NEW])
        versions = {item.pk: item.version for item in items}
        before = {item.pk: {"status": item.status} for item in items}
        result = triage_bulk.feedback_bulk_update(
            actor=self.actor, versions=versions, status=status
        )
        if self.rng.random() < 0.3:
            reverts = {row.pk: (row.version, before[row.pk]) for row in result.updated}
            triage_bulk.feedback_bulk_revert(actor=self.actor, reverts=reverts)

    def merge(self) -> None:
        original, duplicate = self._item(), self._item()
        if not original or not duplicate or original.pk == duplicate.pk:
            return
        with contextlib.suppress(ValidationError, StaleEdit):
            triage_merges.feedback_merge(actor=self.actor, original=original, duplicate=duplicate)

    def unmerge(self) -> None:
        merge = self._pick(FeedbackMerge.objects.filter(workspace=self.workspace, undone_at=None))
        if merge is None:
            return
        with contextlib.suppress(ValidationError):
            triage_merges.feedback_unmerge(actor=self.actor, merge=merge)

    # Ideas

    def _idea(self, *, for_agenda: bool = False) -> Idea | None:
        ideas = Idea.objects.filter(workspace=self.workspace, merged_into=None)
        if for_agenda:  # a session starts with an idea that may go on an agenda
            ideas = ideas.filter(status__category__in=AGENDA_STATUS_CATEGORIES)
        return self._pick(ideas)

    def idea(self) -> None:
        idea_services.idea_create(
            actor=self.actor,
            title=f"Idea {self.rng.randint(1, 10**6)}",
            owner=self.actor.user,
        )

    def link(self) -> None:
        idea, item = self._idea(), self._item()
        if idea is None or item is None:
            return
        with contextlib.suppress(ValidationError):
            idea_services.idea_link(actor=self.actor, idea=idea, items=[item])

    def unlink(self) -> None:
        link = self._pick(IdeaLink.objects.filter(workspace=self.workspace))
        if link is not None:
            idea_services.idea_unlink(actor=self.actor, link=link)

    def idea_status(self) -> None:
        idea = self._idea()
        if idea is None:
            return
        status = self.rng.choice(self.statuses)
        idea_services.idea_update(
            actor=self.actor, idea=idea, expected_version=idea.version, status=status
        )

    def idea_merge(self) -> None:
        idea, into = self._idea(), self._idea()
        if idea and into and idea.pk != into.pk:
            with contextlib.suppress(ValidationError):
                idea_services.idea_merge(actor=self.actor, idea=idea, into=into)

    # Accounts: a segment or revenue change recounts every day and idea that counts them

    def account_change(self) -> None:
        account = self._pick(Account.objects.filter(workspace=self.workspace))
        if account is None:
            return
        rng = self.rng
        account_services.account_upsert(
            actor=self.actor,
            external_id=account.external_id,
            domain=account.domain,
            segment=rng.choice(SEGMENTS),
            annual_revenue=Decimal(rng.randint(0, 900) * 1000),
        )

    # Planning decisions (in sessions whose periods start in different quarters)

    def _session(self) -> PlanningSession:
        session = self._pick(
            PlanningSession.objects.filter(workspace=self.workspace, state="running")
        )
        if session is not None and self.rng.random() < 0.7:
            return session
        idea = self._idea(for_agenda=True) or idea_services.idea_create(
            actor=self.actor, title="Seed idea"
        )
        start = clock.workspace_today(self.workspace) - timedelta(days=self.rng.randint(0, 400))
        session = planning_services.session_create(
            actor=self.actor,
            kind=SessionKind.PRIORITISATION,
            settings=planning_services.SessionSettings(
                title=f"Planning {self.rng.randint(1, 10**6)}",
                period_start=start if self.rng.random() < 0.7 else None,
                period_end=start + timedelta(days=90) if self.rng.random() < 0.7 else None,
            ),
        )
        planning_agenda.agenda_add(actor=self.actor, session=session, idea=idea)
        planning_services.session_start(actor=self.actor, session=session)
        return session

    def decide(self, outcome: str | None = None) -> None:
        """A decision on an idea (`outcome` or a random one) in a running session."""
        session = self._session()
        idea = self._idea()
        on_agenda = AgendaItem.objects.filter(session=session, idea=idea).first()
        with contextlib.suppress(ValidationError):
            item = on_agenda or planning_agenda.agenda_add(
                actor=self.actor, session=session, idea=idea
            )
            outcome = outcome or self.rng.choice(["commit", "commit", "reject", "defer"])
            planning_decisions.decision_record(
                actor=self.actor,
                session=PlanningSession.objects.get(pk=session.pk),
                item=item,
                outcome=outcome,
                defer_until=clock.workspace_today(self.workspace) + timedelta(days=60)
                if outcome == "defer"
                else None,
            )

    def replan(self) -> None:
        """A running session's period moves: its decisions count in another quarter."""
        session = self._pick(
            PlanningSession.objects.filter(workspace=self.workspace, state="running")
        )
        if session is None:
            return
        start = clock.workspace_today(self.workspace) - timedelta(days=self.rng.randint(0, 400))
        planning_services.session_update(
            actor=self.actor,
            session=session,
            settings=planning_services.SessionSettings(
                title=session.title,
                period_start=start,
                period_end=start + timedelta(days=90),
                scoring_model=session.scoring_model,
            ),
        )

    # Tools

    def tool(self) -> None:
        rng = self.rng
        tool = tools.tool_create(
            actor=self.actor,
            name=f"Tool {rng.randint(1, 10**9)}",
            category=rng.choice(CATEGORIES),
            team=rng.choice(TEAMS),
        )
        today = clock.workspace_today(self.workspace)
        start = today - timedelta(days=rng.randint(0, 500))
        contracts.contract_create(
            actor=self.actor,
            tool=tool,
            billing_period=rng.choice(["monthly", "annual", "multi_year"]),
            term_months=rng.choice([24, 36]),
            cost=Decimal(rng.randint(10, 5000)),
            currency=rng.choice(["USD", "EUR", "XXX"]),  # XXX: no budget rate
            start_date=start,
            renewal_date=start + timedelta(days=rng.randint(30, 730)),
            seats_bought=rng.randint(0, 50),
            seats_used=rng.randint(0, 50),
        )

    def _tool(self) -> Tool | None:
        return self._pick(Tool.objects.filter(workspace=self.workspace))

    def tool_change(self) -> None:
        tool = self._tool()
        if tool is None:
            return
        change = self.rng.choice(["category", "status", "team"])
        value = {
            "category": self.rng.choice(CATEGORIES),
            "status": self.rng.choice(["active", "retired", "retiring"]),
            "team": self.rng.choice(TEAMS),
        }[change]
        tools.tool_update(
            actor=self.actor, tool=tool, expected_version=tool.version, **{change: value}
        )

    def contract_change(self) -> None:
        contract = self._pick(Contract.objects.filter(workspace=self.workspace, is_current=True))
        if contract is None:
            return
        rng = self.rng
        if rng.random() < 0.3:
            decision = rng.choice(["renew", "cancel", "renegotiate"])
            # A renegotiation names its target (seats only when sold by the seat).
            targets = (
                {
                    "target_annual_cost": Decimal(rng.randint(0, 5000)),
                    "target_seats": contract.seats_bought or None,
                }
                if decision == "renegotiate"
                else {}
            )
            contracts.renewal_decide(
                actor=self.actor,
                contract=contract,
                decision=decision,
                reason="Random",
                **targets,
            )
        else:
            contracts.contract_update(
                actor=self.actor,
                contract=contract,
                expected_version=contract.version,
                cost=Decimal(rng.randint(10, 5000)),
                seats_bought=rng.randint(0, 60),
            )

    def usage(self) -> None:
        tool = self._tool()
        if tool is not None:
            contracts.usage_record(
                actor=self.actor,
                tool=tool,
                taken_on=clock.workspace_today(self.workspace)
                - timedelta(days=self.rng.randint(0, 90)),
                seats_used=self.rng.randint(0, 40),
            )

    STEPS = (
        ("intake", 6),
        ("process", 2),
        ("triage", 5),
        ("bulk", 2),
        ("merge", 2),
        ("unmerge", 1),
        ("idea", 1),
        ("link", 4),
        ("unlink", 1),
        ("idea_status", 2),
        ("idea_merge", 1),
        ("tool", 2),
        ("tool_change", 2),
        ("contract_change", 2),
        ("usage", 2),
        ("account_change", 2),
        ("decide", 2),
        ("replan", 1),
    )

    def step(self) -> str:
        names = [name for name, _ in self.STEPS]
        weights = [weight for _, weight in self.STEPS]
        name = self.rng.choices(names, weights)[0]
        getattr(self, name)()
        return name


def today_utc() -> date:
    return timezone.now().date()
