"""productops.compiled: a values query's SQL kept per key, its rows read fresh on every call."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from productops import compiled
from productops.models import Membership


def _members(workspace):
    """A values query with a join and an integer subquery (a column the ORM converts)."""
    others = (
        Membership.objects.filter(user=OuterRef("user"))
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Membership.objects.filter(workspace=workspace)
        .annotate(workspaces=Coalesce(Subquery(others, output_field=IntegerField()), 0))
        .order_by("user__email")
        .values("role", "user__email", "workspaces")
    )


def test_rows_equal_the_orms_and_are_read_again_on_each_call(workspace_a, workspace_b, personas):
    builds = []

    def build():
        builds.append(1)
        return _members(workspace_a)

    key = ("test members", workspace_a.pk)
    first = compiled.values_rows(key, build)
    assert first == list(_members(workspace_a)) and len(first) >= 2
    assert all(type(row["workspaces"]) is int for row in first)
    Membership.objects.filter(workspace=workspace_a).order_by("pk").first().delete()
    again = compiled.values_rows(key, build)
    assert again == list(_members(workspace_a)) and len(again) == len(first) - 1
    assert len(builds) == 1  # compiled once; the second call only ran the SQL


def test_a_query_that_can_match_nothing_answers_no_rows(workspace_a, personas):
    def build():
        return Membership.objects.filter(pk__in=[]).values("role")

    assert compiled.values_rows(("test nothing",), build) == []
    assert compiled.values_rows(("test nothing",), build) == []


def test_each_key_keeps_its_own_sql(workspace_a, workspace_b, personas):
    a = compiled.values_rows(("test by ws", workspace_a.pk), lambda: _members(workspace_a))
    b = compiled.values_rows(("test by ws", workspace_b.pk), lambda: _members(workspace_b))
    assert a == list(_members(workspace_a)) and b == list(_members(workspace_b)) and a != b
