"""Property-based tests of every operation in our own OpenAPI schema, as every role.

For each operation, schemathesis sends valid and invalid requests (a few of each) to a real API
process, as anonymous and as admin, supplier, reseller and agent, and checks that nothing
answers 5xx, that every answer (errors included) matches the schema, and that invalid input is
refused with a 4xx. Operations added later are covered without touching this file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi import checks

from commercy.core.database import Database, WriteSession
from commercy.core.settings import Settings
from commercy.main import create_app
from tests.factories import login, make_world
from tests.hardening.processes import api_process, settings_env

pytestmark = pytest.mark.schemathesis

# A few examples per operation keep CI fast; raise it for a deeper local run.
EXAMPLES_PER_OPERATION = int(os.environ.get("COMMERCY_SCHEMATHESIS_EXAMPLES", "6"))
CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"mode": "all"},
        # Bad input may be refused with any 4xx: 400 validation, 401/403/404 by scope, 413...
        "checks": {"negative_data_rejection": {"expected-statuses": ["4xx"]}},
        "phases": {"coverage": {"enabled": False}},
    }
)
CHECKS = [
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.negative_data_rejection,
    checks.ignored_auth,
]


def _schema() -> dict[str, object]:
    """The schema as the app serves it; building it touches no database."""
    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(
            Settings(
                _env_file=None,
                data_dir=Path(data_dir),
                database_url=f"sqlite+aiosqlite:///{data_dir}/schema.db",
                jwt_secret="schema-only",
                sandbox_mounted=False,
                worker_in_process=False,
            )
        )
        return app.openapi()


schema = schemathesis.openapi.from_dict(_schema(), config=CONFIG)


@pytest.fixture(scope="module")
def api_server(
    settings: Settings, database: Database, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    env = settings_env(
        settings,
        rate_limit_user="100000/minute",
        rate_limit_address="100000/minute",
        rate_limit_login_identifier="100000/minute",
        rate_limit_login_address="100000/minute",
        sandbox_mounted="false",
    )
    with api_process(env, log_dir=tmp_path_factory.mktemp("api")) as base_url:
        yield base_url


@pytest.fixture
async def callers(client: httpx.AsyncClient, session: WriteSession) -> dict[str, dict[str, str]]:
    """A login of every role, in a world made afresh for each operation."""
    world = await make_world(session)
    return {
        "anonymous": {},
        "admin": await login(client, world.admin),
        "supplier": await login(client, world.supplier_user),
        "reseller": await login(client, world.reseller_user),
        "agent": await login(client, world.agent),
    }


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_as_every_role(
    case: Case[Any], api_server: str, callers: dict[str, dict[str, str]]
) -> None:
    generated_headers = case.headers.copy()
    for credentials in callers.values():
        # The login goes into the case as well as the request: the case is what the checks judge,
        # so a negative case whose only flaw was a missing token is judged as the valid request a
        # logged-in caller really sent, and the explicit headers tell `ignored_auth` it is ours.
        case.headers = generated_headers.copy()
        case.headers.update(credentials)
        case.call_and_validate(base_url=api_server, headers=credentials, checks=CHECKS, timeout=15)
