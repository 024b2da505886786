"""Demo data for the embedded default: one of each kind of account, ready to log in."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.accounts import service as accounts_service
from commercy.accounts.models import Reseller, Supplier
from commercy.accounts.schemas import UserCreate
from commercy.auth import service as auth_service
from commercy.auth.models import Role
from commercy.calls.models import CallSettings
from commercy.catalog.models import Product
from commercy.converty.models import ConvertyProduct, ProductMapping
from commercy.core.database import WriteSession
from commercy.core.security import hash_password
from commercy.core.settings import Settings
from commercy.integrations import digishare
from commercy.integrations.digishare import embedded
from commercy.orders import service as orders_service
from commercy.orders.models import Order
from commercy.orders.schemas import OrderCreate

_Row = TypeVar("_Row", Supplier, Reseller)

DEMO_SUPPLIER = "Atlas Wholesale"
DEMO_RESELLER = "Medina Shop"
DEMO_RESELLER_LOGIN = "reseller@medina.example"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    identifier: str
    password: str


async def load_demo_data(session: WriteSession, *, settings: Settings) -> list[DemoLogin]:
    """Demo accounts (and their catalogue); with the sandbox mounted, the demo reseller's
    Digishare integration points at it, so new orders become WhatsApp confirmations."""
    digishare.install()
    logins = await _ensure_accounts(session, data_dir=settings.data_dir)
    await _ensure_catalog(session)
    reseller = await session.scalar(select(Reseller).where(Reseller.name == DEMO_RESELLER))
    if settings.sandbox_mounted and reseller is not None:
        await embedded.connect_to_sandbox(session, reseller_id=reseller.id, settings=settings)
    if reseller is not None:
        await _ensure_orders(session, reseller=reseller, settings=settings)
    return logins


# A few first orders, so that the list, the invoices and (with the sandbox) the WhatsApp
# conversations are not empty on first start: (customer, phone, city, source, product code).
DEMO_ORDERS = [
    ("Amira Ben Salah", "+216 20 123 456", "Tunis", "facebook_page", "ATL-001"),
    ("Youssef Trabelsi", "+216 98 765 432", "Sfax", "whatsapp", "ATL-002"),
    ("Salma Gharbi", "+216 55 444 333", "Sousse", "sur_place", "ATL-003"),
]


async def _ensure_orders(session: WriteSession, *, reseller: Reseller, settings: Settings) -> None:
    """Placed once, through the order service as the demo reseller, like any real order: the
    ones that ask for confirmation get their Digishare job."""
    if await session.scalar(select(Order.id).where(Order.reseller_id == reseller.id).limit(1)):
        return
    user = await auth_service.get_user_by_identifier(session, DEMO_RESELLER_LOGIN)
    actor = await auth_service.get_active_actor(session, user.id) if user else None
    if actor is None:
        return
    catalog = select(Product).where(Product.supplier_id == reseller.supplier_id)
    products = {product.code: product for product in await session.scalars(catalog)}
    for name, phone, city, source, code in DEMO_ORDERS:
        product = products[code]
        body = {
            "customerName": name,
            "customerPhone": phone,
            "customerAddress": "12 rue de la Kasbah",
            "customerCity": city,
            "source": source,
            "products": [
                {
                    "productId": product.id,
                    "quantity": 1,
                    "price": product.price,
                    "notes": "Standard",
                }
            ],
        }
        await orders_service.create_order(
            session, actor=actor, data=OrderCreate.model_validate(body), settings=settings
        )
    # The demo reseller calls at once (no grace period after the WhatsApp message): the demo
    # agent's queue (`POST /calls/next`) holds the new orders from the first start.
    if await session.get(CallSettings, reseller.id) is None:
        session.add(CallSettings(reseller_id=reseller.id, whatsapp_grace_minutes=0))
        await session.flush()


async def _ensure_accounts(session: WriteSession, *, data_dir: Path) -> list[DemoLogin]:
    """Create the demo accounts once; later calls return the logins kept in ``data_dir``.

    Passwords are generated per installation (no secret lives in the repository) and kept in
    ``data_dir/demo-logins.json`` so that every start can print them again.
    """
    logins_file = data_dir / "demo-logins.json"
    supplier = await session.scalar(select(Supplier).where(Supplier.name == DEMO_SUPPLIER))
    if supplier is not None and logins_file.exists():
        return [DemoLogin(**item) for item in json.loads(logins_file.read_text())]

    supplier = supplier or await _add(
        session, Supplier(name=DEMO_SUPPLIER, email="contact@atlas.example", phone="+21671000000")
    )
    reseller = await session.scalar(select(Reseller).where(Reseller.name == DEMO_RESELLER))
    reseller = reseller or await _add(
        session, Reseller(name=DEMO_RESELLER, supplier_id=supplier.id, email="hi@medina.example")
    )
    logins = [
        DemoLogin("admin", "admin@commercy.local", _password()),
        DemoLogin("supplier", "supplier@atlas.example", _password()),
        DemoLogin("reseller", DEMO_RESELLER_LOGIN, _password()),
        DemoLogin("agent", "agent@medina.example", _password()),
    ]
    attachments = {
        "supplier": {"supplier_id": supplier.id},
        "reseller": {"reseller_id": reseller.id},
        "agent": {"reseller_id": reseller.id},
    }
    for login in logins:
        await _ensure_login(session, login, attachments.get(login.role, {}))

    _save_logins(logins_file, logins)
    return logins


# (code, name, price, cost price, stock, Converty id) of the demo supplier's catalogue.
DEMO_PRODUCTS = [
    ("ATL-001", "Sac cabas en cuir", "89.900", "41.000", 25, 5001),
    ("ATL-002", "Foulard en soie", "39.500", "14.200", 60, 5002),
    ("ATL-003", "Babouches brodées", "54.000", "22.750", 3, 5003),
]


async def _ensure_catalog(session: AsyncSession) -> None:
    """The demo supplier's products, mirrored in the demo reseller's Converty store and mapped,
    so that both manual and Converty orders work out of the box. Idempotent."""
    supplier = await session.scalar(select(Supplier).where(Supplier.name == DEMO_SUPPLIER))
    reseller = await session.scalar(select(Reseller).where(Reseller.name == DEMO_RESELLER))
    if supplier is None or reseller is None:
        return
    for code, name, price, cost, stock, converty_id in DEMO_PRODUCTS:
        product = await session.scalar(
            select(Product).where(Product.supplier_id == supplier.id, Product.code == code)
        )
        if product is None:
            product = Product(
                supplier_id=supplier.id, code=code, name=name, price=Decimal(price),
                cost_price=Decimal(cost), stock_quantity=stock,
                image=f"https://picsum.photos/seed/{code.lower()}/400",
            )  # fmt: skip
            session.add(product)
        converty = await session.scalar(
            select(ConvertyProduct).where(
                ConvertyProduct.reseller_id == reseller.id,
                ConvertyProduct.converty_id == converty_id,
            )
        )
        if converty is None:
            converty = ConvertyProduct(
                reseller_id=reseller.id, converty_id=converty_id, name=name, sku=code,
                price=Decimal(price) + 10, image=f"https://picsum.photos/seed/cv{converty_id}/400",
            )  # fmt: skip
            session.add(converty)
        await session.flush()
        mapped = await session.scalar(
            select(ProductMapping.id).where(ProductMapping.converty_product_id == converty.id)
        )
        if mapped is None:
            session.add(
                ProductMapping(
                    reseller_id=reseller.id, converty_product_id=converty.id, product_id=product.id
                )
            )
    await session.flush()


def _save_logins(path: Path, logins: list[DemoLogin]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(login) for login in logins], indent=2))
    path.chmod(0o600)


async def _add(session: AsyncSession, row: _Row) -> _Row:
    session.add(row)
    await session.flush()
    return row


async def _ensure_login(
    session: WriteSession, login: DemoLogin, attachment: dict[str, int]
) -> None:
    """Create the demo user, or give it the new password when its old one was lost."""
    user = await auth_service.get_user_by_identifier(session, login.identifier)
    if user is not None:
        user.password_hash = await hash_password(login.password)
        return
    data = UserCreate(
        identifier=login.identifier,
        password=login.password,
        role=Role(login.role),
        name=f"Demo {login.role}",
        **attachment,
    )
    await accounts_service.create_user(session, actor=None, data=data)


def _password() -> str:
    return secrets.token_urlsafe(12)
