from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from commercy.accounts import service
from commercy.accounts.schemas import (
    ResellerCreate,
    ResellerOut,
    ResellerUpdate,
    SupplierCreate,
    SupplierOut,
    SupplierUpdate,
    UserCreate,
    UserUpdate,
)
from commercy.auth.dependencies import AdminActor, CurrentActor
from commercy.auth.schemas import UserOut
from commercy.core.database import ReadSessionDep, UnitOfWorkRoute, WriteSessionDep
from commercy.core.envelopes import Envelope, Page
from commercy.core.ids import PathId
from commercy.core.pagination import PageDep
from commercy.core.responses import envelope, paginated

router = APIRouter(tags=["accounts"], route_class=UnitOfWorkRoute)


@router.get("/suppliers", response_model=Page[SupplierOut])
async def list_suppliers(
    actor: CurrentActor, session: ReadSessionDep, page: PageDep
) -> dict[str, Any]:
    """Suppliers you can see: all for admins, your own (or your reseller's) otherwise."""
    items, total = await service.list_suppliers(session, actor=actor, page=page)
    return paginated(
        [SupplierOut.model_validate(s) for s in items],
        page=page.page,
        limit=page.limit,
        total=total,
    )


@router.post(
    "/suppliers", status_code=status.HTTP_201_CREATED, response_model=Envelope[SupplierOut]
)
async def create_supplier(
    body: SupplierCreate, actor: AdminActor, session: WriteSessionDep
) -> dict[str, Any]:
    """Register a supplier (admins only). Give it a login with `POST /users`, role `supplier`."""
    supplier = await service.create_supplier(session, data=body)
    return envelope(SupplierOut.model_validate(supplier), message="Supplier created")


@router.get("/suppliers/{supplier_id}", response_model=Envelope[SupplierOut])
async def get_supplier(
    supplier_id: PathId, actor: CurrentActor, session: ReadSessionDep
) -> dict[str, Any]:
    """One supplier; 404 when it is outside your scope."""
    supplier = await service.get_supplier(session, actor=actor, supplier_id=supplier_id)
    return envelope(SupplierOut.model_validate(supplier))


@router.patch("/suppliers/{supplier_id}", response_model=Envelope[SupplierOut])
async def update_supplier(
    supplier_id: PathId, body: SupplierUpdate, actor: AdminActor, session: WriteSessionDep
) -> dict[str, Any]:
    """Change a supplier's name, email or phone (admins only); `null` clears email or phone."""
    supplier = await service.update_supplier(
        session, actor=actor, supplier_id=supplier_id, data=body
    )
    return envelope(SupplierOut.model_validate(supplier), message="Supplier updated")


@router.get("/resellers", response_model=Page[ResellerOut])
async def list_resellers(
    actor: CurrentActor, session: ReadSessionDep, page: PageDep
) -> dict[str, Any]:
    """Resellers you can see: all for admins, a supplier's own resellers, a reseller itself."""
    items, total = await service.list_resellers(session, actor=actor, page=page)
    return paginated(
        [ResellerOut.model_validate(r) for r in items],
        page=page.page,
        limit=page.limit,
        total=total,
    )


@router.post(
    "/resellers", status_code=status.HTTP_201_CREATED, response_model=Envelope[ResellerOut]
)
async def create_reseller(
    body: ResellerCreate, actor: AdminActor, session: WriteSessionDep
) -> dict[str, Any]:
    """Register a reseller attached to a supplier (admins only)."""
    reseller = await service.create_reseller(session, data=body)
    return envelope(ResellerOut.model_validate(reseller), message="Reseller created")


@router.get("/resellers/{reseller_id}", response_model=Envelope[ResellerOut])
async def get_reseller(
    reseller_id: PathId, actor: CurrentActor, session: ReadSessionDep
) -> dict[str, Any]:
    """One reseller; 404 when it is outside your scope."""
    reseller = await service.get_reseller(session, actor=actor, reseller_id=reseller_id)
    return envelope(ResellerOut.model_validate(reseller))


@router.patch("/resellers/{reseller_id}", response_model=Envelope[ResellerOut])
async def update_reseller(
    reseller_id: PathId, body: ResellerUpdate, actor: AdminActor, session: WriteSessionDep
) -> dict[str, Any]:
    """Change a reseller's name, email or phone (admins only); `null` clears email or phone.
    Its supplier stays: its products and orders belong to that supplier."""
    reseller = await service.update_reseller(
        session, actor=actor, reseller_id=reseller_id, data=body
    )
    return envelope(ResellerOut.model_validate(reseller), message="Reseller updated")


@router.get("/users", response_model=Page[UserOut])
async def list_users(actor: CurrentActor, session: ReadSessionDep, page: PageDep) -> dict[str, Any]:
    """Users you manage: everyone for admins, your agents for a reseller (403 for others)."""
    items, total = await service.list_users(session, actor=actor, page=page)
    return paginated(
        [UserOut.model_validate(u) for u in items], page=page.page, limit=page.limit, total=total
    )


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=Envelope[UserOut])
async def create_user(
    body: UserCreate, actor: CurrentActor, session: WriteSessionDep
) -> dict[str, Any]:
    """Create a login.

    Admins create any role (`supplier` needs `supplierId`; `reseller` and `agent` need
    `resellerId`; no role takes the other's). A reseller creates agents for itself: `role`
    must be `agent` and `resellerId`, when sent, its own (403 naming the field otherwise).
    """
    user = await service.create_user(session, actor=actor, data=body)
    return envelope(UserOut.model_validate(user), message="User created")


@router.patch("/users/{user_id}", response_model=Envelope[UserOut])
async def update_user(
    user_id: PathId, body: UserUpdate, actor: CurrentActor, session: WriteSessionDep
) -> dict[str, Any]:
    """Rename, reset the password, or disable (`isActive: false`) a user you manage.

    A disabled user's tokens stop working at once.
    """
    user = await service.update_user(session, actor=actor, user_id=user_id, data=body)
    return envelope(UserOut.model_validate(user), message="User updated")
