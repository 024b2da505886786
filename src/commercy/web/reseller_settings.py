"""The reseller's settings (admins: any reseller's, named by ``resellerId``): its Digishare
integration with the connection test and the failed jobs to retry, its blocked phones, its
agents and its Converty catalogue and mappings. Every action calls the service its API
endpoint calls, with the same actor, so the scoping rules are the API's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from commercy.accounts import service as accounts
from commercy.accounts.schemas import UserCreate, UserUpdate
from commercy.auth.models import Role, User
from commercy.blocklist import service as blocklist
from commercy.blocklist.schemas import BlockedPhoneCreate
from commercy.converty import service as converty
from commercy.converty.schemas import MappingCreate, mapping_out
from commercy.core.database import ReadSessionDep, UnitOfWorkRoute, WriteSessionDep
from commercy.core.errors import CommercyError, Forbidden, NotFound, ValidationFailed
from commercy.core.ids import PathId, parse_id
from commercy.core.pagination import Page
from commercy.core.settings import Settings
from commercy.integrations.digishare import service as digishare
from commercy.integrations.digishare.models import DigishareIntegration, WebhookAuthType
from commercy.integrations.digishare.schemas import (
    ConnectionTestOut,
    IntegrationOut,
    IntegrationUpdate,
)
from commercy.orders.models import OrderStatus
from commercy.outbox.models import JobState
from commercy.web import forms
from commercy.web.dependencies import CheckedUser, SignedInUser
from commercy.web.i18n import N_
from commercy.web.pages import render
from commercy.web.sessions import SignedIn

router = APIRouter(route_class=UnitOfWorkRoute)

TABS = {
    "digishare": "Digishare",
    "blocked-phones": N_("Blocked phones"),
    "agents": N_("Call-center agents"),
    "converty": "Converty",
}
#: The reseller choices an admin is offered.
LIST_SIZE = 100
#: The Converty tab's second list pages by its own parameter (``page`` is the mappings').
CATALOGUE_PAGE = "catalogPage"
#: What a redirect after an action says, by its ``done`` code.
NOTICES = {
    "saved": N_("Settings saved."),
    "retried": N_("Job scheduled again."),
    "blocked": N_("Phone number blocked."),
    "unblocked": N_("Phone number unblocked."),
    "agent-created": N_("Agent created."),
    "agent-updated": N_("Agent updated."),
    "mapped": N_("Mapping created."),
    "unmapped": N_("Mapping deleted."),
}
WEBHOOK_SECRETS = {
    WebhookAuthType.BASIC: (("username", "webhookUsername"), ("password", "webhookPassword")),
    WebhookAuthType.BEARER: (("token", "webhookToken"),),
    WebhookAuthType.HEADER: (
        ("headerName", "webhookHeaderName"),
        ("headerValue", "webhookHeaderValue"),
    ),
}


# --- whose settings ---------------------------------------------------------------------------


def _reseller_id(request: Request, user: SignedIn) -> int | None:
    """The reseller whose settings these are: a reseller's own (naming another is refused as
    by the API), an admin's choice (None: not chosen yet). Agents and suppliers: 403."""
    actor = user.actor
    if actor.role not in (Role.ADMIN, Role.RESELLER):
        raise Forbidden("These screens are the resellers' and the admins'")
    raw = request.query_params.get("resellerId")
    requested = parse_id(raw) if raw else None
    if raw and requested is None:
        raise ValidationFailed("resellerId", "a reseller id")
    if actor.is_admin and requested is None:
        return None
    return digishare.scoped_reseller_id(actor, requested)


def _suffix(user: SignedIn, reseller_id: int) -> str:
    return f"?resellerId={reseller_id}" if user.actor.is_admin else ""


def _for_admin(user: SignedIn, reseller_id: int) -> int | None:
    """The ``resellerId`` an admin's body names; a reseller's services use its own."""
    return reseller_id if user.actor.is_admin else None


def _pager(page: Page, total: int) -> dict[str, int]:
    return {"page": page.page, "pages": forms.page_count(total, page.limit)}


def _done(path: str, user: SignedIn, reseller_id: int, code: str) -> Response:
    suffix = _suffix(user, reseller_id)
    separator = "&" if suffix else "?"
    return RedirectResponse(f"/app/settings/{path}{suffix}{separator}done={code}", 303)


async def _page(
    request: Request,
    user: SignedIn,
    session: AsyncSession,
    *,
    tab: str,
    reseller_id: int,
    status_code: int = 200,
    **context: Any,
) -> Response:
    loaders: dict[str, Callable[..., Awaitable[dict[str, Any]]]] = {
        "digishare": _digishare_context,
        "blocked-phones": _blocked_context,
        "agents": _agents_context,
        "converty": _converty_context,
    }
    loaded = await loaders[tab](request, user, session, reseller_id)
    done = request.query_params.get("done")
    return render(
        request,
        "settings.html",
        user=user,
        status_code=status_code,
        tabs=TABS,
        tab=tab,
        reseller_id=reseller_id,
        suffix=_suffix(user, reseller_id),
        notice=NOTICES.get(done) if done else None,
        **(loaded | context),
    )


async def _choose_reseller(request: Request, user: SignedIn, session: AsyncSession) -> Response:
    resellers, _ = await accounts.list_resellers(
        session, actor=user.actor, page=Page(page=1, limit=LIST_SIZE)
    )
    return render(request, "settings_choose.html", user=user, resellers=resellers)


@router.get("/settings")
async def settings_home(request: Request, user: SignedInUser) -> Response:
    reseller_id = _reseller_id(request, user)
    query = f"?resellerId={reseller_id}" if reseller_id and user.actor.is_admin else ""
    return RedirectResponse(f"/app/settings/digishare{query}", status_code=303)


@router.get("/settings/{tab}")
async def settings_tab(
    request: Request, tab: str, user: SignedInUser, session: ReadSessionDep
) -> Response:
    if tab not in TABS:
        raise NotFound("No such settings page")
    reseller_id = _reseller_id(request, user)
    if reseller_id is None:
        return await _choose_reseller(request, user, session)
    return await _page(request, user, session, tab=tab, reseller_id=reseller_id)


async def _acting(request: Request, user: SignedIn) -> int:
    reseller_id = _reseller_id(request, user)
    if reseller_id is None:
        raise ValidationFailed("resellerId", "Admins must say which reseller (resellerId)")
    return reseller_id


# --- Digishare ----------------------------------------------------------------------------------


async def _integration(session: AsyncSession, reseller_id: int) -> DigishareIntegration | None:
    try:
        return await digishare.get_integration(session, reseller_id=reseller_id)
    except NotFound:
        return None


async def _digishare_context(
    request: Request, user: SignedIn, session: AsyncSession, reseller_id: int
) -> dict[str, Any]:
    settings: Settings = request.app.state.settings
    integration = await _integration(session, reseller_id)
    described = digishare.describe(integration, settings=settings) if integration else None
    page = forms.page_of(request.query_params)
    jobs, failed = await digishare.list_jobs(
        session, reseller_id=reseller_id, state=JobState.FAILED, page=page
    )
    return {
        "integration": described,
        "failed_jobs": jobs,
        "failed_total": failed,
        **_pager(page, failed),
        "statuses": list(OrderStatus),
        "webhook_types": list(WebhookAuthType),
        "form": None,
    }


def _status_map(raw: str) -> dict[str, str]:
    """One ``digishare-status-id = order-status`` a line."""
    mapping: dict[str, str] = {}
    for line in raw.splitlines():
        if not line.strip():
            continue
        key, equals, value = line.partition("=")
        if not equals or not key.strip() or not value.strip():
            raise ValidationFailed("statusMap", "one 'Digishare status id = order status' a line")
        mapping[key.strip()] = value.strip()
    return mapping


def _integration_update(form: FormData, stored: IntegrationOut | None) -> IntegrationUpdate:
    """The form as the API's body: a secret left empty keeps the stored one."""

    def text(name: str, limit: int = 500, *, multi_line: bool = False) -> str:
        return forms.form_text(form, name, max_length=limit, multi_line=multi_line).strip()

    body: dict[str, Any] = {
        "baseUrl": text("baseUrl"),
        "ticketTypeId": text("ticketTypeId"),
        "initialStatusId": text("initialStatusId"),
        "statusMap": _status_map(text("statusMap", 5000, multi_line=True)),
        "lang": text("lang", 2) or "fr",
        "enabled": form.get("enabled") == "true",
    }
    if text("authMethod", 10) == "oauth":
        body["clientId"] = text("clientId", 200) or None
        if secret := text("clientSecret"):
            body["clientSecret"] = secret
    elif token := text("token"):
        body["token"] = token
    webhook_type = text("webhookType", 10)
    secrets = next(
        (fields for kind, fields in WEBHOOK_SECRETS.items() if kind == webhook_type), None
    )
    if secrets is None:
        raise ValidationFailed("webhookType", "choose basic, bearer or header")
    given = {key: value for key, name in secrets if (value := text(name))}
    unchanged = stored is not None and stored.webhook_auth.type.value == webhook_type
    if given or not unchanged:
        body["webhookAuth"] = {"type": webhook_type, **given}
    return forms.validated(IntegrationUpdate, body)


@router.post("/settings/digishare")
async def save_digishare(request: Request, user: CheckedUser, session: WriteSessionDep) -> Response:
    reseller_id = await _acting(request, user)
    settings: Settings = request.app.state.settings
    form = await request.form()
    integration = await _integration(session, reseller_id)
    stored = digishare.describe(integration, settings=settings) if integration else None
    try:
        data = _integration_update(form, stored)
        await digishare.save_integration(
            session, reseller_id=reseller_id, data=data, settings=settings
        )
    except CommercyError as exc:
        await session.rollback()
        return await _page(
            request,
            user,
            session,
            tab="digishare",
            reseller_id=reseller_id,
            status_code=exc.status_code,
            refusal=forms.refusal(request, exc),
            form=_kept(form),
        )
    return _done("digishare", user, reseller_id, "saved")


def _kept(form: FormData) -> dict[str, str]:
    """What was typed, shown back after a refusal: never a secret."""
    public = ("baseUrl", "authMethod", "clientId", "ticketTypeId", "initialStatusId")
    kept = {name: value for name in public if isinstance(value := form.get(name), str)}
    for name in ("statusMap", "webhookType", "webhookUsername", "webhookHeaderName", "lang"):
        if isinstance(value := form.get(name), str):
            kept[name] = value
    kept["enabled"] = "true" if form.get("enabled") == "true" else ""
    return kept


@router.post("/settings/digishare/test")
async def test_digishare(request: Request, user: CheckedUser, session: WriteSessionDep) -> Response:
    reseller_id = await _acting(request, user)
    settings: Settings = request.app.state.settings
    try:
        integration = await digishare.get_integration(session, reseller_id=reseller_id)
    except NotFound as exc:
        return await _page(
            request,
            user,
            session,
            tab="digishare",
            reseller_id=reseller_id,
            status_code=404,
            refusal=forms.refusal(request, exc),
        )
    result: ConnectionTestOut = await digishare.check_connection(integration, settings=settings)
    return await _page(
        request, user, session, tab="digishare", reseller_id=reseller_id, connection=result
    )


@router.post("/settings/digishare/jobs/{job_id}/retry")
async def retry_digishare_job(
    request: Request, job_id: PathId, user: CheckedUser, session: WriteSessionDep
) -> Response:
    reseller_id = await _acting(request, user)
    try:
        await digishare.retry_job(session, reseller_id=reseller_id, job_id=job_id)
    except CommercyError as exc:
        return await _page(
            request,
            user,
            session,
            tab="digishare",
            reseller_id=reseller_id,
            status_code=exc.status_code,
            refusal=forms.refusal(request, exc),
        )
    return _done("digishare", user, reseller_id, "retried")


# --- blocked phones -----------------------------------------------------------------------------


async def _blocked_context(
    request: Request, user: SignedIn, session: AsyncSession, reseller_id: int
) -> dict[str, Any]:
    page = forms.page_of(request.query_params)
    entries, total = await blocklist.list_blocked(
        session, actor=user.actor, page=page, reseller_id=reseller_id, phone=None
    )
    return {"blocked": entries, "blocked_total": total, "form": None, **_pager(page, total)}


@router.post("/settings/blocked-phones")
async def block_phone(request: Request, user: CheckedUser, session: WriteSessionDep) -> Response:
    reseller_id = await _acting(request, user)
    settings: Settings = request.app.state.settings
    form = await request.form()
    try:
        data = forms.validated(
            BlockedPhoneCreate,
            {
                "phone": forms.form_text(form, "phone", max_length=40),
                "reason": forms.form_text(form, "reason", max_length=500),
                "resellerId": _for_admin(user, reseller_id),
            },
        )
        await blocklist.block(
            session, actor=user.actor, data=data, region=settings.default_phone_region
        )
    except CommercyError as exc:
        await session.rollback()
        return await _page(
            request,
            user,
            session,
            tab="blocked-phones",
            reseller_id=reseller_id,
            status_code=exc.status_code,
            refusal=forms.refusal(request, exc),
            form={name: form.get(name) for name in ("phone", "reason")},
        )
    return _done("blocked-phones", user, reseller_id, "blocked")


@router.post("/settings/blocked-phones/{entry_id}/delete")
async def unblock_phone(
    request: Request, entry_id: PathId, user: CheckedUser, session: WriteSessionDep
) -> Response:
    reseller_id = await _acting(request, user)
    await blocklist.unblock(session, actor=user.actor, entry_id=entry_id)
    return _done("blocked-phones", user, reseller_id, "unblocked")


# --- agents -------------------------------------------------------------------------------------


async def _agents_context(
    request: Request, user: SignedIn, session: AsyncSession, reseller_id: int
) -> dict[str, Any]:
    page = forms.page_of(request.query_params)
    # A reseller manages its own agents only; an admin every user, so the chosen reseller's.
    agents, total = await accounts.list_users(
        session, actor=user.actor, page=page, role=Role.AGENT, reseller_id=reseller_id
    )
    return {"agents": agents, "form": None, **_pager(page, total)}


@router.post("/settings/agents")
async def create_agent(request: Request, user: CheckedUser, session: WriteSessionDep) -> Response:
    reseller_id = await _acting(request, user)
    form = await request.form()
    try:
        data = forms.validated(
            UserCreate,
            {
                "identifier": forms.form_text(form, "identifier", max_length=200).strip(),
                "name": forms.form_text(form, "name", max_length=200).strip() or None,
                "password": forms.form_text(form, "password", max_length=200),
                "role": Role.AGENT.value,
                "resellerId": _for_admin(user, reseller_id),
            },
        )
        await accounts.create_user(session, actor=user.actor, data=data)
    except CommercyError as exc:
        await session.rollback()
        return await _page(
            request,
            user,
            session,
            tab="agents",
            reseller_id=reseller_id,
            status_code=exc.status_code,
            refusal=forms.refusal(request, exc),
            form={name: form.get(name) for name in ("identifier", "name")},
        )
    return _done("agents", user, reseller_id, "agent-created")


@router.post("/settings/agents/{user_id}/active")
async def set_agent_active(
    request: Request, user_id: PathId, user: CheckedUser, session: WriteSessionDep
) -> Response:
    reseller_id = await _acting(request, user)
    raw = forms.form_text(await request.form(), "isActive", max_length=5)
    if raw not in ("true", "false"):
        raise ValidationFailed("isActive", "true or false")
    agent = await session.get(User, user_id)
    if agent is None or agent.role is not Role.AGENT or agent.reseller_id != reseller_id:
        raise NotFound(f"User {user_id} not found")
    await accounts.update_user(
        session, actor=user.actor, user_id=user_id, data=UserUpdate(is_active=raw == "true")
    )
    return _done("agents", user, reseller_id, "agent-updated")


# --- Converty -----------------------------------------------------------------------------------


async def _converty_context(
    request: Request, user: SignedIn, session: AsyncSession, reseller_id: int
) -> dict[str, Any]:
    scope = _for_admin(user, reseller_id)
    catalogue_page = forms.page_of(request.query_params, CATALOGUE_PAGE)
    catalogue, total = await converty.list_catalog(
        session, actor=user.actor, page=catalogue_page, reseller_id=scope
    )
    page = forms.page_of(request.query_params)
    mappings, mapped = await converty.page_of_mappings(
        session, actor=user.actor, reseller_id=scope, page=page
    )
    return {
        "catalogue": catalogue,
        "catalogue_total": total,
        "catalogue_page": catalogue_page.page,
        "catalogue_pages": forms.page_count(total, catalogue_page.limit),
        "catalogue_param": CATALOGUE_PAGE,
        "mappings": [mapping_out(mapping) for mapping in mappings],
        "form": None,
        **_pager(page, mapped),
    }


def _id_field(form: FormData, name: str) -> int:
    value = parse_id(forms.form_text(form, name, max_length=20).strip())
    if value is None:
        raise ValidationFailed(name, "an id, a whole number")
    return value


@router.post("/settings/converty/mappings")
async def create_mapping(request: Request, user: CheckedUser, session: WriteSessionDep) -> Response:
    reseller_id = await _acting(request, user)
    form = await request.form()
    try:
        data = MappingCreate(
            converty_product_id=_id_field(form, "convertyProductId"),
            supplier_product_id=_id_field(form, "supplierProductId"),
            reseller_id=_for_admin(user, reseller_id),
        )
        await converty.create_mapping(session, actor=user.actor, data=data)
    except CommercyError as exc:
        await session.rollback()
        return await _page(
            request,
            user,
            session,
            tab="converty",
            reseller_id=reseller_id,
            status_code=exc.status_code,
            refusal=forms.refusal(request, exc),
            form={name: form.get(name) for name in ("convertyProductId", "supplierProductId")},
        )
    return _done("converty", user, reseller_id, "mapped")


@router.post("/settings/converty/mappings/{mapping_id}/delete")
async def delete_mapping(
    request: Request, mapping_id: PathId, user: CheckedUser, session: WriteSessionDep
) -> Response:
    reseller_id = await _acting(request, user)
    await converty.delete_mapping(session, actor=user.actor, mapping_id=mapping_id)
    return _done("converty", user, reseller_id, "unmapped")
