"""Converty rules: a reseller's catalogue (upserted by Converty id) and its product mappings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from commercy.accounts.models import Reseller
from commercy.auth.actor import Actor, check_own_id
from commercy.auth.models import Role
from commercy.catalog.models import Product
from commercy.converty.models import ConvertyProduct, ProductMapping
from commercy.converty.schemas import ConvertyCatalogUpsert, MappingCreate
from commercy.core.database import WriteSession
from commercy.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from commercy.core.pagination import Page, paginate

# --- who may do what ------------------------------------------------------------------------


def _require_reader(actor: Actor) -> None:
    if actor.role is Role.SUPPLIER:
        raise Forbidden(
            "Converty catalogues and mappings belong to resellers", code="role_cannot_see_converty"
        )


def _require_writer(actor: Actor) -> None:
    if actor.role not in (Role.ADMIN, Role.RESELLER):
        raise Forbidden(
            "Only the reseller and admins change Converty catalogues and mappings",
            code="role_cannot_change_converty",
        )


async def _target_reseller(
    session: AsyncSession, *, actor: Actor, reseller_id: int | None
) -> Reseller:
    """The reseller a write is for: the caller's own, or the one an admin names."""
    if not actor.is_admin:
        check_own_id(field="resellerId", given=reseller_id, own=actor.reseller_id)
        reseller_id = actor.reseller_id
    elif reseller_id is None:
        raise ValidationFailed(
            "resellerId", "Admins must say which reseller this is for", code="reseller_required"
        )
    reseller = await session.get(Reseller, reseller_id)
    if reseller is None:
        raise ValidationFailed(
            "resellerId", f"Reseller {reseller_id} does not exist", code="reseller_not_found"
        )
    return reseller


def _read_scope(actor: Actor, reseller_id: int | None) -> int | None:
    """Reseller filter for reads: the caller's own, or an admin's optional choice."""
    _require_reader(actor)
    if actor.is_admin:
        return reseller_id
    check_own_id(field="resellerId", given=reseller_id, own=actor.reseller_id)
    return actor.reseller_id


# --- catalogue ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UpsertResult:
    products: list[ConvertyProduct]
    created: int
    updated: int


async def upsert_catalog(
    session: WriteSession, *, actor: Actor, data: ConvertyCatalogUpsert
) -> UpsertResult:
    """Create or update each product by its Converty id; products not sent are left alone."""
    _require_writer(actor)
    reseller = await _target_reseller(session, actor=actor, reseller_id=data.reseller_id)
    ids = [item.id for item in data.products]
    existing = {
        row.converty_id: row
        for row in await session.scalars(
            select(ConvertyProduct).where(
                ConvertyProduct.reseller_id == reseller.id, ConvertyProduct.converty_id.in_(ids)
            )
        )
    }
    products: list[ConvertyProduct] = []
    for item in data.products:
        fields = item.model_dump(exclude={"id"})
        row = existing.get(item.id)
        if row is None:
            row = ConvertyProduct(reseller_id=reseller.id, converty_id=item.id, **fields)
            session.add(row)
        else:
            for field, value in fields.items():
                setattr(row, field, value)
        products.append(row)
    await session.flush()
    return UpsertResult(products=products, created=len(ids) - len(existing), updated=len(existing))


async def list_catalog(
    session: AsyncSession, *, actor: Actor, page: Page, reseller_id: int | None
) -> tuple[Sequence[ConvertyProduct], int]:
    scope = _read_scope(actor, reseller_id)
    statement = select(ConvertyProduct).order_by(ConvertyProduct.id)
    if scope is not None:
        statement = statement.where(ConvertyProduct.reseller_id == scope)
    return await paginate(session, statement, page=page)


# --- mappings -------------------------------------------------------------------------------


def _mappings() -> Select[ProductMapping]:
    return (
        select(ProductMapping)
        .options(joinedload(ProductMapping.converty_product), joinedload(ProductMapping.product))
        .order_by(ProductMapping.id)
    )


def _scoped_mappings(actor: Actor, reseller_id: int | None) -> Select[ProductMapping]:
    scope = _read_scope(actor, reseller_id)
    statement = _mappings()
    if scope is not None:
        statement = statement.where(ProductMapping.reseller_id == scope)
    return statement


async def list_mappings(
    session: AsyncSession, *, actor: Actor, reseller_id: int | None
) -> Sequence[ProductMapping]:
    return (await session.scalars(_scoped_mappings(actor, reseller_id))).all()


async def page_of_mappings(
    session: AsyncSession, *, actor: Actor, reseller_id: int | None, page: Page
) -> tuple[Sequence[ProductMapping], int]:
    return await paginate(session, _scoped_mappings(actor, reseller_id), page=page)


async def create_mapping(
    session: WriteSession, *, actor: Actor, data: MappingCreate
) -> ProductMapping:
    _require_writer(actor)
    reseller = await _target_reseller(session, actor=actor, reseller_id=data.reseller_id)
    converty = await session.scalar(
        select(ConvertyProduct).where(
            ConvertyProduct.reseller_id == reseller.id,
            ConvertyProduct.converty_id == data.converty_product_id,
        )
    )
    if converty is None:
        raise ValidationFailed(
            "convertyProductId",
            f"Converty product {data.converty_product_id} is not in this reseller's catalogue; "
            "send it with POST /converty/products first",
            code="not_in_catalogue",
        )
    product = await session.scalar(
        select(Product).where(
            Product.id == data.supplier_product_id, Product.supplier_id == reseller.supplier_id
        )
    )
    if product is None:
        raise ValidationFailed(
            "supplierProductId",
            f"Product {data.supplier_product_id} is not a product of this reseller's supplier",
            code="not_supplier_product",
        )
    taken = await session.scalar(
        select(ProductMapping.id).where(ProductMapping.converty_product_id == converty.id)
    )
    if taken is not None:
        raise Conflict(
            f"Converty product {data.converty_product_id} is already mapped; delete mapping "
            f"{taken} first",
            details={"mappingId": taken},
            code="already_mapped",
        )
    mapping = ProductMapping(
        reseller_id=reseller.id, converty_product_id=converty.id, product_id=product.id
    )
    session.add(mapping)
    await session.flush()
    return await session.scalar(_mappings().where(ProductMapping.id == mapping.id)) or mapping


async def delete_mapping(session: WriteSession, *, actor: Actor, mapping_id: int) -> None:
    _require_writer(actor)
    statement = select(ProductMapping).where(ProductMapping.id == mapping_id)
    if not actor.is_admin:
        statement = statement.where(ProductMapping.reseller_id == actor.reseller_id)
    mapping = await session.scalar(statement)
    if mapping is None:
        raise NotFound(f"Mapping {mapping_id} not found", code="mapping_not_found")
    await session.delete(mapping)
    await session.flush()


@dataclass(frozen=True, slots=True)
class MappingCheck:
    reseller_id: int
    catalog_count: int
    mapped_count: int
    unmapped: list[ConvertyProduct]

    @property
    def has_mappings(self) -> bool:
        return self.mapped_count > 0


async def check_mappings(session: AsyncSession, *, actor: Actor, reseller_id: int) -> MappingCheck:
    _require_reader(actor)
    if not actor.is_admin and reseller_id != actor.reseller_id:
        raise NotFound(f"Reseller {reseller_id} not found", code="reseller_not_found")
    if await session.get(Reseller, reseller_id) is None:
        raise NotFound(f"Reseller {reseller_id} not found", code="reseller_not_found")
    mapped_count = await session.scalar(
        select(func.count()).where(ProductMapping.reseller_id == reseller_id)
    )
    catalog_count = await session.scalar(
        select(func.count()).where(ConvertyProduct.reseller_id == reseller_id)
    )
    unmapped = await session.scalars(
        select(ConvertyProduct)
        .where(
            ConvertyProduct.reseller_id == reseller_id,
            ~select(ProductMapping.id)
            .where(ProductMapping.converty_product_id == ConvertyProduct.id)
            .exists(),
        )
        .order_by(ConvertyProduct.id)
        .limit(100)
    )
    return MappingCheck(
        reseller_id=reseller_id,
        catalog_count=catalog_count or 0,
        mapped_count=mapped_count or 0,
        unmapped=list(unmapped),
    )


async def mapped_images(
    session: AsyncSession, *, reseller_id: int, product_ids: Sequence[int]
) -> dict[int, str | None]:
    """For each of ``product_ids`` mapped by the reseller: its Converty image (newest mapping).

    A product absent from the answer has no mapping for this reseller.
    """
    # Core columns, not the ORM's: every order creation runs it.
    mappings, converty = ProductMapping.__table__.c, ConvertyProduct.__table__.c
    rows = await session.execute(
        select(mappings.product_id, converty.image)
        .join_from(
            ProductMapping.__table__,
            ConvertyProduct.__table__,
            converty.id == mappings.converty_product_id,
        )
        .where(mappings.reseller_id == reseller_id, mappings.product_id.in_(product_ids))
        .order_by(mappings.id)
    )
    images: dict[int, str | None] = {}
    for product_id, image in rows:
        images[product_id] = image or images.get(product_id)
    return images
