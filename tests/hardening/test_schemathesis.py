"""Property-based tests of every operation in our own OpenAPI schema, as every role.

For each operation, schemathesis sends valid and invalid requests (a few of each) to a real API
process, as anonymous and as admin, supplier, reseller and agent, and checks that nothing
answers 5xx, that every answer (errors included) matches the schema, and that invalid input is
refused with a 4xx. Operations added later are covered without touching this file. The world
holds an object of every kind, so lists answer items that are checked field by field, and the
reads of one object are also made with ids that exist.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
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
# Every answer is checked against its documented schema: errors against the error format,
# successes against their operation's own body (``Envelope[T]``, ``Page[T]``, ...). A 5xx is a
# failure even though the error format documents it as the ``default`` answer.
CHECKS = [
    not_a_server_error,
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


WEBHOOK_TOKEN = "schemathesis-webhook-secret"


@dataclass(frozen=True)
class Shop:
    """A world with something in every list, so that success bodies are checked item by item,
    and the ids of those objects, for the operations that name one in their path."""

    callers: dict[str, dict[str, str]]
    ids: dict[str, int | str]


@pytest.fixture
async def shop(client: httpx.AsyncClient, session: WriteSession) -> Shop:
    """A login of every role, in a world made afresh for each operation: a product, a Converty
    product and its mapping, Digishare settings, an order (and so its pending ticket job) and a
    webhook event."""
    world = await make_world(session)
    callers = {
        "anonymous": {},
        "admin": await login(client, world.admin),
        "supplier": await login(client, world.supplier_user),
        "reseller": await login(client, world.reseller_user),
        "agent": await login(client, world.agent),
    }
    product = await _created(
        client.post(
            "/api/v1/products",
            json={"name": "Tapis", "price": "120.500", "costPrice": "20", "stockQuantity": 5},
            headers=callers["supplier"],
        )
    )
    reseller = callers["reseller"]
    await _created(
        client.post(
            "/api/v1/converty/products",
            json={"products": [{"id": 321, "name": "Tapis", "price": 35, "sku": "SKU-1"}]},
            headers=reseller,
        )
    )
    await _created(
        client.post(
            "/api/v1/converty/product-mappings",
            json={"convertyProductId": 321, "supplierProductId": product["data"]["id"]},
            headers=reseller,
        )
    )
    integration = await _created(
        client.put(
            "/api/v1/integrations/digishare",
            json={
                "baseUrl": "http://127.0.0.1:9/v1",
                "token": "digishare-token",
                "webhookAuth": {"type": "bearer", "token": WEBHOOK_TOKEN},
            },
            headers=reseller,
        )
    )
    order = await _created(
        client.post(
            "/api/v1/orders",
            json={
                "customerPhone": "20 123 456",
                "customerName": "Amira Ben Salah",
                "products": [
                    {"productId": product["data"]["id"], "quantity": 1, "price": 30, "notes": "M"}
                ],
            },
            headers=reseller,
        )
    )
    event = await client.post(
        f"/api/v1/webhooks/digishare/{integration['data']['id']}",
        json={"event": "ticket.created", "data": {"id": "t-1"}},
        headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"},
    )
    assert event.status_code in (200, 400), event.text
    return Shop(
        callers=callers,
        ids={
            "reference": order["order"]["id"],
            "order_number": order["orderNumber"],
            "product_id": product["data"]["id"],
            "supplier_id": world.supplier.id,
            "reseller_id": world.reseller.id,
            "integration_id": integration["data"]["id"],
        },
    )


async def _created(request: Awaitable[httpx.Response]) -> dict[str, Any]:
    response = await request
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_as_every_role(case: Case[Any], api_server: str, shop: Shop) -> None:
    generated_headers = case.headers.copy()
    for credentials in shop.callers.values():
        # The login goes into the case as well as the request: the case is what the checks judge,
        # so a negative case whose only flaw was a missing token is judged as the valid request a
        # logged-in caller really sent, and the explicit headers tell `ignored_auth` it is ours.
        case.headers = generated_headers.copy()
        case.headers.update(credentials)
        case.call_and_validate(base_url=api_server, headers=credentials, checks=CHECKS, timeout=15)


# Generated ids seldom name an object that exists: these reads name the shop's own.
KNOWN_OBJECTS = [
    ("/api/v1/orders/{reference}", "reference"),
    ("/api/v1/orders/{reference}", "order_number"),
    ("/api/v1/orders/{reference}/history", "reference"),
    ("/api/v1/orders/{reference}/calls", "reference"),
    ("/api/v1/orders/{reference}/invoice.pdf", "reference"),
    ("/api/v1/orders/{reference}/label.pdf", "order_number"),
    ("/api/v1/products/{product_id}", "product_id"),
    ("/api/v1/suppliers/{supplier_id}", "supplier_id"),
    ("/api/v1/resellers/{reseller_id}", "reseller_id"),
    ("/api/v1/converty/check-mappings/{reseller_id}", "reseller_id"),
]


@pytest.mark.parametrize(("path", "known"), KNOWN_OBJECTS)
def test_reads_of_existing_objects_match_their_schema_for_every_role(
    path: str, known: str, api_server: str, shop: Shop
) -> None:
    parameter = path.split("{")[1].split("}")[0]
    operation = schema[path]["GET"]
    for credentials in shop.callers.values():
        case = operation.Case(path_parameters={parameter: shop.ids[known]}, headers=credentials)
        case.call_and_validate(base_url=api_server, headers=credentials, checks=CHECKS, timeout=15)
