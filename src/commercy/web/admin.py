"""The admin's screens: suppliers, resellers and users, created and managed with the services
``POST /suppliers``, ``POST /resellers``, ``POST /users`` and ``PATCH /users/{id}`` call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from commercy.accounts import service
from commercy.accounts.schemas import (
    ResellerCreate,
    ResellerUpdate,
    SupplierCreate,
    SupplierUpdate,
    UserCreate,
    UserUpdate,
)
from commercy.auth.models import Role
from commercy.core.database import ReadSessionDep, UnitOfWorkRoute, WriteSession, WriteSessionDep
from commercy.core.errors import CommercyError, Forbidden, ValidationFailed
from commercy.core.ids import PathId, parse_id
from commercy.core.pagination import Page
from commercy.core.schemas import StrictWireModel
from commercy.web import forms
from commercy.web.dependencies import CheckedUser, SignedInUser
from commercy.web.pages import render
from commercy.web.sessions import SignedIn

router = APIRouter(prefix="/admin", route_class=UnitOfWorkRoute)

#: The suppliers and resellers a form offers to attach to (the demo and real networks have few).
CHOICES_LIMIT = 200
NOTICES = frozenset({"created", "updated"})
Body = TypeVar("Body", bound=StrictWireModel)


def _admin(user: SignedIn) -> SignedIn:
    if not user.actor.is_admin:
        raise Forbidden("These screens are the admins'")
    return user


def _read(model: type[Body], form: FormData, fields: tuple[str, ...]) -> Body:
    """The form's fields (empty ones left out) read by the API's request body."""
    values: dict[str, Any] = {}
    for name in fields:
        text = forms.form_text(form, name, max_length=400)
        if text.strip():
            values[name] = _id(name, text) if name.endswith("Id") else text
    return forms.validated(model, values)


def _id(name: str, text: str) -> int:
    found = parse_id(text.strip())
    if found is None:
        raise ValidationFailed(name, "choose one in the list")
    return found


def _echo(form: FormData, fields: tuple[str, ...]) -> dict[str, str]:
    """What the form sent, to fill it again after a refusal (a field that is not text, empty)."""
    values = {}
    for name in fields:
        try:
            values[name] = forms.form_text(form, name, max_length=400)
        except ValidationFailed:
            values[name] = ""
    return values


def _kept(**filters: str | None) -> str:
    """The list's filters for its pager's links, ending with ``&`` when there are any."""
    kept = urlencode({name: value for name, value in filters.items() if value})
    return f"{kept}&" if kept else ""


def _notice(raw: str | None) -> str | None:
    return raw if raw in NOTICES else None


# --- suppliers and resellers -------------------------------------------------------------------

CONTACT_FIELDS = ("name", "email", "phone")
SUPPLIER_FIELDS = CONTACT_FIELDS
RESELLER_FIELDS = ("name", "supplierId", "email", "phone")


@dataclass(frozen=True, slots=True)
class Party:
    """What differs between the supplier and the reseller screens; the handlers are shared."""

    kind: str
    fields: tuple[str, ...]
    create_model: type[StrictWireModel]
    update_model: type[StrictWireModel]
    create: Callable[[WriteSession, Any], Awaitable[Any]]
    get: Callable[[AsyncSession, SignedIn, int], Awaitable[Any]]
    update: Callable[[WriteSession, SignedIn, int, Any], Awaitable[Any]]
    list_page: Callable[..., Awaitable[Response]]


@router.get("/suppliers")
async def suppliers_page(request: Request, user: SignedInUser, session: ReadSessionDep) -> Response:
    _admin(user)
    return await _suppliers_page(request, user, session)


async def _suppliers_page(
    request: Request,
    user: SignedIn,
    session: AsyncSession,
    *,
    status_code: int = 200,
    **context: Any,
) -> Response:
    page = forms.page_of(request.query_params)
    search = forms.search_of(request.query_params)
    suppliers, total = await service.list_suppliers(
        session, actor=user.actor, page=page, search=search
    )
    return render(
        request,
        "admin_suppliers.html",
        user=user,
        status_code=status_code,
        suppliers=suppliers,
        total=total,
        page=page.page,
        pages=forms.page_count(total),
        search=search,
        list_query=_kept(search=search),
        notice=_notice(request.query_params.get("done")),
        **{"errors": {}, "values": {}, "message": None, **context},
    )


@router.get("/resellers")
async def resellers_page(request: Request, user: SignedInUser, session: ReadSessionDep) -> Response:
    _admin(user)
    return await _resellers_page(request, user, session)


async def _resellers_page(
    request: Request,
    user: SignedIn,
    session: AsyncSession,
    *,
    status_code: int = 200,
    **context: Any,
) -> Response:
    page = forms.page_of(request.query_params)
    search = forms.search_of(request.query_params)
    resellers, total = await service.list_resellers(
        session, actor=user.actor, page=page, search=search
    )
    suppliers, _ = await service.list_suppliers(
        session, actor=user.actor, page=Page(page=1, limit=CHOICES_LIMIT)
    )
    return render(
        request,
        "admin_resellers.html",
        user=user,
        status_code=status_code,
        resellers=resellers,
        supplier_names={supplier.id: supplier.name for supplier in suppliers},
        suppliers=suppliers,
        total=total,
        page=page.page,
        pages=forms.page_count(total),
        search=search,
        list_query=_kept(search=search),
        notice=_notice(request.query_params.get("done")),
        **{"errors": {}, "values": {}, "message": None, **context},
    )


SUPPLIERS = Party(
    kind="supplier",
    fields=SUPPLIER_FIELDS,
    create_model=SupplierCreate,
    update_model=SupplierUpdate,
    create=lambda session, data: service.create_supplier(session, data=data),
    get=lambda session, user, id_: service.get_supplier(session, actor=user.actor, supplier_id=id_),
    update=lambda session, user, id_, data: service.update_supplier(
        session, actor=user.actor, supplier_id=id_, data=data
    ),
    list_page=_suppliers_page,
)
RESELLERS = Party(
    kind="reseller",
    fields=RESELLER_FIELDS,
    create_model=ResellerCreate,
    update_model=ResellerUpdate,
    create=lambda session, data: service.create_reseller(session, data=data),
    get=lambda session, user, id_: service.get_reseller(session, actor=user.actor, reseller_id=id_),
    update=lambda session, user, id_, data: service.update_reseller(
        session, actor=user.actor, reseller_id=id_, data=data
    ),
    list_page=_resellers_page,
)


@router.post("/suppliers")
async def create_supplier(
    request: Request, user: CheckedUser, session: WriteSessionDep
) -> Response:
    return await _create(request, user, session, SUPPLIERS)


@router.get("/suppliers/{supplier_id}")
async def supplier_page(
    request: Request, supplier_id: PathId, user: SignedInUser, session: ReadSessionDep
) -> Response:
    return await _party_page(request, user, session, SUPPLIERS, supplier_id)


@router.post("/suppliers/{supplier_id}")
async def update_supplier(
    request: Request, supplier_id: PathId, user: CheckedUser, session: WriteSessionDep
) -> Response:
    return await _update(request, user, session, SUPPLIERS, supplier_id)


@router.post("/resellers")
async def create_reseller(
    request: Request, user: CheckedUser, session: WriteSessionDep
) -> Response:
    return await _create(request, user, session, RESELLERS)


@router.get("/resellers/{reseller_id}")
async def reseller_page(
    request: Request, reseller_id: PathId, user: SignedInUser, session: ReadSessionDep
) -> Response:
    return await _party_page(request, user, session, RESELLERS, reseller_id)


@router.post("/resellers/{reseller_id}")
async def update_reseller(
    request: Request, reseller_id: PathId, user: CheckedUser, session: WriteSessionDep
) -> Response:
    return await _update(request, user, session, RESELLERS, reseller_id)


async def _create(
    request: Request, user: SignedIn, session: WriteSession, party: Party
) -> Response:
    _admin(user)
    form = await request.form()
    try:
        created = await party.create(session, _read(party.create_model, form, party.fields))
    except CommercyError as exc:
        return await party.list_page(
            request,
            user,
            session,
            status_code=400,
            values=_echo(form, party.fields),
            **forms.refusal(request, exc).shown(),
        )
    return RedirectResponse(f"/app/admin/{party.kind}s?done=created#{party.kind}-{created.id}", 303)


async def _party_page(
    request: Request, user: SignedIn, session: AsyncSession, party: Party, party_id: int
) -> Response:
    _admin(user)
    found = await party.get(session, user, party_id)
    return _contact_page(request, user, found, kind=party.kind)


async def _update(
    request: Request, user: SignedIn, session: WriteSession, party: Party, party_id: int
) -> Response:
    """The name, email and phone of a supplier or reseller (an empty email or phone clears it)."""
    _admin(user)
    form = await request.form()
    try:
        await party.update(session, user, party_id, _contact_change(party.update_model, form))
    except CommercyError as exc:
        if exc.status_code == 404:
            raise
        found = await party.get(session, user, party_id)
        return _contact_page(
            request,
            user,
            found,
            kind=party.kind,
            values=_echo(form, CONTACT_FIELDS),
            **forms.refusal(request, exc).shown(),
        )
    return RedirectResponse(f"/app/admin/{party.kind}s/{party_id}?done=updated", 303)


def _contact_change(model: type[Body], form: FormData) -> Body:
    """The edit form sends every field: an empty email or phone clears it, a name is needed."""
    change = _read(model, form, CONTACT_FIELDS)
    cleared = {name: None for name in ("email", "phone") if name not in change.model_fields_set}
    if "name" not in change.model_fields_set:
        raise ValidationFailed("name", "type a name")
    return model.model_validate({**change.model_dump(exclude_unset=True), **cleared})


def _contact_page(
    request: Request, user: SignedIn, party: Any, *, kind: str, **context: Any
) -> Response:
    status_code = 400 if context.get("errors") or context.get("message") else 200
    values = {"name": party.name, "email": party.email or "", "phone": party.phone or ""}
    return render(
        request,
        "admin_contact.html",
        user=user,
        status_code=status_code,
        party=party,
        kind=kind,
        notice=_notice(request.query_params.get("done")),
        **{"errors": {}, "values": values, "message": None, **context},
    )


# --- users --------------------------------------------------------------------------------------

USER_FIELDS = ("identifier", "name", "password", "role", "supplierId", "resellerId")


def _role_filter(raw: str | None) -> Role | None:
    if not raw:
        return None
    role = next((role for role in Role if role.value == raw), None)
    if role is None:
        raise ValidationFailed("role", f"one of: {', '.join(role.value for role in Role)}")
    return role


@router.get("/users")
async def users_page(request: Request, user: SignedInUser, session: ReadSessionDep) -> Response:
    _admin(user)
    return await _users_page(request, user, session)


async def _users_page(
    request: Request,
    user: SignedIn,
    session: AsyncSession,
    *,
    status_code: int = 200,
    **context: Any,
) -> Response:
    query = request.query_params
    forms.check_text("role", query.get("role") or "", max_length=16)
    role = _role_filter(query.get("role"))
    page = forms.page_of(query)
    search = forms.search_of(query)
    users, total = await service.list_users(
        session, actor=user.actor, page=page, role=role, search=search
    )
    choices = Page(page=1, limit=CHOICES_LIMIT)
    suppliers, _ = await service.list_suppliers(session, actor=user.actor, page=choices)
    resellers, _ = await service.list_resellers(session, actor=user.actor, page=choices)
    return render(
        request,
        "admin_users.html",
        user=user,
        status_code=status_code,
        users=users,
        role=role,
        roles=list(Role),
        search=search,
        list_query=_kept(role=role.value if role else None, search=search),
        suppliers=suppliers,
        resellers=resellers,
        supplier_names={supplier.id: supplier.name for supplier in suppliers},
        reseller_names={reseller.id: reseller.name for reseller in resellers},
        total=total,
        page=page.page,
        pages=forms.page_count(total),
        notice=_notice(query.get("done")),
        **{"errors": {}, "values": {}, "message": None, **context},
    )


def _attachment_only(form: FormData) -> tuple[str, ...]:
    """The form offers both lists; only the one the chosen role takes is sent to the service."""
    role = forms.form_text(form, "role", max_length=16)
    attachment = {
        "supplier": ("supplierId",),
        "reseller": ("resellerId",),
        "agent": ("resellerId",),
    }
    return ("identifier", "name", "password", "role", *attachment.get(role, ()))


@router.post("/users")
async def create_user(request: Request, user: CheckedUser, session: WriteSessionDep) -> Response:
    _admin(user)
    form = await request.form()
    try:
        created = await service.create_user(
            session, actor=user.actor, data=_read(UserCreate, form, _attachment_only(form))
        )
    except CommercyError as exc:
        values = _echo(form, tuple(name for name in USER_FIELDS if name != "password"))
        return await _users_page(
            request,
            user,
            session,
            status_code=400,
            values=values,
            **forms.refusal(request, exc).shown(),
        )
    return RedirectResponse(f"/app/admin/users/{created.id}?done=created", 303)


@router.get("/users/{user_id}")
async def user_page(
    request: Request, user_id: PathId, user: SignedInUser, session: ReadSessionDep
) -> Response:
    _admin(user)
    return await _user_page(request, user, session, user_id=user_id)


async def _user_page(
    request: Request,
    user: SignedIn,
    session: AsyncSession,
    *,
    user_id: int,
    status_code: int = 200,
    **context: Any,
) -> Response:
    managed = await service.get_user(session, actor=user.actor, user_id=user_id)
    return render(
        request,
        "admin_user.html",
        user=user,
        status_code=status_code,
        managed=managed,
        notice=_notice(request.query_params.get("done")),
        **{"errors": {}, "message": None, **context},
    )


def _user_change(form: FormData) -> UserUpdate:
    """One of the page's three forms: the name, a new password, or enable/disable."""
    action = forms.form_text(form, "action", max_length=16)
    if action == "rename":
        renamed = _read(UserUpdate, form, ("name",))
        if renamed.name is None:
            raise ValidationFailed("name", "type a name")
        return renamed
    if action == "password":
        change = _read(UserUpdate, form, ("password",))
        if change.password is None:
            raise ValidationFailed("password", "type the new password")
        return change
    if action in ("disable", "enable"):
        return UserUpdate(is_active=action == "enable")
    raise ValidationFailed("action", "choose one of the buttons")


@router.post("/users/{user_id}")
async def update_user(
    request: Request, user_id: PathId, user: CheckedUser, session: WriteSessionDep
) -> Response:
    _admin(user)
    form = await request.form()
    try:
        change = _user_change(form)
        await service.update_user(session, actor=user.actor, user_id=user_id, data=change)
    except CommercyError as exc:
        if exc.status_code == 404:
            raise
        return await _user_page(
            request,
            user,
            session,
            user_id=user_id,
            status_code=400,
            **forms.refusal(request, exc).shown(),
        )
    return RedirectResponse(f"/app/admin/users/{user_id}?done=updated", 303)
