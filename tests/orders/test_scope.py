"""Every role against every endpoint that takes an id: its own objects, and another world's.

An object outside the caller's scope answers 404, as if it did not exist (SPEC §3); an action
the role may never take answers 403 whatever the id.
"""

from __future__ import annotations

import httpx
import pytest

from commercy.core.database import WriteSession
from commercy.core.settings import Settings
from tests.factories import World, bearer, make_mapping, make_order, make_product, make_world

ENDPOINTS = {
    "get order": ("GET", "/api/v1/orders/{order}", None),
    "order history": ("GET", "/api/v1/orders/{order}/history", None),
    "invoice": ("GET", "/api/v1/orders/{order}/invoice.pdf", None),
    "label": ("GET", "/api/v1/orders/{order}/label.pdf", None),
    # Before the status change, which ships the order (a shipped order is no longer editable).
    "edit order": ("PATCH", "/api/v1/orders/{order}", {"customerName": "Nour"}),
    "change status": ("PATCH", "/api/v1/orders/{order}/status", {"status": "shipped"}),
    "get product": ("GET", "/api/v1/products/{product}", None),
    "edit product": ("PATCH", "/api/v1/products/{product}", {"stockQuantity": 50}),
    "delete mapping": ("DELETE", "/api/v1/converty/product-mappings/{mapping}", None),
    "check mappings": ("GET", "/api/v1/converty/check-mappings/{reseller}", None),
}

# What each role gets on its own world's objects, and on another world's.
OWN = {
    "admin": {name: 200 for name in ENDPOINTS},
    "supplier": {
        **{name: 200 for name in ENDPOINTS},
        "delete mapping": 403,
        "check mappings": 403,
        "edit order": 403,
    },
    "reseller": {**{name: 200 for name in ENDPOINTS}, "edit product": 403},
    "agent": {**{name: 200 for name in ENDPOINTS}, "edit product": 403, "delete mapping": 403},
}
FOREIGN = {
    "supplier": {
        **{name: 404 for name in ENDPOINTS},
        "delete mapping": 403,
        "check mappings": 403,
        "edit order": 403,
    },
    "reseller": {**{name: 404 for name in ENDPOINTS}, "edit product": 403},
    "agent": {**{name: 404 for name in ENDPOINTS}, "edit product": 403, "delete mapping": 403},
}


async def objects(session: WriteSession, world: World) -> dict[str, int]:
    product = await make_product(session, supplier=world.supplier)
    await session.commit()
    order = await make_order(session, world=world, products=[product], status="confirmed")
    mapping = await make_mapping(session, reseller=world.reseller, product=product)
    await session.commit()
    return {
        "order": order.id,
        "product": product.id,
        "mapping": mapping.id,
        "reseller": world.reseller.id,
    }


async def answers(
    client: httpx.AsyncClient, headers: dict[str, str], ids: dict[str, int]
) -> dict[str, int]:
    codes = {}
    for name, (method, template, body) in ENDPOINTS.items():
        response = await client.request(method, template.format(**ids), json=body, headers=headers)
        codes[name] = response.status_code
    return codes


def user_of(world: World, role: str) -> object:
    return {
        "admin": world.admin,
        "supplier": world.supplier_user,
        "reseller": world.reseller_user,
        "agent": world.agent,
    }[role]


@pytest.mark.parametrize("role", ["supplier", "reseller", "agent"])
async def test_objects_outside_the_scope_answer_404(
    client: httpx.AsyncClient, session: WriteSession, settings: Settings, role: str
) -> None:
    mine, theirs = await make_world(session), await make_world(session)
    await objects(session, mine)
    foreign = await objects(session, theirs)

    got = await answers(client, bearer(user_of(mine, role), settings), foreign)  # type: ignore[arg-type]

    assert got == FOREIGN[role]


@pytest.mark.parametrize("role", ["admin", "supplier", "reseller", "agent"])
async def test_objects_inside_the_scope_are_served(
    client: httpx.AsyncClient, session: WriteSession, settings: Settings, role: str
) -> None:
    world = await make_world(session)
    own = await objects(session, world)

    got = await answers(client, bearer(user_of(world, role), settings), own)  # type: ignore[arg-type]

    assert got == OWN[role]
