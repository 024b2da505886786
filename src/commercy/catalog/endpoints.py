from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from commercy.auth.dependencies import CurrentActor
from commercy.catalog import service
from commercy.catalog.schemas import ProductAnswer, ProductCreate, ProductPage, ProductUpdate
from commercy.core.database import ReadSessionDep, UnitOfWorkRoute, WriteSessionDep
from commercy.core.ids import PathId
from commercy.core.pagination import PageDep
from commercy.core.responses import envelope, paginated

router = APIRouter(prefix="/products", tags=["products"], route_class=UnitOfWorkRoute)


@router.get("", response_model=ProductPage)
async def list_products(
    actor: CurrentActor,
    session: ReadSessionDep,
    page: PageDep,
    search: Annotated[str | None, Query(max_length=100, description="Name or code")] = None,
) -> dict[str, Any]:
    """The products you can use, paginated.

    Suppliers see their own catalogue and admins everything, both with `costPrice`. Resellers
    and agents see their supplier's products without `costPrice`: use a product's `id` as
    `productId` when creating an order.
    """
    items, total = await service.list_products(session, actor=actor, page=page, search=search)
    return paginated(
        [service.product_out(p, actor=actor) for p in items],
        page=page.page,
        limit=page.limit,
        total=total,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ProductAnswer)
async def create_product(
    body: ProductCreate, actor: CurrentActor, session: WriteSessionDep
) -> dict[str, Any]:
    """Add a product to your catalogue (suppliers) or to a supplier's (admins, with `supplierId`).

    `price` is the supplier's selling price; `costPrice` stays private to you and admins.
    `code` is unique within a supplier (409 when taken).
    """
    product = await service.create_product(session, actor=actor, data=body)
    return envelope(service.product_out(product, actor=actor), message="Product created")


@router.get("/{product_id}", response_model=ProductAnswer)
async def get_product(
    product_id: PathId, actor: CurrentActor, session: ReadSessionDep
) -> dict[str, Any]:
    """One product; 404 when it is outside your scope."""
    product = await service.get_product(session, actor=actor, product_id=product_id)
    return envelope(service.product_out(product, actor=actor))


@router.patch("/{product_id}", response_model=ProductAnswer)
async def update_product(
    product_id: PathId, body: ProductUpdate, actor: CurrentActor, session: WriteSessionDep
) -> dict[str, Any]:
    """Change a product's name, code, prices, stock or image (owning supplier and admins).

    Send only the fields to change. Stock also moves by itself: confirming an order takes
    its quantities out, canceling a confirmed order or a return puts them back.
    """
    product = await service.update_product(session, actor=actor, product_id=product_id, data=body)
    return envelope(service.product_out(product, actor=actor), message="Product updated")
