"""Plain functions that make test data through the services, committed and ready to use."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.accounts import service as accounts_service
from commercy.accounts.models import Reseller, Supplier
from commercy.accounts.schemas import ResellerCreate, SupplierCreate, UserCreate
from commercy.auth import service as auth_service
from commercy.auth.models import Role, User
from commercy.catalog.models import Product
from commercy.converty.models import ConvertyProduct, ProductMapping
from commercy.core.database import WriteSession
from commercy.core.security import issue_token
from commercy.core.settings import Settings
from commercy.orders import service as orders_service
from commercy.orders.models import Order
from commercy.orders.schemas import OrderCreate

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


@dataclass
class World:
    """A supplier with a reseller, and one login of every role."""

    supplier: Supplier
    reseller: Reseller
    admin: User
    supplier_user: User
    reseller_user: User
    agent: User


async def make_supplier(session: WriteSession, name: str | None = None) -> Supplier:
    return await accounts_service.create_supplier(
        session, data=SupplierCreate(name=name or f"Supplier {next(_counter)}")
    )


async def make_reseller(
    session: WriteSession, *, supplier: Supplier, name: str | None = None
) -> Reseller:
    return await accounts_service.create_reseller(
        session,
        data=ResellerCreate(name=name or f"Reseller {next(_counter)}", supplier_id=supplier.id),
    )


async def make_user(
    session: WriteSession,
    *,
    role: Role,
    supplier: Supplier | None = None,
    reseller: Reseller | None = None,
    identifier: str | None = None,
) -> User:
    data = UserCreate(
        identifier=identifier or f"{role.value}{next(_counter)}@example.com",
        password=PASSWORD,
        role=role,
        supplier_id=supplier.id if supplier else None,
        reseller_id=reseller.id if reseller else None,
    )
    return await accounts_service.create_user(session, actor=None, data=data)


async def make_world(session: WriteSession) -> World:
    supplier = await make_supplier(session)
    reseller = await make_reseller(session, supplier=supplier)
    world = World(
        supplier=supplier,
        reseller=reseller,
        admin=await make_user(session, role=Role.ADMIN),
        supplier_user=await make_user(session, role=Role.SUPPLIER, supplier=supplier),
        reseller_user=await make_user(session, role=Role.RESELLER, reseller=reseller),
        agent=await make_user(session, role=Role.AGENT, reseller=reseller),
    )
    await session.commit()
    return world


async def login(client: httpx.AsyncClient, user: User, password: str = PASSWORD) -> dict[str, str]:
    """Log in through the API and return the headers that carry the token."""
    response = await client.post(
        "/api/v1/auth/login", json={"identifier": user.identifier, "password": password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


# --- catalog, Converty, orders (issue #3) ---------------------------------------------------


async def make_product(
    session: AsyncSession,
    *,
    supplier: Supplier,
    stock: int = 10,
    price: str = "29.900",
    cost_price: str | None = "4321.987",
    name: str | None = None,
    image: str | None = None,
) -> Product:
    number = next(_counter)
    product = Product(
        supplier_id=supplier.id,
        name=name or f"Product {number}",
        code=f"P-{number}",
        price=Decimal(price),
        cost_price=Decimal(cost_price) if cost_price is not None else None,
        stock_quantity=stock,
        image=image or f"https://img.example/{number}.jpg",
    )
    session.add(product)
    await session.flush()
    return product


async def make_mapping(
    session: AsyncSession,
    *,
    reseller: Reseller,
    product: Product,
    converty_id: int | None = None,
    image: str | None = None,
) -> ProductMapping:
    number = converty_id or 1000 + next(_counter)
    converty = ConvertyProduct(
        reseller_id=reseller.id,
        converty_id=number,
        name=f"Converty {number}",
        sku=f"SKU-{number}",
        price=Decimal("35.000"),
        image=image or f"https://cdn.example/converty/{number}.jpg",
    )
    session.add(converty)
    await session.flush()
    mapping = ProductMapping(
        reseller_id=reseller.id, converty_product_id=converty.id, product_id=product.id
    )
    session.add(mapping)
    await session.flush()
    return mapping


def order_body(*products: Product, **fields: Any) -> dict[str, Any]:
    """A valid create-order body for a reseller or agent: one item per product."""
    body: dict[str, Any] = {
        "customerPhone": "20 123 456",
        "customerName": "Amira Ben Salah",
        "products": [
            {"productId": p.id, "quantity": 1, "price": 30, "notes": "Bleu / M"} for p in products
        ],
    }
    body.update(fields)
    return body


async def make_order(
    session: WriteSession,
    *,
    world: World,
    products: list[Product],
    status: str | None = None,
    reseller_user: User | None = None,
    **fields: Any,
) -> Order:
    """An order created through the service, as the world's reseller (or ``reseller_user``)."""
    actor = await auth_service.get_active_actor(session, (reseller_user or world.reseller_user).id)
    assert actor is not None
    body = order_body(*products, **fields)
    if status is not None:
        body["status"] = status
    order = await orders_service.create_order(
        session,
        actor=actor,
        data=OrderCreate.model_validate(body),
        settings=Settings(_env_file=None),
    )
    await session.commit()
    return order


def bearer(user: User, settings: Settings) -> dict[str, str]:
    """A token as the login endpoint would issue it (that endpoint has tests of its own)."""
    token = issue_token(
        user_id=user.id, role=user.role.value, version=user.token_version, settings=settings
    ).token
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Shop:
    """A world with two products of its supplier (stock 10 each) and every role's headers."""

    world: World
    product: Product
    other_product: Product
    reseller: dict[str, str]
    agent: dict[str, str]
    admin: dict[str, str]
    supplier: dict[str, str]


async def make_shop(session: WriteSession, settings: Settings) -> Shop:
    world = await make_world(session)
    product = await make_product(session, supplier=world.supplier, stock=10)
    other = await make_product(session, supplier=world.supplier, stock=10)
    await session.commit()
    return Shop(
        world=world,
        product=product,
        other_product=other,
        reseller=bearer(world.reseller_user, settings),
        agent=bearer(world.agent, settings),
        admin=bearer(world.admin, settings),
        supplier=bearer(world.supplier_user, settings),
    )
