"""Property-based checks of the GET endpoints against the app's own OpenAPI document (schemathesis, in-process WSGI).

API.md Conventions: OpenAPI 3 at /api/v1/openapi.json; errors are application/problem+json; SEC-5: every input is
validated on the server (no 5xx for any input the schema allows). Each GET operation is called with up to
``MAX_EXAMPLES`` generated requests (env ``SUIBAN_SCHEMATHESIS_EXAMPLES``, default 6, so that the whole run stays
within about a minute in CI), each authenticated in turn with a bearer token of another role (every role of the
demo world: administrators, bureau, centre, expert, school, class, guardian, another province); the checks are:

- ``not_a_server_error``: never a 5xx;
- ``response_schema_conformance`` / ``content_type_conformance``: documented responses match the schema;
- ``problem_json_on_errors``: every 4xx answer is application/problem+json with exactly the contract's keys (the
  schema documents these answers as the Problem schema, so conformance checks them too).

Skipped cleanly when schemathesis is not installed.
"""

import functools
import json
import os

import pytest

schemathesis = pytest.importorskip("schemathesis")

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance  # noqa: E402

from suiban.api import api  # noqa: E402

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = int(os.environ.get("SUIBAN_SCHEMATHESIS_EXAMPLES", "6"))  # per operation; no stateful phase
OPENAPI = "/api/v1/openapi.json"
PROBLEM_KEYS = {"status", "code", "title", "detail", "errors"}


def _get_paths() -> list[str]:
    spec = api.get_openapi_schema(path_prefix="/api/v1/")
    return sorted(p for p, ops in spec["paths"].items() if "get" in ops)


GET_PATHS = _get_paths()


@functools.cache
def _schema():
    return schemathesis.openapi.from_wsgi(OPENAPI, WSGIHandler())


def problem_json_on_errors(ctx, response, case):
    """API.md Conventions: errors are application/problem+json {"status", "code", "title", "detail", "errors"}."""
    if response.status_code < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
    assert content_type == "application/problem+json", (
        f"{case.method} {case.formatted_path} answered {response.status_code} with {content_type!r}, "
        f"not application/problem+json")
    body = json.loads(response.content)
    assert set(body) == PROBLEM_KEYS, f"problem keys {sorted(body)}"
    assert body["status"] == response.status_code
    return None


ROLES = ["hc_bureau", "hc_s1_class", "hc_parent", "auditor", "secadmin", "admin", "hc_s1_resource", "hc_expert",
         "hc_center", "hc_s1_leader", "fj_province", "gd_s1_leader"]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The in-process WSGI calls send request_started/request_finished, whose close_old_connections would close
    the test's own database connection (on PostgreSQL the test transaction is lost); Django's test client
    disconnects it the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearers(world):
    """A bearer token per role: SEC-2 least privilege is fuzzed for every kind of account, not one."""
    from suiban.accounts.services import token_issue

    return [{"Authorization": f"Bearer {token_issue(user=world.users[u])[0]}"} for u in ROLES]


@pytest.mark.parametrize("path", GET_PATHS)
def test_get_endpoints_hold_to_their_schema(world, bearers, path):
    """API.md Conventions (OpenAPI 3, problem+json errors), SEC-5 (server-side validation, no crash on any input):
    generated GET requests to ``path``, each with the token of another role, never answer 5xx, documented answers
    (the 4xx ones included) conform to the schema and errors are problem+json."""
    import itertools

    tokens = itertools.cycle(bearers)
    operation = _schema()[path]["GET"]

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate, Phase.shrink],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case):
        case.call_and_validate(headers=next(tokens), checks=[not_a_server_error, response_schema_conformance,
                                                       content_type_conformance, problem_json_on_errors])

    run()
