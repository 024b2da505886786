"""The framework floor: the floor's database work (``bench.floor.PostgresStore``, the same SQL
through asyncpg) behind FastAPI, with request bodies and parameters validated by Pydantic models.

Between the floor (bare ASGI) and Commercy, it shows what the framework itself costs on the
same server settings: what is left between it and Commercy is the product's own work (auth,
the ORM, the rules, the envelope, the middleware stack). No auth, no middleware, no product
logic. Run with ``uvicorn bench.framework_floor:create_app --factory``; same environment as
``bench.floor``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from bench.floor import PostgresStore, dumps


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class ItemIn(_Camel):
    product_id: int = Field(gt=0)
    quantity: int = Field(gt=0, le=1000)
    price: float = Field(ge=0)
    notes: str | None = Field(default=None, max_length=500)


class OrderIn(_Camel):
    customer_name: str | None = Field(default=None, max_length=200)
    customer_phone: str = Field(min_length=8, max_length=32)
    customer_address: str | None = Field(default=None, max_length=500)
    customer_city: str | None = Field(default=None, max_length=100)
    customer_governorate: str | None = Field(default=None, max_length=100)
    source: str = "manual"
    products: list[ItemIn] = Field(min_length=1, max_length=50)


class StatusIn(BaseModel):
    status: str = Field(max_length=32)


def _json(data: Any, status_code: int = 200) -> Response:
    body = dumps({"success": status_code < 400, "data": data})
    return Response(body, status_code=status_code, media_type="application/json")


def create_app() -> FastAPI:
    store = PostgresStore(
        os.environ["BENCH_FLOOR_DATABASE"],
        reseller_id=int(os.environ["BENCH_FLOOR_RESELLER_ID"]),
        supplier_id=int(os.environ["BENCH_FLOOR_SUPPLIER_ID"]),
        integration_id=int(os.environ.get("BENCH_FLOOR_INTEGRATION_ID", "0")),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await store.open()
        yield
        await store.close()

    app = FastAPI(lifespan=lifespan, openapi_url=None)

    @app.post("/api/v1/orders", status_code=201)
    async def create_order(order: OrderIn) -> Response:
        return _json(await store.create(order.model_dump(by_alias=True)), 201)

    @app.get("/api/v1/orders")
    async def list_orders(
        status: Annotated[list[str], Query()] = [],  # noqa: B006  # FastAPI copies defaults
        source: Annotated[list[str], Query()] = [],  # noqa: B006
        page: Annotated[int, Query(ge=1)] = 1,
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
    ) -> Response:
        query = {"status": status, "source": source, "page": [str(page)], "limit": [str(limit)]}
        return _json(await store.list(query))

    @app.get("/api/v1/orders/{order_id}")
    async def get_order(order_id: int) -> Response:
        found = await store.get(order_id)
        return _json(found) if found else _json({"error": "not found"}, 404)

    @app.patch("/api/v1/orders/{order_id}/status")
    async def set_status(order_id: int, body: StatusIn) -> Response:
        moved = await store.set_status(order_id, body.status)
        return _json(moved) if moved else _json({"error": "not found"}, 404)

    @app.post("/api/v1/webhooks/digishare/{integration_id}")
    async def webhook(integration_id: int, request: Request) -> Response:
        return _json(await store.webhook(await request.body()))

    return app
