"""A request's one transaction: opened by the first dependency that needs the session, ended by
its route once the endpoint has answered, committed or rolled back, its connection given back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import func, select
from starlette.routing import Mount

from commercy.accounts.models import Supplier
from commercy.auth.dependencies import current_actor
from commercy.core.database import (
    Database,
    ReadSession,
    ReadSessionDep,
    SessionDep,
    UnitOfWorkRoute,
    WriteSessionDep,
    get_read_session,
    get_session,
    get_write_session,
)


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif isinstance(route, Mount) and isinstance(route.app, FastAPI):
            yield from _api_routes(route.app.routes)
        elif included := getattr(route, "original_router", None):  # an included router
            yield from _api_routes(included.routes)


# The dependencies that take the request's session.
_WITH_SESSION = (get_session, get_read_session, get_write_session, current_actor)


def _needs_session(dependant: Dependant) -> bool:
    return dependant.call in _WITH_SESSION or any(
        _needs_session(sub) for sub in dependant.dependencies
    )


def test_every_route_that_uses_the_database_runs_in_a_transaction(app: FastAPI) -> None:
    routes = list(_api_routes(app.routes))
    with_session = [route for route in routes if _needs_session(route.dependant)]
    assert len(with_session) > 50
    assert [r.path for r in with_session if not isinstance(r, UnitOfWorkRoute)] == []


def _app(database: Database) -> FastAPI:
    router = APIRouter(route_class=UnitOfWorkRoute)

    @router.post("/suppliers")
    async def write(session: WriteSessionDep, fail: bool = False) -> dict[str, bool]:
        session.add(Supplier(name="Written by a request"))
        await session.flush()
        if fail:
            raise HTTPException(status_code=409, detail="refused after the write")
        return {"ok": True}

    @router.get("/suppliers")
    async def read(session: ReadSessionDep) -> dict[str, Any]:
        count = await session.scalar(select(func.count()).select_from(Supplier))
        return {"count": count, "reads": isinstance(session, ReadSession)}

    bare = APIRouter()

    @bare.get("/bare")
    async def bare_read(session: SessionDep) -> dict[str, bool]:
        return {"ok": True}

    application = FastAPI()
    application.state.database = database
    application.include_router(router)
    application.include_router(bare)
    return application


@pytest.fixture
async def http(database: Database) -> Any:
    transport = httpx.ASGITransport(app=_app(database), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_a_write_is_committed_before_its_answer(
    http: httpx.AsyncClient, database: Database
) -> None:
    assert (await http.post("/suppliers")).json() == {"ok": True}
    read = await http.get("/suppliers")
    assert read.json() == {"count": 1, "reads": True}
    assert database.engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_an_endpoint_that_raises_leaves_nothing_written(
    http: httpx.AsyncClient, database: Database
) -> None:
    refused = await http.post("/suppliers", params={"fail": "true"})
    assert refused.status_code == 409
    assert (await http.get("/suppliers")).json()["count"] == 0
    assert database.engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_a_route_without_a_transaction_cannot_take_the_session(
    http: httpx.AsyncClient,
) -> None:
    assert (await http.get("/bare")).status_code == 500
