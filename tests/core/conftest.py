from __future__ import annotations

import httpx
import pytest

from commercy.core.database import WriteSession
from commercy.core.settings import Settings
from tests.factories import Shop, make_shop

WEBHOOK_TOKEN = "digishare-calls-us-with-this"


@pytest.fixture
async def shop(session: WriteSession, settings: Settings) -> Shop:
    return await make_shop(session, settings)


@pytest.fixture
async def webhook(client: httpx.AsyncClient, shop: Shop) -> str:
    """The webhook URL of the shop's reseller (disabled: no order becomes a ticket); Digishare
    calls it with ``Authorization: Bearer WEBHOOK_TOKEN``."""
    response = await client.put(
        "/api/v1/integrations/digishare",
        json={
            "baseUrl": "https://digishare.invalid",
            "token": "a-digishare-token",
            "webhookAuth": {"type": "bearer", "token": WEBHOOK_TOKEN},
            "enabled": False,
        },
        headers=shop.reseller,
    )
    assert response.status_code == 200, response.text
    return f"/api/v1/webhooks/digishare/{response.json()['data']['id']}"
