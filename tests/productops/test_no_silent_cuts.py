"""No list, page or search box cuts what it was sent (DESIGN.md "Bad input": a value is never
silently changed). Every GET URL of the access matrix is sent each parameter any of them reads,
far past any limit; each parameter a view actually reads must be refused with a 400 naming it,
never answered with a page built on a cut (or ignored) value."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import django_filters
import pytest
from django.core.exceptions import ValidationError
from django.urls import get_resolver
from django.utils.datastructures import MultiValueDict

from productops.filters import TextFilter
from tests.conftest import signed_in
from tests.productops.test_no_server_errors import GET_URLS

__all__ = ["url_values"]  # the fixture, shared with the access matrix
from tests.productops.test_access_matrix import concrete, url_patterns, url_values

LONG = "x" * 5_000
# Every free-text parameter a list, page or search box reads (a number, a date or a choice is
# refused as not one already).
NAMES = (
    *("q", "segment", "team", "ids", "email", "name", "search", "actor", "verb", "object_type"),
    *("category", "tag", "currency", "plan", "domain", "external_id"),
)


@pytest.fixture
def long_reads(monkeypatch):
    """The names whose over-long value a view read from a query string (Django's QueryDict)."""
    read: set[str] = set()
    get, getitem = MultiValueDict.get, MultiValueDict.__getitem__

    def noting_get(self, key, default=None):
        value = get(self, key, default)
        if value == LONG:
            read.add(key)
        return value

    def noting_getitem(self, key):
        value = getitem(self, key)
        if value == LONG:
            read.add(key)
        return value

    def items(self):  # a copy of the whole query string (a draft's fields) reads no filter
        for key in self:
            yield key, getitem(self, key)

    monkeypatch.setattr(MultiValueDict, "items", items)
    monkeypatch.setattr(MultiValueDict, "get", noting_get)
    monkeypatch.setattr(MultiValueDict, "__getitem__", noting_getitem)
    return read


@pytest.mark.django_db
def test_every_reader_refuses_an_over_long_value_with_a_400_naming_it(
    url_values, admin, long_reads, settings
):
    settings.API_RATE_LIMIT_PER_MINUTE = 100_000
    client = signed_in(admin)
    routes = dict(url_patterns())
    failures = []
    for name in GET_URLS:
        url = concrete(routes[name], url_values(name))
        long_reads.clear()
        client.get(url, dict.fromkeys(NAMES, LONG))
        for parameter in sorted(long_reads):
            response = client.get(url, {parameter: LONG})
            body = "" if response.streaming else response.content.decode()
            if response.status_code != 400 or parameter not in body:
                failures.append(f"{url}?{parameter}=<5,000 characters>: {response.status_code}")
    assert not failures, "\n".join(failures)


def _subclasses(cls) -> set:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_text_filter_of_every_filterset_has_a_limit():
    get_resolver().url_patterns  # noqa: B018  (imports every view, so every FilterSet)
    ours = [
        filterset
        for filterset in _subclasses(django_filters.FilterSet)
        if filterset.__module__.split(".")[0] in ("productops", "feedback", "inventory", "planning")
    ]
    assert len(ours) >= 6, ours  # audit, accounts, contacts, tools, contracts, tool requests
    unbounded = [
        f"{filterset.__module__}.{filterset.__name__}.{name}"
        for filterset in ours
        for name, declared in filterset.base_filters.items()
        if isinstance(declared, django_filters.CharFilter) and not isinstance(declared, TextFilter)
    ]
    assert not unbounded, f"text filters without productops.filters.TextFilter: {unbounded}"


def _writes(actor):
    """A write of each service that took over-long text and stored it cut, and its field."""
    from feedback.services import accounts, ideas
    from planning.models import SessionKind
    from planning.services import capacity, retro, sessions

    kind = SessionKind.values[0]
    quarter = {"period_start": date(2026, 1, 1), "period_end": date(2026, 3, 31)}
    return [
        (lambda: ideas.idea_create(actor=actor, title="x" * 201), "title", 200),
        (
            lambda: sessions.session_create(
                actor=actor, kind=kind, settings=sessions.SessionSettings(title="x" * 201)
            ),
            "title",
            200,
        ),
        (
            lambda: sessions.session_create(
                actor=actor, kind=kind, settings=sessions.SessionSettings("Q3", team="x" * 101)
            ),
            "team",
            100,
        ),
        (
            lambda: capacity.capacity_plan_create(
                actor=actor,
                spec=capacity.PlanSpec("Core", **quarter, per_person=Decimal(8), notes="x" * 2001),
            ),
            "notes",
            2000,
        ),
        (
            lambda: accounts.account_upsert(actor=actor, external_id="crm-1", name="x" * 201),
            "name",
            200,
        ),
        (
            lambda: retro.retro_template_create(
                actor=actor, name="Ours", prompts=["Went well", "x" * 121]
            ),
            "prompts",
            120,
        ),
    ]


@pytest.mark.django_db
def test_a_write_refuses_over_long_text_naming_the_field_and_its_limit(admin):
    for write, field, limit in _writes(admin.actor):
        with pytest.raises(ValidationError) as refused:
            write()
        messages = refused.value.message_dict.get(field, [])
        assert any(f"{limit:,}" in m for m in messages), (field, refused.value.message_dict)


def test_no_code_cuts_a_value_it_was_sent():
    """The shapes a silent cut took (`value.strip()[:200]`, `GET.get("q", "")[:200]`): none
    left in the apps. Refuse with validation.Text (or a form's max_length) instead."""
    root = Path(__file__).resolve().parents[2]
    shape = re.compile(r"\.strip\(\)\[:|(GET|POST|params|query_params|data)\.get\([^)]*\)\[:")
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for app in ("productops", "feedback", "planning", "inventory", "dashboards")
        for path in sorted((root / app).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if shape.search(line)
    ]
    assert not found, "\n".join(found)
