"""A transaction PostgreSQL rolls back for another's sake (a deadlock, a serialization
failure) is a busy moment: the caller is asked to retry, never told we broke."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text

from commercy.core.database import WriteSessionDep
from commercy.core.settings import Settings
from commercy.main import create_app

pytestmark = pytest.mark.postgres_only


@pytest.fixture
async def failing(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An app of its own whose ``POST /fail/{condition}`` runs a statement PostgreSQL fails
    with that condition, inside the request's transaction."""
    app = create_app(settings)

    async def fail(condition: str, session: WriteSessionDep) -> None:
        await session.execute(
            text(f"DO $$ BEGIN RAISE EXCEPTION 'as if' USING ERRCODE = '{condition}'; END $$")
        )

    app.add_api_route("/api/v1/fail/{condition}", fail, methods=["POST"])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await app.state.database.dispose()


@pytest.mark.parametrize("condition", ["deadlock_detected", "serialization_failure"])
async def test_a_transaction_rolled_back_for_another_is_asked_to_retry(
    failing: httpx.AsyncClient, condition: str
) -> None:
    response = await failing.post(f"/api/v1/fail/{condition}")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json()["message"] == "The service is busy; retry shortly"


async def test_any_other_database_error_stays_a_500_with_its_reference(
    failing: httpx.AsyncClient,
) -> None:
    response = await failing.post("/api/v1/fail/data_exception")

    assert response.status_code == 500
    assert response.json()["details"]["requestId"] == response.headers["X-Request-ID"]
