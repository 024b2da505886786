"""The accounts, products and Digishare integration a benchmark needs, made through the
product's own migrations and service functions (the bulk orders come from bench/dataset.py)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from commercy.accounts import service as accounts_service
from commercy.accounts.schemas import ResellerCreate, SupplierCreate, UserCreate
from commercy.auth import service as auth_service
from commercy.auth.models import Role
from commercy.catalog import service as catalog_service
from commercy.catalog.schemas import ProductCreate
from commercy.core import migrations
from commercy.core.database import Database
from commercy.core.settings import Settings
from commercy.integrations.digishare import service as digishare_service
from commercy.integrations.digishare.schemas import IntegrationUpdate

PASSWORD = "bench password, not a secret"
SANDBOX_TOKEN = "bench-sandbox-token-0123456789"
WEBHOOK_TOKEN = "bench-digishare-calls-us-with-this"
# The sandbox's seeded status ids; the two confirmation ones move freely (see webhook.lua).
STATUS_MAP = {
    "yqdwrbka7kz69v8e": "confirmed",
    "b7m2kq9xw4zt1rne": "canceled",
    "u5hj8cd3pq6ya0lw": "not_reached",
    "r4tn7vy2gk9me1sx": "rapported",
}


@dataclass
class Seeded:
    supplier_id: int
    reseller_id: int
    admin_user_id: int
    reseller_user_id: int
    reseller_identifier: str
    product_ids: list[int]
    integration_id: int | None

    def to_json(self) -> dict[str, object]:
        return asdict(self)


async def seed(settings: Settings, *, sandbox_url: str | None) -> Seeded:
    """Migrate, then create a supplier, its reseller, an admin, a supplier and a reseller login,
    two products with a large stock and, when a sandbox is given, a Digishare integration."""
    database = Database(settings)
    try:
        await migrations.upgrade(database)
        async with database.sessionmaker() as session, session.begin():
            supplier = await accounts_service.create_supplier(
                session, data=SupplierCreate(name="Bench supplier")
            )
            reseller = await accounts_service.create_reseller(
                session, data=ResellerCreate(name="Bench reseller", supplier_id=supplier.id)
            )
            users = {}
            for role, identifier, attach in (
                (Role.ADMIN, "bench-admin@commercy.local", {}),
                (Role.SUPPLIER, "bench-supplier@commercy.local", {"supplier_id": supplier.id}),
                (Role.RESELLER, "bench-reseller@commercy.local", {"reseller_id": reseller.id}),
            ):
                users[role] = await accounts_service.create_user(
                    session,
                    actor=None,
                    data=UserCreate(identifier=identifier, password=PASSWORD, role=role, **attach),
                )
            supplier_user_id = users[Role.SUPPLIER].id
            supplier_actor = await auth_service.get_active_actor(session, supplier_user_id)
            assert supplier_actor is not None
            product_ids: list[int] = []
            for name, price in (("Tapis berbère", "120.500"), ("Lampe en cuivre", "45.250")):
                product = await catalog_service.create_product(
                    session,
                    actor=supplier_actor,
                    data=ProductCreate(
                        name=name,
                        price=price,
                        code=f"BENCH-{len(product_ids) + 1}",
                        stock_quantity=10_000_000,
                        image="https://img.example/bench.jpg",
                    ),
                )
                product_ids.append(product.id)
            integration_id = None
            if sandbox_url is not None:
                integration = await digishare_service.save_integration(
                    session,
                    reseller_id=reseller.id,
                    data=IntegrationUpdate.model_validate(
                        {
                            "baseUrl": sandbox_url,
                            "token": SANDBOX_TOKEN,
                            "statusMap": STATUS_MAP,
                            "webhookAuth": {"type": "bearer", "token": WEBHOOK_TOKEN},
                        }
                    ),
                    settings=settings,
                )
                integration_id = integration.id
        return Seeded(
            supplier_id=supplier.id,
            reseller_id=reseller.id,
            admin_user_id=users[Role.ADMIN].id,
            reseller_user_id=users[Role.RESELLER].id,
            reseller_identifier=users[Role.RESELLER].identifier,
            product_ids=product_ids,
            integration_id=integration_id,
        )
    finally:
        await database.dispose()


async def add_agents(settings: Settings, *, reseller_id: int, count: int) -> list[tuple[int, str]]:
    """``count`` call-center agents of the reseller: (user id, identifier) of each."""
    database = Database(settings)
    try:
        async with database.sessionmaker() as session, session.begin():
            agents = []
            for number in range(1, count + 1):
                user = await accounts_service.create_user(
                    session,
                    actor=None,
                    data=UserCreate(
                        identifier=f"bench-agent-{number}@commercy.local",
                        password=PASSWORD,
                        role=Role.AGENT,
                        reseller_id=reseller_id,
                    ),
                )
                agents.append((user.id, user.identifier))
            return agents
    finally:
        await database.dispose()
