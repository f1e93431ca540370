"""Settings from the environment: production starts safe or not at all; demo data stays demo."""

import os
import secrets

import pytest
from django.conf import settings as django_settings

from productops import demo
from productops.models import AuditEvent, Membership, Role, Workspace
from tests.conftest import manage, subprocess_database_url

# The subprocesses run Django's checks against this run's test database.
pytestmark = pytest.mark.django_db


def production_env(**overrides: str | None) -> dict[str, str]:
    """The environment of a production deploy; an override of None removes the variable."""
    env = dict(os.environ)
    for name in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_HOST", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(60)[:60],
        ALLOWED_HOSTS="productops.example.com",
        EMAIL_HOST="smtp.example.com",
        # Production names its servers; these checks start no connection to Redis.
        DATABASE_URL=subprocess_database_url(),  # model checks ask the server its version
        REDIS_URL=django_settings.REDIS_URL or "redis://127.0.0.1:6379/0",
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def test_production_settings_pass_the_deploy_checks():
    env = production_env()
    assert len(env["SECRET_KEY"]) == 60

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = manage("check", env=production_env(SECRET_KEY=None))

    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


@pytest.mark.parametrize("environment", ["production", "development"])
def test_a_debug_value_that_is_not_a_boolean_fails_loudly(environment):
    result = manage("check", env=production_env(DJANGO_ENV=environment, DEBUG="maybe"))

    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_production_settings_refuse_debug_on():
    result = manage("check", env=production_env(DEBUG="true"))

    assert result.returncode != 0
    assert "DEBUG cannot be on in production" in result.stderr


def test_seed_demo_refuses_production_settings(db):
    # The command runs against this run's test database, so a refusal can be checked in it.
    result = manage("seed_demo", env=production_env())

    assert result.returncode != 0
    assert "never seeded with production settings" in result.stderr
    assert "is ready" not in result.stdout
    assert not Workspace.objects.filter(slug="acme").exists()


def test_seeding_the_demo_twice_leaves_one_acme_with_its_four_people(db):
    first = demo.seed_platform()
    events = AuditEvent.objects.filter(workspace=first).count()

    second = demo.seed_platform()

    assert second.pk == first.pk
    assert list(Workspace.objects.filter(slug="acme").values_list("pk", flat=True)) == [first.pk]
    roles = dict(Membership.objects.filter(workspace=first).values_list("user__email", "role"))
    assert roles == {
        "admin@acme.test": Role.ADMIN,
        "ops@acme.test": Role.OPS_LEAD,
        "pm@acme.test": Role.PM,
        "exec@acme.test": Role.EXEC,
    }
    assert events > 0
    assert AuditEvent.objects.filter(workspace=first).count() == events
