"""The demo workspace `acme`: one login per role. Refuses to run in production."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from productops import services
from productops.access import Actor
from productops.models import Membership, Role, User, Workspace

DEMO_PASSWORD = "productops-demo"
DEMO_PEOPLE = [
    ("admin@acme.test", "Ada Admin", Role.ADMIN),
    ("ops@acme.test", "Olu Ops", Role.OPS_LEAD),
    ("pm@acme.test", "Priya PM", Role.PM),
    ("exec@acme.test", "Eli Exec", Role.EXEC),
]


DemoSeeder = Callable[[Workspace], object]
_seeders: list[tuple[int, str, DemoSeeder]] = []


def register(name: str, seed: DemoSeeder, *, order: int) -> None:
    """Domain apps add their demo data for `acme` here (in AppConfig.ready()); idempotent too."""
    _seeders.append((order, name, seed))


def seeders() -> list[tuple[str, DemoSeeder]]:
    return [(name, seed) for _, name, seed in sorted(_seeders, key=lambda s: s[:2])]


def seed_platform() -> Workspace:
    """Creates `acme` and its four people once; a second run finds them and adds nothing."""
    if settings.PRODUCTION:
        raise ImproperlyConfigured("Demo data is never seeded with production settings.")
    with transaction.atomic():
        return _seed_people_and_workspace()


def _seed_people_and_workspace() -> Workspace:
    users = {}
    for email, name, _ in DEMO_PEOPLE:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, name=name, password=DEMO_PASSWORD)
        users[email] = user
    workspace = Workspace.objects.filter(slug="acme").first()
    if workspace is None:
        workspace = services.workspace_create(
            user=users["admin@acme.test"], name="Acme Corp", slug="acme"
        )
    admin = Actor.for_membership(
        Membership.objects.select_related("workspace", "user").get(
            workspace=workspace, user=users["admin@acme.test"]
        )
    )
    for email, _, role in DEMO_PEOPLE:
        if not Membership.objects.filter(workspace=workspace, user=users[email]).exists():
            _, token = services.invitation_create(actor=admin, email=email, role=role)
            services.invitation_accept(raw_token=token, user=users[email])
    return workspace
