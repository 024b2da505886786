"""Product rules: suppliers manage their own catalogue; resellers and agents read theirs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.accounts.models import Supplier
from commercy.auth.actor import Actor, check_own_id
from commercy.auth.models import Role
from commercy.catalog.models import Product
from commercy.catalog.schemas import ProductCreate, ProductOut, ProductPrivateOut, ProductUpdate
from commercy.core.database import WriteSession
from commercy.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from commercy.core.pagination import Page, paginate


def sees_cost_price(actor: Actor) -> bool:
    """Admins, and suppliers (who only ever see their own products)."""
    return actor.is_admin or actor.role is Role.SUPPLIER


def product_out(product: Product, *, actor: Actor) -> ProductOut:
    if sees_cost_price(actor):
        return ProductPrivateOut.model_validate(product)
    return ProductOut.model_validate(product)


def visible_products(actor: Actor) -> Select[Product]:
    statement = select(Product).order_by(Product.id)
    if actor.is_admin:
        return statement
    # A supplier's own; a reseller's or agent's supplier's.
    return statement.where(Product.supplier_id == actor.supplier_id)


async def list_products(
    session: AsyncSession, *, actor: Actor, page: Page, search: str | None = None
) -> tuple[Sequence[Product], int]:
    statement = visible_products(actor)
    if search:
        pattern = f"%{search.lower()}%"
        statement = statement.where(or_(Product.name.ilike(pattern), Product.code.ilike(pattern)))
    return await paginate(session, statement, page=page)


async def get_product(session: AsyncSession, *, actor: Actor, product_id: int) -> Product:
    product = await session.scalar(visible_products(actor).where(Product.id == product_id))
    if product is None:
        raise NotFound(f"Product {product_id} not found", code="product_not_found")
    return product


def _require_manager(actor: Actor) -> None:
    if not (actor.is_admin or actor.role is Role.SUPPLIER):
        raise Forbidden(
            "Only suppliers and admins manage products", code="role_cannot_manage_products"
        )


async def create_product(session: WriteSession, *, actor: Actor, data: ProductCreate) -> Product:
    _require_manager(actor)
    if actor.is_admin:
        if data.supplier_id is None:
            raise ValidationFailed(
                "supplierId",
                "Admins must say which supplier owns the product",
                code="supplier_required",
            )
        if await session.get(Supplier, data.supplier_id) is None:
            raise ValidationFailed(
                "supplierId",
                f"Supplier {data.supplier_id} does not exist",
                code="supplier_not_found",
            )
        supplier_id = data.supplier_id
    else:
        assert actor.supplier_id is not None
        check_own_id(field="supplierId", given=data.supplier_id, own=actor.supplier_id)
        supplier_id = actor.supplier_id
    await _check_code_free(session, supplier_id=supplier_id, code=data.code)
    product = Product(supplier_id=supplier_id, **data.model_dump(exclude={"supplier_id"}))
    session.add(product)
    await session.flush()
    return product


async def update_product(
    session: WriteSession, *, actor: Actor, product_id: int, data: ProductUpdate
) -> Product:
    _require_manager(actor)
    product = await get_product(session, actor=actor, product_id=product_id)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("code") not in (None, product.code):
        await _check_code_free(session, supplier_id=product.supplier_id, code=changes["code"])
    for field, value in changes.items():
        setattr(product, field, value)
    await session.flush()
    return product


async def _check_code_free(session: AsyncSession, *, supplier_id: int, code: str | None) -> None:
    if code is None:
        return
    taken = await session.scalar(
        select(Product.id).where(Product.supplier_id == supplier_id, Product.code == code)
    )
    if taken is not None:
        raise Conflict(
            f"Another product of this supplier already has code {code!r}", code="product_code_taken"
        )


@dataclass(frozen=True, slots=True)
class ProductFacts:
    """What an order line copies from its product."""

    id: int
    name: str
    code: str | None
    image: str | None


_products = Product.__table__.c


async def products_by_id(
    session: AsyncSession, *, supplier_id: int, product_ids: Sequence[int]
) -> dict[int, ProductFacts]:
    """The supplier's products among ``product_ids``; ids of other suppliers are simply absent.
    (Core columns, not ORM objects: every order creation runs it.)"""
    rows = await session.execute(
        select(_products.id, _products.name, _products.code, _products.image).where(
            _products.supplier_id == supplier_id, _products.id.in_(product_ids)
        )
    )
    return {row.id: ProductFacts(*row) for row in rows}
