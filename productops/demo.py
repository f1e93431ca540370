"""The demo workspace `acme`: one login per role, and what every app's demo seeder shares.

Each app keeps its demo content in `<app>/demo_data/*.toml` and a thin seeder that reads it with
`load` and writes it through the app's services as the members of a `Cast`, so every write is
checked and audited as a real one. Refuses to run in production.
"""

import tomllib
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from productops import services
from productops.access import Actor
from productops.models import Membership, Role, User, Workspace

DemoSeeder = Callable[[Workspace], object]
_seeders: list[tuple[int, str, DemoSeeder]] = []


def register(name: str, seed: DemoSeeder, *, order: int) -> None:
    """Domain apps add their demo data for `acme` here (in AppConfig.ready()); idempotent too."""
    _seeders.append((order, name, seed))


def seeders() -> list[tuple[str, DemoSeeder]]:
    return [(name, seed) for _, name, seed in sorted(_seeders, key=lambda s: s[:2])]


def refuse_production() -> None:
    """Every seeder starts here: demo rows never reach a production database."""
    if settings.PRODUCTION:
        raise ImproperlyConfigured("Demo data is never seeded with production settings.")


@cache
def load(app_label: str, name: str) -> dict[str, Any]:
    """The parsed TOML file `<app>/demo_data/<name>.toml` (tables as dicts, arrays as lists).

    Raises ImproperlyConfigured naming the file (and the line, for a syntax error) when it is
    missing or malformed. Cached: the files are part of the code and change with it.
    """
    return read(Path(apps.get_app_config(app_label).path) / "demo_data" / f"{name}.toml")


def read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ImproperlyConfigured(f"Demo data {path}: {error}") from error


_ACME = read(Path(__file__).with_name("demo_data") / "acme.toml")
DEMO_PASSWORD: str = _ACME["password"]
# (email, name, role) of each login, the workspace's creator first.
DEMO_PEOPLE = [(p["email"], p["name"], Role(p["role"])) for p in _ACME["people"]]


def quarter(year: int, number: int) -> tuple[date, date]:
    """The first and last day of calendar quarter `number` (1-4) of `year`."""
    if number not in (1, 2, 3, 4):
        raise ImproperlyConfigured(f"A quarter is 1 to 4, not {number}.")
    first_month = 3 * number - 2
    after = date(year + 1, 1, 1) if number == 4 else date(year, first_month + 3, 1)
    return date(year, first_month, 1), date.fromordinal(after.toordinal() - 1)


class Cast:
    """The people a seeder acts as: the earliest member of each role in the workspace.

    Data files name people by role value ("admin", "ops_lead", "pm", "exec").
    """

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._members: dict[str, Membership] = {}
        for membership in (
            Membership.objects.filter(workspace=workspace)
            .select_related("workspace", "user")
            .order_by("pk")
        ):
            self._members.setdefault(membership.role, membership)

    def member(self, role: str) -> Membership:
        """Raises ImproperlyConfigured when the workspace has nobody in `role`."""
        try:
            return self._members[role]
        except KeyError:
            raise ImproperlyConfigured(
                f"{self.workspace} has no {role} for the demo to act as; seed its people first."
            ) from None

    def actor(self, role: str) -> Actor:
        return Actor.for_membership(self.member(role))

    def user(self, role: str) -> User:
        return self.member(role).user


def seed_platform() -> Workspace:
    """Creates `acme` and its four people once; a second run finds them and adds nothing."""
    refuse_production()
    with transaction.atomic():
        return _seed_people_and_workspace()


def _seed_people_and_workspace() -> Workspace:
    users = {}
    for email, name, _ in DEMO_PEOPLE:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, name=name, password=DEMO_PASSWORD)
        users[email] = user
    creator = users[DEMO_PEOPLE[0][0]]
    workspace = Workspace.objects.filter(slug=_ACME["workspace"]["slug"]).first()
    if workspace is None:
        workspace = services.workspace_create(user=creator, **_ACME["workspace"])
    admin = Actor.for_membership(
        Membership.objects.select_related("workspace", "user").get(
            workspace=workspace, user=creator
        )
    )
    for email, _, role in DEMO_PEOPLE:
        if not Membership.objects.filter(workspace=workspace, user=users[email]).exists():
            # Joined at once: no invitation email to someone who is a member before it is read.
            _, token = services.invitation_create(actor=admin, email=email, role=role, send=False)
            services.invitation_accept(raw_token=token, user=users[email])
    return workspace
