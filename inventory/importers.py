"""Tools and their contracts by CSV or workbook, through the shared machinery (productops.imports).

One row is a tool and, when it has cost and dates, one contract term. Re-importing the same
file creates nothing: a tool is matched by name (any case), a contract by its tool and term
(start and renewal date); a match with other values is updated through the services, which
audit it; a match with the same values is counted unchanged. Empty cells leave a field as it is.
Dates and amounts are read by their column's rule (productops.imports.values), and every value
passes the bounds the forms and the API use (productops.validation).
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower

from inventory.models import (
    BillingPeriod,
    Contract,
    DataSensitivity,
    Tool,
    ToolStatus,
    term_start,
)
from inventory.services import contracts as contract_services
from inventory.services import tools as tool_services
from productops import validation
from productops.access import Actor
from productops.capabilities import Capability
from productops.imports import (
    UNREADABLE,
    BatchOutcome,
    FieldKind,
    Importer,
    ImportField,
    Layout,
    RowError,
    RowProblems,
)
from productops.imports.values import Money
from productops.models import ImportJob, Membership

PERIODS = {
    "monthly": BillingPeriod.MONTHLY,
    "month": BillingPeriod.MONTHLY,
    "mo": BillingPeriod.MONTHLY,
    "annual": BillingPeriod.ANNUAL,
    "annually": BillingPeriod.ANNUAL,
    "yearly": BillingPeriod.ANNUAL,
    "year": BillingPeriod.ANNUAL,
    "multiyear": BillingPeriod.MULTI_YEAR,
    "multi_year": BillingPeriod.MULTI_YEAR,
    "multi-year": BillingPeriod.MULTI_YEAR,
}
YES = {"yes", "y", "true", "1", "on", "enabled"}
NO = {"no", "n", "false", "0", "off", "disabled"}


def _checked(label: str, bound, value):
    """A value through the bound the forms and the API use; its message as the row's reason."""
    try:
        return bound.clean(value)
    except ValidationError as error:
        raise RowError(f"{label}: {' '.join(error.messages)}") from None


def _flag(label: str, text: str) -> bool:
    word = text.strip().lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise RowError(f"{label} {text!r}: use yes or no.")


def _choice(label: str, text: str, choices) -> str:
    word = text.strip().lower().replace(" ", "_")
    for value, name in choices:
        if word in (value, name.lower().replace(" ", "_")):
            return value
    raise RowError(f"{label} {text!r}: use one of {', '.join(v for v, _ in choices)}.")


def _labels(text: str) -> list[str]:
    return [p.strip().lower() for p in re.split(r"[,;|]", text) if p.strip()]


SNIPE_IT = "Snipe-IT licences"
PERIOD_CHOICES = (
    (BillingPeriod.MONTHLY.value, "Monthly"),
    (BillingPeriod.ANNUAL.value, "Annual"),
    (BillingPeriod.MULTI_YEAR.value, "Multi-year"),
)


class _Link:
    clean = staticmethod(validation.clean_link)


def _shown(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


class ToolImporter(Importer):
    kind = "tools"
    label = "Tools and contracts"
    capability = Capability.MANAGE_TOOLS
    layouts = [
        Layout(
            SNIPE_IT,
            columns=("Name", "Product Key", "Expiration Date", "Seats"),
            mapping={
                "name": "Name",
                "vendor": "Manufacturer",
                "category": "Category",
                "owner": "Licensed to Email",
                "cost": "Purchase Cost",
                "start_date": "Purchase Date",
                "renewal_date": "Expiration Date",
                "seats_bought": "Seats",
                "reference": "Order Number",
                "description": "Notes",
            },
            # Snipe-IT's supplier is the reseller the licence was bought through.
            ignore=("Supplier", "Free Seats", "Licensed to Name", "Product Key"),
        )
    ]
    fields = [
        ImportField("name", "Tool", required=True, aliases=("name", "app", "application")),
        ImportField("category", "Category", required=True, aliases=("type", "function")),
        ImportField("vendor", "Vendor", aliases=("manufacturer", "publisher", "company")),
        ImportField("team", "Team", aliases=("department", "cost centre", "cost center")),
        ImportField("owner", "Owner email", aliases=("owner", "business owner")),
        ImportField("status", "Status", help="evaluating, active, retiring or retired"),
        ImportField("sso_enabled", "SSO", aliases=("sso enabled", "single sign-on")),
        ImportField("data_sensitivity", "Data sensitivity", aliases=("sensitivity",)),
        ImportField("tags", "Tags", help="Separated by commas"),
        ImportField("feedback_source_kinds", "Feeds feedback from", aliases=("feeds",)),
        ImportField("url", "Link", aliases=("url", "website")),
        ImportField("description", "Description", aliases=("notes about the tool",)),
        ImportField("plan", "Plan", aliases=("tier", "edition")),
        ImportField(
            "billing_period",
            "Billing period",
            aliases=("billing", "period", "billing cycle"),
            help="Asked once for every row when the file has no such column.",
            choices=PERIOD_CHOICES,
        ),
        ImportField("term_months", "Term (months)", aliases=("term", "term months")),
        ImportField(
            "cost",
            "Cost per period",
            kind=FieldKind.MONEY,
            aliases=("cost", "price", "amount", "contract value", "purchase cost"),
            help="$13,500.00, €1.200,00, 1.234,56, 12k: the currency from the cell or the "
            "Currency column, else the workspace's.",
        ),
        ImportField("currency", "Currency", help="Three letters; the workspace's when empty"),
        ImportField("seats_bought", "Seats bought", aliases=("seats", "licenses", "licences")),
        ImportField("seats_used", "Seats used", aliases=("active users", "seats in use")),
        ImportField(
            "start_date",
            "Start date",
            kind=FieldKind.DAY,
            aliases=("start", "contract start", "purchase date"),
        ),
        ImportField(
            "renewal_date",
            "Renewal date",
            kind=FieldKind.DAY,
            aliases=("renewal", "end date", "renews", "expiration date", "expires"),
        ),
        ImportField("auto_renew", "Auto-renew", aliases=("auto renew", "autorenew")),
        ImportField("notice_days", "Notice (days)", aliases=("notice", "notice period")),
        ImportField("reference", "Reference", aliases=("po", "po number", "contract number")),
    ]

    def clean_row(self, values: dict, *, job: ImportJob) -> dict:
        v = {k: (text or "").strip() for k, text in values.items() if isinstance(text, str)}
        problems = RowProblems()
        name, category = v.get("name", ""), v.get("category", "")
        if not name:
            problems.add("The tool has no name.")
        if not category:
            problems.add(f"{name or 'The tool'} has no category.")
        if len(name) > 100 or len(category) > 60:
            problems.add("Use at most 100 characters for the name and 60 for the category.")
        tool: dict = {"name": name, "category": category}
        for key in ("vendor", "team", "description"):
            if v.get(key):
                tool[key] = v[key]
        if v.get("url"):
            tool["url"] = problems.check(_checked, "Link", _Link, v["url"])
        if v.get("owner"):
            try:
                validate_email(v["owner"])
                tool["owner"] = v["owner"].lower()
            except ValidationError:
                problems.add(f"Owner {v['owner']!r} is not an email address.")
        if v.get("status"):
            tool["status"] = problems.check(_choice, "Status", v["status"], ToolStatus.choices)
        if v.get("sso_enabled"):
            tool["sso_enabled"] = problems.check(_flag, "SSO", v["sso_enabled"])
        if v.get("data_sensitivity"):
            tool["data_sensitivity"] = problems.check(
                _choice, "Data sensitivity", v["data_sensitivity"], DataSensitivity.choices
            )
        for key in ("tags", "feedback_source_kinds"):
            if v.get(key):
                tool[key] = _labels(v[key])
        unreadable = values.get(UNREADABLE) or set()
        contract = None
        if any(values.get(k) or k in unreadable for k in ("cost", "renewal_date")) or (
            v.get("billing_period") and "billing_period" in job.mapping
        ):
            contract = problems.check(_contract, values, v, derive_start=_no_start(job.mapping))
        problems.raise_any()
        return {"tool": tool, "contract": contract}

    def mapping_notes(self, mapping: dict[str, str]) -> list[str]:
        if not _no_start(mapping) or not any(mapping.get(k) for k in ("cost", "renewal_date")):
            return []
        return [
            "The file has no start date column: each contract is stored as starting one "
            "billing period before its renewal date (a month, a year, or a multi-year "
            "contract's term), so importing the file again finds the same contracts. Map a "
            "start date column to store the real dates."
        ]

    def stored(self, cleaned: dict) -> dict[str, str]:
        shown = {k: _shown(value) for k, value in cleaned["tool"].items()}
        contract = cleaned["contract"] or {}
        shown |= {
            k: _shown(value) for k, value in contract.items() if k not in ("currency", DERIVED)
        }
        if contract:  # the cost names its currency: no column of its own
            shown["cost"] = f"{contract['cost']} {contract['currency']}"
        if contract.get(DERIVED):
            shown["start_date"] += " (derived)"  # the mapping step says how
        return shown

    def preview_notes(self, rows, *, job: ImportJob) -> dict[int, str]:
        """Rows whose owner is not a member: the preview says so instead of a ✓."""
        owners = _owners(job.workspace, rows)
        return {
            number: _without_owner(row["tool"]["owner"])
            for number, row in rows
            if "owner" in row["tool"] and row["tool"]["owner"] not in owners
        }

    def save_rows(self, rows, *, actor: Actor, job: ImportJob) -> BatchOutcome:
        outcome = BatchOutcome()
        workspace = actor.workspace
        names = [row["tool"]["name"].lower() for _, row in rows]
        tools = {
            t.name.lower(): t
            for t in Tool.objects.annotate(lower_name=Lower("name"))
            .filter(workspace=workspace, lower_name__in=names)
            .select_related("owner__user")
        }
        owners = _owners(workspace, rows)
        seen: set[str] = set()
        for number, row in rows:
            key = row["tool"]["name"].lower()
            if key in seen:
                outcome.errors.append(
                    (number, f"{row['tool']['name']} appears twice in this file.")
                )
                continue
            seen.add(key)
            fields = dict(row["tool"])
            stranger = ""
            if "owner" in fields:
                email = fields.pop("owner")
                if email in owners:
                    fields["owner"] = owners[email]
                else:
                    stranger = email
            try:
                tool, tool_result = _save_tool(actor, tools.get(key), fields)
                contract_result = (
                    _save_contract(actor, tool, row["contract"]) if row["contract"] else None
                )
            except ValidationError as error:
                outcome.errors.append((number, " ".join(error.messages)))
                continue
            if stranger:
                outcome.notes.append((number, _without_owner(stranger)))
            results = {tool_result, contract_result}
            if "created" in results:
                outcome.created += 1
            elif "updated" in results:
                outcome.updated += 1
            else:
                outcome.unchanged += 1
        return outcome


# Marks a contract whose start date was worked out from its renewal (the file has no start date
# column); not a contract field.
DERIVED = "start_date_derived"


def _no_start(mapping: dict[str, str]) -> bool:
    return not mapping.get("start_date")


def _contract(values: dict, v: dict, *, derive_start: bool) -> dict:
    """A row's contract term; raises RowError naming every problem. Without a start date
    column (`derive_start`) the term starts one billing period before its renewal date."""
    problems = RowProblems()
    unreadable = values.get(UNREADABLE) or set()
    missing = [
        label
        for key, label in (
            ("billing_period", "billing period"),
            ("cost", "cost"),
            ("start_date", "start date"),
            ("renewal_date", "renewal date"),
        )
        if not values.get(key)
        and key not in unreadable  # named already, as unreadable
        and not (key == "start_date" and derive_start)
    ]
    if missing:
        problems.add(f"The contract needs its {', '.join(missing)}.")
    period = None
    if v.get("billing_period"):
        period = PERIODS.get(v["billing_period"].lower().replace(" ", ""))
        if period is None:
            problems.add(
                f"Billing period {v['billing_period']!r}: use monthly, annual or multi-year."
            )
    money: Money | None = values.get("cost")
    if money is not None and money.amount < 0:
        problems.add("Cost cannot be negative.")
    days = {
        key: problems.check(_checked, label, validation.CONTRACT_DAY, values[key])
        if values.get(key)
        else None
        for key, label in (("start_date", "Start date"), ("renewal_date", "Renewal date"))
    }
    contract: dict = {
        "billing_period": period,
        "cost": money.amount if money else None,
        "currency": money.currency if money else None,
        **days,
    }
    for key, label in (("plan", "Plan"), ("reference", "Reference")):
        if v.get(key):
            if len(v[key]) > 100:  # the row is refused saying so, never imported cut
                problems.add(f"{label}: at most 100 characters; this has {len(v[key]):,}.")
            contract[key] = v[key]
    if v.get("currency") and not re.fullmatch(r"[A-Za-z]{3}", v["currency"]):
        problems.add(f"Currency {v['currency']!r}: use three letters, e.g. EUR.")
    for key, label, bound in (
        ("term_months", "Term", validation.TERM_MONTHS),
        ("seats_bought", "Seats bought", validation.SEATS),
        ("seats_used", "Seats used", validation.SEATS),
        ("notice_days", "Notice", validation.NOTICE_DAYS),
    ):
        if v.get(key):
            contract[key] = problems.check(_checked, label, bound, v[key])
    if v.get("auto_renew"):
        contract["auto_renew"] = problems.check(_flag, "Auto-renew", v["auto_renew"])
    if period == BillingPeriod.MULTI_YEAR and not v.get("term_months"):
        problems.add("A multi-year contract needs its term in months (over 12).")
    start, renewal = contract["start_date"], contract["renewal_date"]
    term = contract.get("term_months")
    if start is None and derive_start and renewal and period and not problems.reasons:
        start = contract["start_date"] = term_start(renewal, period, term)
        contract[DERIVED] = True
    if start and renewal and renewal <= start:
        problems.add("The renewal date must come after the start date.")
    problems.raise_any()
    return contract


def _save_tool(actor: Actor, tool: Tool | None, fields: dict) -> tuple[Tool, str]:
    if tool is None:
        return tool_services.tool_create(actor=actor, **fields), "created"
    changes = {k: v for k, v in fields.items() if getattr(tool, k) != v}
    if not changes:
        return tool, "unchanged"
    return (
        tool_services.tool_update(actor=actor, tool=tool, expected_version=tool.version, **changes),
        "updated",
    )


def _save_contract(actor: Actor, tool: Tool, terms: dict) -> str:
    terms = {"currency": actor.workspace.currency, **terms}
    terms.pop(DERIVED, None)
    existing = Contract.objects.filter(
        workspace=actor.workspace,
        tool=tool,
        start_date=terms["start_date"],
        renewal_date=terms["renewal_date"],
    ).first()
    if existing is None:
        current = Contract.objects.filter(
            workspace=actor.workspace, tool=tool, is_current=True
        ).first()
        # An older term from the file is history; a later one replaces the current contract.
        make_current = current is None or terms["renewal_date"] >= current.renewal_date
        contract_services.contract_create(
            actor=actor, tool=tool, make_current=make_current, **terms
        )
        return "created"
    changes = {k: v for k, v in terms.items() if getattr(existing, k) != v}
    if not changes:
        return "unchanged"
    contract_services.contract_update(
        actor=actor, contract=existing, expected_version=existing.version, **changes
    )
    return "updated"


def _owners(workspace, rows) -> dict[str, Membership]:
    """The members named as owners by the rows, by lower-case email; one query."""
    emails = {row["tool"]["owner"] for _, row in rows if "owner" in row["tool"]}
    if not emails:
        return {}
    return {
        m.user.email.lower(): m
        for m in Membership.objects.filter(
            workspace=workspace, user__email__in=emails
        ).select_related("user")
    }


def _without_owner(email: str) -> str:
    return (
        f"Imported without an owner: {email} is not a member of this workspace. "
        "Invite them, then set the tool's owner."
    )
