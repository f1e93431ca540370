"""Audit events as sentences: "Ana moved the renewal date from 1 March to 1 April".

The one renderer every history and audit page uses (through `AuditEvent.sentences`). It reads
the shape productops.audit writes: `before` and `after` hold only the fields that changed
(`audit.diff`), `before` is empty for a creation, and values are JSON (dates as ISO text,
money as decimal text, people by name, lists of labels)."""

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from productops.money import format_money

if TYPE_CHECKING:
    from productops.models import AuditEvent

# Fields whose words alone would read oddly.
FIELD_NAMES = {
    "sso_enabled": "SSO",
    "url": "link",
    "auto_renew": "auto-renew",
    "notice_days": "notice period (days)",
    "is_public": "public listing",
    "is_current": "current term",
    "term_months": "term (months)",
    "feedback_source_kinds": "feedback sources",
}
LONG_TEXT = 80  # longer values are "edited", not quoted in full
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
CREATED = {"created", "added", "invited"}
REMOVED = {"deleted", "removed", "revoked"}


def sentences(event: "AuditEvent") -> list[str]:
    """One sentence per thing the event did, each starting with who did it."""
    who = event.actor_label or "Someone"
    noun, _, action = event.verb.rpartition(".")
    special = SPECIAL.get(event.verb)
    if special is not None:
        return [f"{who} {special(event)}"]
    before, after = event.before or {}, event.after or {}
    subject = f"{_words(noun)} {_quoted(event.object_repr)}".strip()
    if action in CREATED and not before:
        return [f"{who} {action} the {subject}"]
    if action in REMOVED and not after:
        return [f"{who} {action} the {subject}"]
    if before:
        changed = [
            _field_change(field, before.get(field), after.get(field), event.created_at.year)
            for field in {**before, **after}
        ]
        return [f"{who} {change}" for change in changed if change]
    what = _action_phrase(noun, action)
    details = [
        _detail(field, value, event.created_at.year)
        for field, value in after.items()
        if _readable(value)
    ]
    return [f"{who} {what}" + (f": {', '.join(details)}" if details else "")]


def _renewal_decided(event: "AuditEvent") -> str:
    after = event.after or {}
    decision = str(after.get("decision", ""))
    text = {
        "renew": "decided to renew",
        "cancel": "decided to cancel at renewal",
        "renegotiate": "decided to renegotiate",
    }.get(decision, f"recorded the renewal decision {decision}")
    seats, price = after.get("target_seats"), after.get("target_annual_cost")
    if price is not None:
        price = format_money(price, after.get("currency", ""))
        target = f"{seats} seats for {price} a year" if seats is not None else f"{price} a year"
        text += f", aiming for {target}"
    reason = after.get("reason")
    return text + (f": {_quoted(reason)}" if reason else "")


def _idea_linked(event: "AuditEvent") -> str:
    after = event.after or {}
    count = len(after.get("items") or [])
    items = "1 feedback item" if count == 1 else f"{count} feedback items"
    note = after.get("note")
    return (
        f"linked {items} to the idea as {str(after.get('importance', '')).lower()}"
        + (f": {_quoted(note)}" if note else "")
    ).replace(" as :", ":")


def _idea_unlinked(event: "AuditEvent") -> str:
    return f"unlinked feedback item #{(event.before or {}).get('item')} from the idea"


def _in_the_retro(event: "AuditEvent") -> str:
    """ " in the retro “Sprint 13 retro”" when the event names the retro: a write on an
    anonymous retro's cards or groups is recorded against the retro, never the card or group
    (planning.services.retro), so only the retro and the prompt can be said, never whose card
    it was."""
    if event.object_type == "planning.planningsession" and event.object_repr:
        return f" in the retro {_quoted(event.object_repr)}"
    return ""


def _reflection(verb: str) -> Callable[["AuditEvent"], str]:
    def sentence(event: "AuditEvent") -> str:
        prompt = (event.after or {}).get("prompt")
        under = f" under {_quoted(prompt)}" if prompt else ""
        return f"{verb} a reflection{under}{_in_the_retro(event)}"

    return sentence


def _reflection_moved(event: "AuditEvent") -> str:
    was, now = (event.before or {}).get("group"), (event.after or {}).get("group")
    if was is None:
        done = "grouped a reflection with another"
    elif now is None:
        done = "took a reflection out of its group"
    else:
        done = "moved a reflection to another group"
    return done + _in_the_retro(event)


def _group_renamed(event: "AuditEvent") -> str:
    was, now = (event.before or {}).get("title"), (event.after or {}).get("title")
    named = f"renamed a group from {_quoted(was)} to {_quoted(now)}" if was else "named a group"
    if not was and now:
        named += f" {_quoted(now)}"
    return named + _in_the_retro(event)


def _prompts_set(event: "AuditEvent") -> str:
    prompts = [str(p) for p in (event.after or {}).get("prompts") or []]
    return "set the retro's prompts" + (
        f": {', '.join(_quoted(p) for p in prompts)}" if prompts else ""
    )


def _note_added(event: "AuditEvent") -> str:
    on_group = (event.after or {}).get("group") is not None
    return "added a discussion note" + (" on a group" if on_group else "")


SPECIAL: dict[str, Callable[["AuditEvent"], str]] = {
    "contract.renewal_decided": _renewal_decided,
    "idea.linked": _idea_linked,
    "idea.unlinked": _idea_unlinked,
    # A retro's cards and groups: said without their ids (numbers mean nothing to a reader)
    # and, in an anonymous retro, without a person (the event has none: "A participant").
    "retro.reflection_added": _reflection("added"),
    "retro.reflection_edited": _reflection("edited"),
    "retro.reflection_deleted": _reflection("deleted"),
    "retro.reflection_moved": _reflection_moved,
    "retro.groups_merged": lambda event: "merged two groups of reflections" + _in_the_retro(event),
    "retro.group_renamed": _group_renamed,
    "retro.note_added": _note_added,
    "retro.prompts_set": _prompts_set,
}


def _field_change(field: str, old: Any, new: Any, year: int) -> str:
    name = FIELD_NAMES.get(field, _words(field))
    if isinstance(new, bool) or isinstance(old, bool):
        return f"turned {name} {'on' if new else 'off'}"
    if isinstance(old, list) or isinstance(new, list):
        return _list_change(name, old or [], new or [])
    if _long(old) or _long(new):
        return f"edited the {name}"
    if _empty(old):
        return f"set the {name} to {_value(new, year)}"
    if _empty(new):
        return f"cleared the {name} (was {_value(old, year)})"
    verb = "moved" if _is_day(old) and _is_day(new) else "changed"
    return f"{verb} the {name} from {_value(old, year)} to {_value(new, year)}"


def _list_change(name: str, old: list, new: list) -> str:
    added = [str(v) for v in new if v not in old]
    removed = [str(v) for v in old if v not in new]
    parts = []
    if added:
        parts.append(f"added {', '.join(added)} to the {name}")
    if removed:
        parts.append(f"removed {', '.join(removed)} from the {name}")
    return " and ".join(parts) or f"reordered the {name}"


def _action_phrase(noun: str, action: str) -> str:
    """ "renewal_decided" -> "decided the renewal"; "voted" on a retro -> "voted on the retro"."""
    words = action.split("_")
    if len(words) > 1 and words[-1].endswith("ed"):
        return f"{words[-1]} the {' '.join(words[:-1])}"
    if len(words) == 1:
        preposition = " on" if action == "voted" else ""
        return f"{action}{preposition} the {_words(noun)}"
    return f"{_words(action)} ({_words(noun)})"


def _detail(field: str, value: Any, year: int) -> str:
    name = FIELD_NAMES.get(field, _words(field))
    if isinstance(value, bool):
        return f"{name} {'on' if value else 'off'}"
    return f"{name} {_value(value, year)}"


def _value(value: Any, year: int) -> str:
    if _is_day(value):
        day = date.fromisoformat(value)
        return f"{day.day} {day:%B}" + ("" if day.year == year else f" {day.year}")
    if isinstance(value, str) and ISO_MOMENT.match(value):
        moment = datetime.fromisoformat(value)
        return f"{moment.day} {moment:%B %Y %H:%M}"
    return str(value)


def _readable(value: Any) -> bool:
    return not _empty(value) and not _long(value) and not isinstance(value, list | dict)


def _is_day(value: Any) -> bool:
    return isinstance(value, str) and bool(ISO_DAY.match(value))


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _long(value: Any) -> bool:
    return isinstance(value, str) and len(value) > LONG_TEXT


def _words(name: str) -> str:
    return name.replace("_", " ").strip()


def _quoted(text: Any) -> str:
    return f"“{text}”" if text else ""
