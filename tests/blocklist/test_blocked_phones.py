"""GET/POST/DELETE /blocked-phones: who keeps which list, and the checks on what is sent."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from commercy.auth.models import Role
from commercy.core.database import WriteSession
from commercy.core.settings import Settings
from tests.factories import Shop, bearer, make_reseller, make_user

BLOCKED = "/api/v1/blocked-phones"


async def block(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> httpx.Response:
    return await client.post(BLOCKED, json={"reason": "Fake orders", **body}, headers=headers)


async def listed_phones(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> list[str]:
    response = await client.get(BLOCKED, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [entry["phone"] for entry in response.json()["data"]]


async def other_reseller_headers(
    session: WriteSession, shop: Shop, settings: Settings
) -> dict[str, str]:
    other = await make_reseller(session, supplier=shop.world.supplier)
    user = await make_user(session, role=Role.RESELLER, reseller=other)
    await session.commit()
    return bearer(user, settings)


async def test_a_reseller_blocks_a_number_in_its_own_list_normalised(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    response = await block(client, shop.reseller, phone="20 123 456", reason="Never answers")

    assert response.status_code == 201, response.text
    entry = response.json()["data"]
    assert entry["phone"] == "+21620123456"
    assert entry["resellerId"] == shop.world.reseller.id
    assert entry["reason"] == "Never answers"
    assert entry["createdBy"] == f"reseller:{shop.world.reseller_user.identifier}"
    assert entry["createdByUserId"] == shop.world.reseller_user.id
    assert entry["createdAt"].endswith("Z")


async def test_the_same_number_twice_in_one_list_is_a_409(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await block(client, shop.reseller, phone="20 123 456")

    again = await block(client, shop.reseller, phone="+216 20-123-456")

    assert again.status_code == 409, again.text
    assert again.json()["details"]["phone"] == "+21620123456"
    assert await listed_phones(client, shop.reseller) == ["+21620123456"]


async def test_the_global_list_refuses_a_number_it_has(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await block(client, shop.admin, phone="20 123 456")

    again = await block(client, shop.admin, phone="20123456")

    assert again.status_code == 409, again.text


async def test_a_number_may_be_in_a_resellers_list_and_in_the_global_one(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    own = await block(client, shop.reseller, phone="20 123 456")
    everyone = await block(client, shop.admin, phone="20 123 456")

    assert (own.status_code, everyone.status_code) == (201, 201)
    assert everyone.json()["data"]["resellerId"] is None


@pytest.mark.parametrize(
    "phone", ["12", "not a phone", "+216 20 123 456 789 012 345", "2012\u00003456", "9" * 5000]
)
async def test_an_invalid_phone_is_a_400_naming_phone(
    client: httpx.AsyncClient, shop: Shop, phone: str
) -> None:
    response = await block(client, shop.reseller, phone=phone)

    assert response.status_code == 400, response.text
    assert response.json()["details"]["field"] == "phone"
    assert await listed_phones(client, shop.reseller) == []


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501, "bad\u0000reason"])
async def test_a_reason_is_required_short_and_printable(
    client: httpx.AsyncClient, shop: Shop, reason: str
) -> None:
    response = await block(client, shop.reseller, phone="20 123 456", reason=reason)

    assert response.status_code == 400, response.text
    assert response.json()["details"]["field"] == "reason"


async def test_agents_read_their_resellers_list_but_do_not_change_it(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await block(client, shop.reseller, phone="20 123 456")

    assert await listed_phones(client, shop.agent) == ["+21620123456"]
    assert (await block(client, shop.agent, phone="20 555 666")).status_code == 403


async def test_suppliers_neither_read_nor_change_blocklists(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    assert (await client.get(BLOCKED, headers=shop.supplier)).status_code == 403
    assert (await block(client, shop.supplier, phone="20 123 456")).status_code == 403


async def test_a_reseller_sees_its_own_list_and_the_global_one_but_not_another_resellers(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession, settings: Settings
) -> None:
    other = await other_reseller_headers(session, shop, settings)
    await block(client, other, phone="20 111 111")
    await block(client, shop.admin, phone="20 222 222")
    await block(client, shop.reseller, phone="20 333 333")

    assert await listed_phones(client, shop.reseller) == ["+21620333333", "+21620222222"]
    assert await listed_phones(client, shop.admin) == [
        "+21620333333",
        "+21620222222",
        "+21620111111",
    ]


async def test_a_reseller_cannot_write_to_another_resellers_list(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession, settings: Settings
) -> None:
    other = await make_reseller(session, supplier=shop.world.supplier)
    await session.commit()

    response = await block(client, shop.reseller, phone="20 123 456", resellerId=other.id)

    assert response.status_code == 403, response.text
    assert response.json()["details"]["field"] == "resellerId"


async def test_an_admin_blocks_a_number_for_one_reseller(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    reseller_id = shop.world.reseller.id

    response = await block(client, shop.admin, phone="20 123 456", resellerId=reseller_id)

    assert response.status_code == 201, response.text
    assert response.json()["data"]["resellerId"] == reseller_id
    assert await listed_phones(client, shop.admin, resellerId=reseller_id) == ["+21620123456"]


async def test_an_admin_naming_an_unknown_reseller_gets_a_400(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    response = await block(client, shop.admin, phone="20 123 456", resellerId=999_999)

    assert response.status_code == 400, response.text
    assert response.json()["details"]["field"] == "resellerId"


async def test_the_list_finds_one_number_in_any_form(client: httpx.AsyncClient, shop: Shop) -> None:
    await block(client, shop.reseller, phone="20 123 456")
    await block(client, shop.reseller, phone="20 999 999")

    assert await listed_phones(client, shop.reseller, phone="+216 20.123.456") == ["+21620123456"]
    bad = await client.get(BLOCKED, params={"phone": "abc"}, headers=shop.reseller)
    assert bad.status_code == 400
    assert bad.json()["details"]["field"] == "phone"


async def test_a_reseller_removes_a_number_from_its_list(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    entry = (await block(client, shop.reseller, phone="20 123 456")).json()["data"]

    response = await client.delete(f"{BLOCKED}/{entry['id']}", headers=shop.reseller)

    assert response.status_code == 200, response.text
    assert await listed_phones(client, shop.reseller) == []


@pytest.mark.parametrize("entry_id", ["999999", "99999999999999999999", "abc"])
async def test_removing_an_unknown_entry_is_a_404(
    client: httpx.AsyncClient, shop: Shop, entry_id: str
) -> None:
    response = await client.delete(f"{BLOCKED}/{entry_id}", headers=shop.reseller)

    assert response.status_code == 404, response.text


async def test_another_resellers_entry_is_a_404(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession, settings: Settings
) -> None:
    other = await other_reseller_headers(session, shop, settings)
    entry = (await block(client, other, phone="20 123 456")).json()["data"]

    response = await client.delete(f"{BLOCKED}/{entry['id']}", headers=shop.reseller)

    assert response.status_code == 404, response.text
    assert await listed_phones(client, other) == ["+21620123456"]


async def test_only_admins_remove_a_number_from_the_global_list(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    entry = (await block(client, shop.admin, phone="20 123 456")).json()["data"]

    by_reseller = await client.delete(f"{BLOCKED}/{entry['id']}", headers=shop.reseller)
    by_admin = await client.delete(f"{BLOCKED}/{entry['id']}", headers=shop.admin)

    assert (by_reseller.status_code, by_admin.status_code) == (403, 200)


async def test_agents_cannot_remove_a_number(client: httpx.AsyncClient, shop: Shop) -> None:
    entry = (await block(client, shop.reseller, phone="20 123 456")).json()["data"]

    response = await client.delete(f"{BLOCKED}/{entry['id']}", headers=shop.agent)

    assert response.status_code == 403, response.text


async def test_concurrent_blocks_of_one_number_make_one_entry_and_409s(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    answers = await asyncio.gather(
        *(block(client, shop.reseller, phone="20 123 456") for _ in range(8))
    )

    assert sorted(a.status_code for a in answers) == [201] + [409] * 7
    assert await listed_phones(client, shop.reseller) == ["+21620123456"]
