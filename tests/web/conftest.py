from __future__ import annotations

import re

import httpx
import pytest

from commercy.auth.models import User
from commercy.core.database import WriteSession
from commercy.core.settings import Settings
from commercy.orders.models import Order
from tests.factories import PASSWORD, Shop, make_order, make_shop

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
async def shop(session: WriteSession, settings: Settings) -> Shop:
    return await make_shop(session, settings)


@pytest.fixture
async def order(session: WriteSession, shop: Shop) -> Order:
    return await make_order(session, world=shop.world, products=[shop.product])


def csrf_of(page: httpx.Response) -> str:
    found = CSRF_FIELD.search(page.text)
    assert found, page.text
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, user: User, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    form = await client.get("/app/login")
    # Signed in already, the sign-in page sends home: the form's token is its cookie's.
    token = (
        csrf_of(form)
        if form.status_code == 200
        else next(c.value for c in client.cookies.jar if c.name == "commercy_csrf")
    )
    answer = await client.post(
        "/app/login",
        data={"identifier": user.identifier, "password": password, "csrf_token": token},
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(await client.get("/app/orders"))
