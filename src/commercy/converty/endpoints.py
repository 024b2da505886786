from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, status

from commercy.auth.dependencies import CurrentActor
from commercy.converty import service
from commercy.converty.schemas import (
    CatalogSaved,
    ConvertyCatalogUpsert,
    ConvertyProductOut,
    MappingCheck,
    MappingCreate,
    MappingCreated,
    MappingList,
    mapping_out,
)
from commercy.core.database import ReadSessionDep, UnitOfWorkRoute, WriteSessionDep
from commercy.core.envelopes import Answer, Page
from commercy.core.ids import PathId, id_query
from commercy.core.pagination import PageDep
from commercy.core.responses import envelope, paginated

router = APIRouter(prefix="/converty", tags=["converty"], route_class=UnitOfWorkRoute)

ResellerFilter = Annotated[
    int | None, id_query(alias="resellerId", description="Admins only: one reseller's")
]


@router.get("/products", response_model=Page[ConvertyProductOut])
async def list_catalog(
    actor: CurrentActor, session: ReadSessionDep, page: PageDep, reseller_id: ResellerFilter = None
) -> dict[str, Any]:
    """Your Converty catalogue as last sent with `POST /converty/products` (resellers, agents).

    `id` is the product's id in Converty. Admins see every reseller's, or one with `resellerId`.
    """
    items, total = await service.list_catalog(
        session, actor=actor, page=page, reseller_id=reseller_id
    )
    return paginated(
        [ConvertyProductOut.model_validate(p) for p in items],
        page=page.page,
        limit=page.limit,
        total=total,
    )


@router.post("/products", response_model=CatalogSaved)
async def upsert_catalog(
    body: ConvertyCatalogUpsert, actor: CurrentActor, session: WriteSessionDep
) -> dict[str, Any]:
    """Send your Converty products (up to 500 at a time): each is created or updated by its
    Converty `id`; products you do not send are left as they are.

    ```json
    {"products": [{"id": 321, "name": "Produit A", "sku": "SKU-A", "price": 29.9,
                   "image": "https://cdn.example/321.jpg"}]}
    ```
    Resellers only (admins add `resellerId`). Then map each one to a supplier product with
    `POST /converty/product-mappings`.
    """
    result = await service.upsert_catalog(session, actor=actor, data=body)
    return envelope(
        [ConvertyProductOut.model_validate(p) for p in result.products],
        message="Converty catalogue saved",
        created=result.created,
        updated=result.updated,
    )


@router.get("/product-mappings", response_model=MappingList)
async def list_mappings(
    actor: CurrentActor, session: ReadSessionDep, reseller_id: ResellerFilter = None
) -> dict[str, Any]:
    """Your Converty ↔ supplier product mappings (no cost price).

    Use `supplierProduct.id` as `productId` when creating an order. `converty_image` is the
    image the order's items get.
    """
    mappings = await service.list_mappings(session, actor=actor, reseller_id=reseller_id)
    return envelope(mappings=[mapping_out(m) for m in mappings])


@router.post(
    "/product-mappings", status_code=status.HTTP_201_CREATED, response_model=MappingCreated
)
async def create_mapping(
    body: MappingCreate, actor: CurrentActor, session: WriteSessionDep
) -> dict[str, Any]:
    """Map one of your Converty products (`convertyProductId`, its Converty id) to a product of
    your supplier (`supplierProductId`). A Converty product has one mapping (409 otherwise).
    Resellers only (admins add `resellerId`).
    """
    mapping = await service.create_mapping(session, actor=actor, data=body)
    return envelope(message="Mapping created", mapping=mapping_out(mapping))


@router.delete("/product-mappings/{mapping_id}", response_model=Answer)
async def delete_mapping(
    mapping_id: PathId, actor: CurrentActor, session: WriteSessionDep
) -> dict[str, Any]:
    """Remove a mapping; Converty orders for that product are refused until it is mapped again."""
    await service.delete_mapping(session, actor=actor, mapping_id=mapping_id)
    return envelope(message="Mapping deleted")


@router.get("/check-mappings/{reseller_id}", response_model=MappingCheck)
async def check_mappings(
    reseller_id: PathId, actor: CurrentActor, session: ReadSessionDep
) -> dict[str, Any]:
    """Whether a reseller is ready for Converty orders: `hasMappings`, the counts, and the
    Converty products still without a mapping (first 100). Your own reseller id, or any for
    admins; 404 otherwise.
    """
    check = await service.check_mappings(session, actor=actor, reseller_id=reseller_id)
    return envelope(
        resellerId=check.reseller_id,
        hasMappings=check.has_mappings,
        mappingsCount=check.mapped_count,
        convertyProductsCount=check.catalog_count,
        unmappedProducts=[
            {"id": p.converty_id, "name": p.name, "sku": p.sku} for p in check.unmapped
        ],
    )
