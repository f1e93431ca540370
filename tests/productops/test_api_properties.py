"""Property-based: generated requests to every API operation never get a 5xx.

schemathesis reads the OpenAPI schema the server publishes and sends a few generated requests
to each operation (valid and invalid bodies, query strings, headers) with a token holding
every scope, in the test database. Any 5xx fails, with the request that caused it.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from productops import services

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = get_wsgi_application()
schema.config.phases.coverage.enabled = False


@pytest.fixture
def in_process_wsgi():
    """Keeps the test's database connection open across WSGI calls, as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def every_scope_token(admin, settings, in_process_wsgi):
    settings.API_RATE_LIMIT_PER_MINUTE = 100_000
    _, secret = services.token_create(
        actor=admin.actor, name="fuzz", scopes=["intake", "read", "write"]
    )
    return admin.actor.workspace.slug, secret


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_gets_a_server_error(case, every_scope_token):
    slug, secret = every_scope_token
    if "slug" in (case.path_parameters or {}):
        case.path_parameters["slug"] = slug
    case.call_and_validate(
        headers={"Authorization": f"Bearer {secret}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
