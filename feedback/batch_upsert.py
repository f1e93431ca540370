"""Storing incoming feedback set-based: a constant number of queries per batch, not per row.

Every channel (API, webhook, web form, CSV import, manual entry) ends here, inside the caller's
transaction. Items with an external id are upserted on (workspace, source, external_id): the
same item sent again is the same row, updated when something it says changed, untouched when
nothing did. Contacts and accounts are matched or created in bulk for the whole batch.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection
from django.db.models.functions import Lower
from django.utils import timezone
from psycopg2.extras import execute_values

from feedback.intake_item import IntakeItem, company_domain, name_from_domain, normalise_domain
from feedback.models import Account, Contact, FeedbackItem, ProductArea, Source, Status, Tag
from feedback.services import status_counts
from productops import clock
from productops.audit import mark_buckets
from productops.models import Workspace

CREATED, UPDATED, UNCHANGED, ERROR = "created", "updated", "unchanged", "error"


@dataclass
class ItemOutcome:
    index: int
    result: str  # created, updated, unchanged or error
    item_id: int | None = None
    external_id: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    same_as: int | None = None  # for a repeat within one batch: the index of the first


def every_outcome(outcomes: list[ItemOutcome | None]) -> list[ItemOutcome]:
    """The outcomes of a batch once each item has one; a slot left empty is a bug (raise)."""
    done = [outcome for outcome in outcomes if outcome is not None]
    if len(done) != len(outcomes):
        raise RuntimeError(f"{len(outcomes) - len(done)} of the batch's items have no outcome.")
    return done


@dataclass(frozen=True)
class Person:
    """Who sent one item, as far as the channel knows; `trusted` channels may create accounts."""

    email: str = ""
    name: str = ""
    account_external_id: str = ""
    account_name: str = ""
    account_domain: str = ""
    trusted: bool = True


def resolve_people(
    workspace: Workspace, people: Sequence[Person]
) -> list[tuple[int | None, int | None]]:
    """(contact id, account id) for each person: matched, or created in bulk where missing.

    Accounts come from the external id, else the company domain (given, or the email's unless it
    is a free-mail address), else the contact's own account. Untrusted channels (the public
    form, where anyone may type any address) match existing accounts but never create one.
    """
    accounts = _resolve_accounts(workspace, people)
    emails = {p.email for p in people if p.email}
    contacts: dict[str, tuple[int, int | None]] = {}
    if emails:
        contacts = _contacts_by_email(workspace, emails)
        missing: dict[str, tuple] = {}
        now = timezone.now()
        for person, account_id in zip(people, accounts, strict=True):
            if person.email and person.email not in contacts and person.email not in missing:
                missing[person.email] = (
                    workspace.pk,
                    person.email,
                    person.name[:200],
                    account_id,
                    now,
                )
        if missing:
            with connection.cursor() as cursor:
                inserted = execute_values(
                    cursor,
                    "INSERT INTO feedback_contact"
                    " (workspace_id, email, name, external_id, account_id, created_at)"
                    " VALUES %s ON CONFLICT DO NOTHING RETURNING email, id, account_id",
                    list(missing.values()),
                    template="(%s::bigint, %s, %s, '', %s::bigint, %s::timestamptz)",
                    page_size=len(missing),
                    fetch=True,
                )
            contacts |= {email: (pk, account_id) for email, pk, account_id in inserted}
            taken = set(missing) - contacts.keys()  # a concurrent writer created them first
            if taken:
                contacts |= _contacts_by_email(workspace, taken)
        # Known contacts without an account get the one this batch found for them.
        adopt = {}
        for person, account_id in zip(people, accounts, strict=True):
            if person.email and account_id:
                contact_id, current = contacts[person.email]
                if current is None:
                    adopt[contact_id] = account_id
                    contacts[person.email] = (contact_id, account_id)
        if adopt:
            with connection.cursor() as cursor:
                execute_values(
                    cursor,
                    "UPDATE feedback_contact c SET account_id = v.account_id"
                    " FROM (VALUES %s) AS v(id, account_id)"
                    " WHERE c.id = v.id AND c.account_id IS NULL",
                    list(adopt.items()),
                    template="(%s::bigint, %s::bigint)",
                )
    resolved: list[tuple[int | None, int | None]] = []
    for person, account_id in zip(people, accounts, strict=True):
        matched, contact_account = contacts.get(person.email) or (None, None)
        resolved.append((matched, account_id or contact_account))
    return resolved


def _contacts_by_email(workspace: Workspace, emails: set[str]) -> dict[str, tuple[int, int | None]]:
    rows = Contact.objects.filter(workspace=workspace, email__in=emails).values_list(
        "email", "pk", "account_id"
    )
    return {email: (pk, account_id) for email, pk, account_id in rows}


def _domain_of(person: Person) -> str:
    if person.account_domain:
        return normalise_domain(person.account_domain)
    return company_domain(person.email)


def _resolve_accounts(workspace: Workspace, people: Sequence[Person]) -> list[int | None]:
    external_ids = {p.account_external_id for p in people if p.account_external_id}
    domains = {d for d in map(_domain_of, people) if d}
    by_external_id = _accounts_by("external_id", workspace, external_ids)
    by_domain = _accounts_by("domain", workspace, domains)

    new_by_external_id: dict[str, Account] = {}
    claimed_domains = set(by_domain)
    for person in people:
        key = person.account_external_id
        if not key or key in by_external_id or key in new_by_external_id or not person.trusted:
            continue
        domain = _domain_of(person)
        if domain in claimed_domains:
            domain = ""  # the domain belongs to another account: keep it there
        claimed_domains.add(domain)
        new_by_external_id[key] = Account(
            workspace=workspace,
            external_id=key[:100],
            name=(person.account_name or name_from_domain(domain) or key)[:200],
            domain=domain,
        )
    if new_by_external_id:
        Account.objects.bulk_create(new_by_external_id.values(), ignore_conflicts=True)
        by_external_id = _accounts_by("external_id", workspace, external_ids)
        lost = [key for key in new_by_external_id if key not in by_external_id]
        if lost:  # a concurrent writer took a domain first: create these without one
            Account.objects.bulk_create(
                [
                    Account(workspace=workspace, external_id=k, name=new_by_external_id[k].name)
                    for k in lost
                ],
                ignore_conflicts=True,
            )
            by_external_id = _accounts_by("external_id", workspace, external_ids)
        by_domain = _accounts_by("domain", workspace, domains)

    new_by_domain: dict[str, Account] = {}
    for person in people:
        domain = _domain_of(person)
        if (
            person.trusted
            and domain
            and not person.account_external_id
            and domain not in by_domain
            and domain not in new_by_domain
        ):
            new_by_domain[domain] = Account(
                workspace=workspace,
                domain=domain,
                name=(person.account_name or name_from_domain(domain))[:200],
            )
    if new_by_domain:
        Account.objects.bulk_create(new_by_domain.values(), ignore_conflicts=True)
        by_domain = _accounts_by("domain", workspace, domains)

    found = []
    for person in people:
        account_id = (
            by_external_id.get(person.account_external_id) if person.account_external_id else None
        )
        found.append(account_id or by_domain.get(_domain_of(person)))
    return found


def _accounts_by(column: str, workspace: Workspace, keys: set[str]) -> dict[str, int]:
    if not keys:
        return {}
    rows = Account.objects.filter(workspace=workspace, **{f"{column}__in": keys})
    return dict(rows.values_list(column, "pk"))


def named_ids[Named: (Tag, ProductArea)](
    model: type[Named], workspace: Workspace, names: Iterable[str]
) -> dict[str, int]:
    """Ids of tags (or product areas) by lower-case name, creating the missing ones as first
    spelled."""
    spelled: dict[str, str] = {}
    for name in names:
        if name.strip():
            spelled.setdefault(name.strip().lower(), name.strip())
    if not spelled:
        return {}
    found = _ids_by_lower_name(model, workspace, set(spelled))
    missing = [name for lowered, name in spelled.items() if lowered not in found]
    if missing:
        model.objects.bulk_create(
            # Whole: intake's check_item held each to its column (tags 60, areas 80); cut to 60,
            # an area of 61 to 80 characters was stored cut and never found again by its name.
            [model(workspace=workspace, name=name) for name in missing],
            ignore_conflicts=True,
        )
        found = _ids_by_lower_name(model, workspace, set(spelled))
    return found


def _ids_by_lower_name(model, workspace: Workspace, lowered: set[str]) -> dict[str, int]:
    rows = (
        model.objects.filter(workspace=workspace)
        .annotate(lowered=Lower("name"))
        .filter(lowered__in=lowered)
        .values_list("lowered", "pk")
    )
    return dict(rows)


_INSERT_COLUMNS = (
    "workspace_id, source_id, external_id, title, body, received_at, contact_id, account_id,"
    " submitter_email, submitter_name, status, product_area_id, rating, priority, sentiment,"
    " sentiment_overridden, version, created_at, updated_at"
)
_ROW = (
    "(%s::bigint, %s::bigint, %s, %s, %s, %s::timestamptz, %s::bigint, %s::bigint, %s, %s, %s,"
    " %s::bigint, %s::smallint, 0, '', false, 1, %s::timestamptz, %s::timestamptz)"
)
# What the sender says that the background processing reads: a change re-queues it.
_PROCESSED_CHANGED = """(t.title, t.body, t.received_at, t.submitter_email, t.submitter_name,
       t.contact_id, t.account_id)
    IS DISTINCT FROM
      (EXCLUDED.title, EXCLUDED.body, EXCLUDED.received_at, EXCLUDED.submitter_email,
       EXCLUDED.submitter_name, COALESCE(EXCLUDED.contact_id, t.contact_id),
       COALESCE(EXCLUDED.account_id, t.account_id))"""
# An update only when something the sender says changed. A star rating left out (NULL) keeps
# the one stored; a rating alone changing updates the item (so a re-import that corrects it
# says so) without re-queueing the processing, which never reads it.
_UPSERT = f"""
INSERT INTO feedback_feedbackitem AS t ({_INSERT_COLUMNS}) VALUES %s
ON CONFLICT (workspace_id, source_id, external_id) WHERE NOT external_id = ''
DO UPDATE SET
    title = EXCLUDED.title, body = EXCLUDED.body, received_at = EXCLUDED.received_at,
    submitter_email = EXCLUDED.submitter_email, submitter_name = EXCLUDED.submitter_name,
    contact_id = COALESCE(EXCLUDED.contact_id, t.contact_id),
    account_id = COALESCE(EXCLUDED.account_id, t.account_id),
    rating = COALESCE(EXCLUDED.rating, t.rating),
    version = t.version + 1, updated_at = EXCLUDED.updated_at,
    processed_at = CASE WHEN {_PROCESSED_CHANGED} THEN NULL ELSE t.processed_at END
WHERE {_PROCESSED_CHANGED}
   OR t.rating IS DISTINCT FROM COALESCE(EXCLUDED.rating, t.rating)
RETURNING id, external_id, (xmax = 0) AS inserted
"""
_INSERT = f"INSERT INTO feedback_feedbackitem ({_INSERT_COLUMNS}) VALUES %s RETURNING id"


def store_items(
    workspace: Workspace, source: Source, items: Sequence[IntakeItem], *, trusted: bool = True
) -> list[ItemOutcome]:
    """Stores `items` of `source`; one outcome per item, in order. Call inside a transaction."""
    now = timezone.now()
    outcomes: list[ItemOutcome | None] = [None] * len(items)
    first_index: dict[str, int] = {}
    keep: list[int] = []
    for index, item in enumerate(items):
        key = item.external_id
        if key and key in first_index:
            outcomes[index] = ItemOutcome(
                index,
                ERROR,
                external_id=key,
                errors={"external_id": [f"{key!r} was already given earlier in this batch."]},
                same_as=first_index[key],
            )
            continue
        if key:
            first_index[key] = index
        keep.append(index)
    if not keep:
        return every_outcome(outcomes)

    people = resolve_people(
        workspace,
        [
            Person(
                email=items[i].email,
                name=items[i].name,
                account_external_id=items[i].account_external_id,
                account_name=items[i].account_name,
                account_domain=items[i].account_domain,
                trusted=trusted,
            )
            if items[i].status != Status.SPAM
            else Person()  # spam names no one
            for i in keep
        ],
    )
    known = (
        dict(
            FeedbackItem.objects.filter(
                workspace=workspace, source=source, external_id__in=list(first_index)
            ).values_list("external_id", "received_at")
        )
        if first_index
        else {}
    )
    areas = named_ids(ProductArea, workspace, [items[i].product_area for i in keep])
    tag_ids = named_ids(Tag, workspace, [t for i in keep for t in items[i].tags])

    # (index in `items`, the row's values in INSERT order)
    keyed: list[tuple[int, tuple[object, ...]]] = []
    unkeyed: list[tuple[int, tuple[object, ...]]] = []
    received: dict[int, datetime] = {}
    for (contact_id, account_id), index in zip(people, keep, strict=True):
        item = items[index]
        moment = item.received_at or known.get(item.external_id) or now
        received[index] = moment
        row = (
            workspace.pk,
            source.pk,
            item.external_id,
            item.title,
            item.body,
            moment,
            contact_id,
            account_id,
            item.email,
            item.name,
            item.status,
            areas.get(item.product_area.strip().lower()) if item.product_area else None,
            item.rating,
            now,
            now,
        )
        (keyed if item.external_id else unkeyed).append((index, row))

    days: set[date] = set()
    created_ids: dict[int, int] = {}
    with connection.cursor() as cursor:
        if unkeyed:
            ids = execute_values(
                cursor,
                _INSERT,
                [r for _, r in unkeyed],
                template=_ROW,
                page_size=len(unkeyed),
                fetch=True,
            )
            for (index, _), (pk,) in zip(unkeyed, ids, strict=True):
                outcomes[index] = ItemOutcome(index, CREATED, pk)
                created_ids[index] = pk
                days.add(clock.workspace_date(workspace, received[index]))
        if keyed:
            changed = execute_values(
                cursor,
                _UPSERT,
                [r for _, r in keyed],
                template=_ROW,
                page_size=len(keyed),
                fetch=True,
            )
            by_key = {key: (pk, inserted) for pk, key, inserted in changed}
            unchanged_keys = [
                items[i].external_id for i, _ in keyed if items[i].external_id not in by_key
            ]
            unchanged_ids = (
                dict(
                    FeedbackItem.objects.filter(
                        workspace=workspace, source=source, external_id__in=unchanged_keys
                    ).values_list("external_id", "pk")
                )
                if unchanged_keys
                else {}
            )
            for index, _ in keyed:
                key = items[index].external_id
                if key in by_key:
                    pk, inserted = by_key[key]
                    outcomes[index] = ItemOutcome(index, CREATED if inserted else UPDATED, pk, key)
                    days.add(clock.workspace_date(workspace, received[index]))
                    if inserted:
                        created_ids[index] = pk
                    elif key in known:
                        days.add(
                            clock.workspace_date(workspace, known[key])
                        )  # it may have moved to another day
                else:
                    outcomes[index] = ItemOutcome(index, UNCHANGED, unchanged_ids.get(key), key)
        # Tags given at intake label new items; later sends never undo a PM's tagging.
        through = [
            (pk, tag_ids[name.strip().lower()])
            for index, pk in created_ids.items()
            for name in items[index].tags
            if name.strip()
        ]
        if through:
            execute_values(
                cursor,
                "INSERT INTO feedback_feedbackitem_tags (feedbackitem_id, tag_id) VALUES %s"
                " ON CONFLICT DO NOTHING",
                through,
                page_size=len(through),
            )
    status_counts.add(workspace, Counter(items[index].status for index in created_ids))
    mark_days(workspace, days)
    return every_outcome(outcomes)


def mark_days(workspace: Workspace, days: set[date]) -> None:
    """Change marks for dashboards, one per received day, in one statement."""
    mark_buckets(workspace, "feedback", [d.isoformat() for d in days])
