"""Every API list pages right however many rows share its sort value.

Each list pages with the one keyset (productops.paging): the rows after the last row's
(sort values..., id). DRF's CursorPagination stepped over ties by an OFFSET capped at 1,000;
tests/feedback/test_ideas_api.py shows 1,050 ideas of one revenue. Here every list of the
demo workspace is made to tie on its leading sort key and walked a page at a time, each
page a few rows, so pages end inside runs of ties."""

from collections import Counter

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.mixins import ListModelMixin

from feedback.api.triage import FeedbackCollection
from feedback.models import Idea
from inventory.models import Contract, Tool
from inventory.services.contracts import renewal_decide
from productops import imports, services
from productops.access import Actor
from productops.api_paging import KeysetPagination
from productops.models import ImportJob, Membership, User


def api_lists(resolver: URLResolver | None = None, prefix: str = "") -> dict[str, tuple]:
    """name: (route, view class) for every API list (a view that lists with a paginator)."""
    found: dict[str, tuple] = {}
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found.update(api_lists(pattern, route))
        elif isinstance(pattern, URLPattern) and (pattern.name or "").startswith("api_"):
            view = getattr(pattern.callback, "view_class", None)
            if view is not None and (
                issubclass(view, ListModelMixin) or view is FeedbackCollection
            ):
                found[pattern.name] = (route, view)
    return found


def test_every_api_list_pages_with_the_shared_keyset():
    lists = api_lists()
    assert len(lists) >= 20, sorted(lists)
    others = {
        name: view.pagination_class
        for name, (_, view) in lists.items()
        if view is not FeedbackCollection
        and not (view.pagination_class and issubclass(view.pagination_class, KeysetPagination))
    }
    assert not others, f"lists not paged by the shared keyset: {others}"


def _walk(client: Client, url: str, limit: int) -> list:
    response = client.get(url, {"limit": limit})
    rows: list = []
    while True:
        assert response.status_code == 200, (url, response.content[:300])
        page = response.json()
        rows += [row.get("id", repr(row)) for row in page["results"]]
        assert len(rows) <= 1000, f"{url} repeats rows"
        if not page["next"]:
            return rows
        response = client.get(page["next"])


def _tie(view, first_id) -> None:
    """Gives every row of the list's model the first row's leading sort value (where the
    column is a plain, non-unique field), so the list pages through ties."""
    paginator = view.pagination_class()
    if not isinstance(paginator, KeysetPagination) or type(paginator).get_ordering is not (
        KeysetPagination.get_ordering
    ):
        return  # ordered by a figure the query computes: the demo's ideas tie on it already
    name = paginator.ordering[0].lstrip("-")
    model = view.queryset.model
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return  # a column the query computes (a decision's day)
    if field.unique or not field.concrete:
        return
    value = model.objects.filter(pk=first_id).values_list(name, flat=True).first()
    if value is None:
        return
    try:
        with transaction.atomic():
            model.objects.update(**{name: value})
    except DatabaseError:
        pass  # unique with the workspace, or append-only (audit): rows cannot be made to tie


@pytest.mark.django_db
def test_every_api_list_walks_each_row_exactly_once_through_ties(acme_demo, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 100_000  # a page of two rows at a time
    client = Client()
    client.force_login(User.objects.get(email="admin@acme.test"))
    admin = Actor.for_membership(
        Membership.objects.get(workspace=acme_demo, user__email="admin@acme.test")
    )
    for count in (6, 1, 1, 1, 1):  # the demo has no imports: five, one with six bad rows
        raw = ("email\n" + "not-an-email\n" * count).encode()
        job = imports.import_upload(actor=admin, kind="members", filename="m.csv", raw=raw)
        imports.import_start(actor=admin, job=job, mapping=job.mapping)
        imports.import_run(job_id=job.pk)
    job = ImportJob.objects.filter(workspace=acme_demo).order_by("id").first()
    contract = Contract.objects.filter(workspace=acme_demo, is_current=True).first()
    for n in range(3):  # nor invitations nor renewal decisions
        services.invitation_create(actor=admin, email=f"new{n}@acme.test", role="pm")
        renewal_decide(actor=admin, contract=contract, decision="renew", reason=f"Take {n}")
    values = {
        "slug": acme_demo.slug,
        "idea_id": Counter(
            Idea.objects.filter(workspace=acme_demo, links__isnull=False).values_list(
                "pk", flat=True
            )
        ).most_common(1)[0][0],
        "tool_id": Counter(
            Tool.objects.filter(workspace=acme_demo, usage__isnull=False).values_list(
                "pk", flat=True
            )
        ).most_common(1)[0][0],
        "contract_id": contract.pk,
        "job_id": job.pk,
    }
    walked, short = {}, []
    for name, (route, view) in sorted(api_lists().items()):
        url = "/" + route.replace("<int:", "<").replace("<slug:", "<")
        for key, value in values.items():
            url = url.replace(f"<{key}>", str(value))
        whole = _walk(client, url, 500)
        if whole and view is not FeedbackCollection and isinstance(whole[0], int):
            _tie(view, whole[0])
            whole = _walk(client, url, 500)
        paged = _walk(client, url, 1 if len(whole) < 20 else 7)
        assert len(paged) == len(set(paged)), f"{name} repeats rows"
        assert sorted(paged, key=str) == sorted(whole, key=str), f"{name} skips rows"
        walked[name] = len(paged)
        if len(paged) < 2:
            short.append(name)
    assert not short, f"lists too short to page through ties: {walked}"
