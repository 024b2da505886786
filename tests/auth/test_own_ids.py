"""`resellerId` and `supplierId` are an admin's choice. Anyone else may repeat their own
account's (one body for every caller), but naming another is a 403 naming the field: never
quietly replaced by their own."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from commercy.core.database import WriteSession
from commercy.core.settings import Settings
from tests.factories import Shop, make_reseller, make_shop, make_supplier, order_body

API = "/api/v1"


@pytest.fixture
async def shop(session: WriteSession, settings: Settings) -> Shop:
    return await make_shop(session, settings)


def _digishare(shop: Shop, own: dict[str, int]) -> dict[str, Any]:
    return {"token": "t", "webhookAuth": {"type": "bearer", "token": "w"}, "enabled": False}


# (method, path, role, body, field): the body and query are built from the caller's own ids
# (``own``); the test swaps in another account's for ``field``.
CASES: list[tuple[str, str, str, Any, str]] = [
    ("POST", "/orders", "reseller", lambda s, own: order_body(s.product, **own), "resellerId"),
    ("POST", "/orders", "agent", lambda s, own: order_body(s.product, **own), "supplierId"),
    (
        "POST",
        "/products",
        "supplier",
        lambda s, own: {"name": "P", "price": 1, "supplierId": own["supplierId"]},
        "supplierId",
    ),
    (
        "POST",
        "/users",
        "reseller",
        lambda s, own: {
            "identifier": "agent@x.tn",
            "password": "long enough password",
            "role": "agent",
            "resellerId": own["resellerId"],
        },
        "resellerId",
    ),
    (
        "POST",
        "/converty/products",
        "reseller",
        lambda s, own: {"products": [{"id": 7, "name": "C"}], "resellerId": own["resellerId"]},
        "resellerId",
    ),
    ("GET", "/converty/products?resellerId={resellerId}", "agent", None, "resellerId"),
    ("GET", "/converty/product-mappings?resellerId={resellerId}", "reseller", None, "resellerId"),
    (
        "PUT",
        "/integrations/digishare?resellerId={resellerId}",
        "reseller",
        _digishare,
        "resellerId",
    ),
]


def _ids(shop: Shop, other: dict[str, int], field: str | None) -> dict[str, int]:
    own = {"resellerId": shop.world.reseller.id, "supplierId": shop.world.supplier.id}
    return own | ({field: other[field]} if field else {})


@pytest.mark.parametrize(
    ("method", "path", "role", "make_body", "field"),
    CASES,
    ids=[f"{role} {method} {path.split('?')[0]} {field}" for method, path, role, _, field in CASES],
)
async def test_another_account_id_is_refused_naming_it_and_ones_own_is_accepted(
    client: httpx.AsyncClient,
    shop: Shop,
    session: WriteSession,
    method: str,
    path: str,
    role: str,
    make_body: Any,
    field: str,
) -> None:
    other_supplier = await make_supplier(session)
    other_reseller = await make_reseller(session, supplier=other_supplier)
    await session.commit()
    other = {"resellerId": other_reseller.id, "supplierId": other_supplier.id}
    headers = getattr(shop, role)

    async def call(ids: dict[str, int]) -> httpx.Response:
        body = make_body(shop, ids) if make_body else None
        return await client.request(method, API + path.format(**ids), json=body, headers=headers)

    refused = await call(_ids(shop, other, field))
    accepted = await call(_ids(shop, other, None))

    assert refused.status_code == 403, refused.text
    assert refused.json()["details"]["field"] == field
    assert accepted.status_code in (200, 201), accepted.text
