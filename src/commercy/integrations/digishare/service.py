"""A reseller's Digishare settings, and the promise to notify Digishare of each new order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import FromClause, Table, bindparam, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.accounts.models import Reseller
from commercy.auth.actor import Actor, check_own_id
from commercy.auth.models import Role
from commercy.core.crypto import SealError, seal, unseal
from commercy.core.database import Precompiled, WriteSession
from commercy.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from commercy.core.outbound import OutboundPolicy
from commercy.core.pagination import Page, paginate
from commercy.core.settings import Settings
from commercy.integrations.digishare.client import DigishareClient, DigishareError
from commercy.integrations.digishare.credentials import (
    ClientCredentials,
    Credentials,
    PersonalAccessToken,
)
from commercy.integrations.digishare.models import (
    AuthMethod,
    DigishareEvent,
    DigishareIntegration,
    DigishareTicket,
)
from commercy.integrations.digishare.schemas import (
    ConnectionState,
    ConnectionTestOut,
    IntegrationOut,
    IntegrationUpdate,
    WebhookAuthOut,
)
from commercy.orders.events import ConfirmationColumns
from commercy.orders.models import Order, OrderSource
from commercy.orders.schemas import ConfirmationOut, ConfirmationState
from commercy.outbox import service as outbox_service
from commercy.outbox.models import JobState, OutboxJob

NOTIFY_ORDER = "digishare.notify_order"
UPDATE_TICKET = "digishare.update_ticket"
#: An edit of these (wire names) changes what the customer is asked to confirm on WhatsApp.
REFLECTED_FIELDS = frozenset({"customerPhone", "items", "total"})
#: The jobs a reseller sees and retries: opening tickets, and noting edits on them.
JOB_KINDS = (NOTIFY_ORDER, UPDATE_TICKET)


def scoped_reseller_id(actor: Actor, requested: int | None) -> int:
    """Admins name the reseller (`resellerId`); a reseller always acts on its own settings."""
    if actor.is_admin:
        if requested is None:
            raise ValidationFailed(
                "resellerId",
                "Admins must say which reseller (resellerId)",
                code="reseller_required",
            )
        return requested
    if actor.role is Role.RESELLER and actor.reseller_id is not None:
        check_own_id(field="resellerId", given=requested, own=actor.reseller_id)
        return actor.reseller_id
    raise Forbidden(
        "Only admins and resellers manage Digishare settings", code="role_cannot_manage_digishare"
    )


async def get_integration(session: AsyncSession, *, reseller_id: int) -> DigishareIntegration:
    integration = await session.scalar(
        select(DigishareIntegration).where(DigishareIntegration.reseller_id == reseller_id)
    )
    if integration is None:
        raise NotFound(
            f"Reseller {reseller_id} has no Digishare integration yet",
            code="no_digishare_integration",
        )
    return integration


async def save_integration(
    session: WriteSession, *, reseller_id: int, data: IntegrationUpdate, settings: Settings
) -> DigishareIntegration:
    """Create or replace the settings; omitted secrets keep their stored value."""
    if await session.get(Reseller, reseller_id) is None:
        raise NotFound(f"Reseller {reseller_id} not found", code="reseller_not_found")
    integration = await session.scalar(
        select(DigishareIntegration).where(DigishareIntegration.reseller_id == reseller_id)
    )
    if integration is None:
        if data.token is None and data.client_id is None:
            raise ValidationFailed(
                "token",
                "A Digishare token, or OAuth clientId and clientSecret, is required",
                code="digishare_credentials_required",
            )
        if data.webhook_auth is None:
            raise ValidationFailed(
                "webhookAuth",
                "Say how Digishare authenticates its webhooks",
                code="webhook_auth_required",
            )
        integration = DigishareIntegration(reseller_id=reseller_id)
        session.add(integration)
    _set_credentials(integration, data=data, settings=settings)
    integration.base_url = api_root(data.base_url)
    if (refusal := await OutboundPolicy.of(settings).check_url(integration.base_url)) is not None:
        raise ValidationFailed(
            "baseUrl", f"Commercy may not call this address: {refusal}", code="address_refused"
        )
    integration.ticket_type_id = data.ticket_type_id
    integration.initial_status_id = data.initial_status_id
    integration.status_map = {key: value.value for key, value in data.status_map.items()}
    integration.lang = data.lang
    integration.enabled = data.enabled
    if data.webhook_auth is not None:
        integration.webhook_auth_type = data.webhook_auth.type
        integration.webhook_auth_name = data.webhook_auth.name
        integration.webhook_secret_sealed = seal(data.webhook_auth.secret, settings=settings)
    await session.flush()
    return integration


def api_root(base_url: str) -> str:
    """Digishare's address without the ``/v1`` its documentation includes: the client adds
    it to every path."""
    root = base_url.rstrip("/")
    return root.removesuffix("/v1") if root.endswith("/v1") else root


def _set_credentials(
    integration: DigishareIntegration, *, data: IntegrationUpdate, settings: Settings
) -> None:
    """A token, or client credentials: whichever is sent replaces the other."""
    if data.token is not None:
        integration.auth_method = AuthMethod.TOKEN
        integration.token_sealed = seal(data.token, settings=settings)
        integration.client_id = integration.client_secret_sealed = None
    elif data.client_id is not None:
        if data.client_secret is not None:
            integration.client_secret_sealed = seal(data.client_secret, settings=settings)
        elif integration.client_secret_sealed is None:
            raise ValidationFailed(
                "clientSecret", "The OAuth client secret is required", code="client_secret_required"
            )
        integration.auth_method = AuthMethod.OAUTH
        integration.client_id = data.client_id
        integration.token_sealed = None


def credentials_of(integration: DigishareIntegration, *, settings: Settings) -> Credentials:
    """The integration's credentials, unsealed; SealError when the key cannot open them."""
    if integration.auth_method is AuthMethod.OAUTH:
        return ClientCredentials(
            client_id=integration.client_id or "",
            client_secret=unseal(integration.client_secret_sealed or "", settings=settings),
        )
    return PersonalAccessToken(unseal(integration.token_sealed or "", settings=settings))


async def check_connection(
    integration: DigishareIntegration, *, settings: Settings
) -> ConnectionTestOut:
    """Calls Digishare's cheapest documented read with the saved credentials."""
    account: dict[str, str | None] | None = None
    reason: str | None = None
    try:
        credentials = credentials_of(integration, settings=settings)
        async with DigishareClient(
            base_url=integration.base_url,
            credentials=credentials,
            policy=OutboundPolicy.of(settings),
            timeout_seconds=settings.digishare_timeout_seconds,
            in_place_attempts=1,
        ) as client:
            profile = await client.profile()
        account = {key: _text(profile.get(key)) for key in ("id", "name", "email")}
        state = ConnectionState.OK
    except SealError as exc:
        state, reason = ConnectionState.UNAUTHORIZED, str(exc)
    except DigishareError as exc:
        reason = str(exc)
        refused = exc.status in (400, 401, 403)
        state = ConnectionState.UNAUTHORIZED if refused else ConnectionState.UNREACHABLE
    return ConnectionTestOut(
        status=state,
        reason=reason,
        account=account,
        base_url=integration.base_url,
        auth_method=integration.auth_method,
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)[:200]


def webhook_url(integration: DigishareIntegration, *, settings: Settings) -> str:
    return f"{settings.public_base_url.rstrip('/')}/api/v1/webhooks/digishare/{integration.id}"


def describe(integration: DigishareIntegration, *, settings: Settings) -> IntegrationOut:
    return IntegrationOut(
        id=integration.id,
        reseller_id=integration.reseller_id,
        base_url=integration.base_url,
        auth_method=integration.auth_method,
        token_set=bool(integration.token_sealed),
        client_id=integration.client_id,
        client_secret_set=bool(integration.client_secret_sealed),
        ticket_type_id=integration.ticket_type_id,
        initial_status_id=integration.initial_status_id,
        status_map=dict(integration.status_map),
        webhook_auth=WebhookAuthOut(
            type=integration.webhook_auth_type,
            username=integration.webhook_auth_name
            if integration.webhook_auth_type == "basic"
            else None,
            header_name=integration.webhook_auth_name
            if integration.webhook_auth_type == "header"
            else None,
        ),
        webhook_url=webhook_url(integration, settings=settings),
        lang=integration.lang,
        enabled=integration.enabled,
        created_at=integration.created_at,
        updated_at=integration.updated_at,
    )


# The job opening an order's ticket, written only when the reseller's integration is enabled:
# one statement for every order created.
_INTEGRATIONS = DigishareIntegration.__table__.c
_NOTIFY_WHEN_ENABLED = outbox_service.enqueue_statement(
    exists().where(
        _INTEGRATIONS.reseller_id == bindparam("integration_reseller_id"), _INTEGRATIONS.enabled
    )
)


async def notify_new_order(session: WriteSession, order: Order) -> int | None:
    """Listens to new orders, in the order's own transaction: promise to open its Digishare
    ticket (the job's id; None when none is due).

    Walk-in sales (`sur_place`) are delivered already, orders from a blocked number are not
    to be confirmed, and resellers without an enabled integration confirm by phone: none of
    them gets a job.
    """
    if order.source == OrderSource.SUR_PLACE or order.blocked:
        return None
    return await outbox_service.enqueue_where(
        session,
        _NOTIFY_WHEN_ENABLED,
        kind=NOTIFY_ORDER,
        payload={"order_id": order.id},
        reseller_id=order.reseller_id,
        order_id=order.id,
        params={"integration_reseller_id": order.reseller_id},
    )


async def reflect_edit(
    session: WriteSession, order: Order, fields: frozenset[str]
) -> OutboxJob | None:
    """Listens to edits, in the edit's own transaction: when the phone or the basket changed and
    the order's ticket exists, promise to note the new order on the ticket, so the customer is
    not asked to confirm the old one. An order whose ticket is not open yet needs nothing: its
    ticket job reads the order as it is when it runs. One job waiting per order is enough: it
    notes the order as it is when it runs."""
    if not fields & REFLECTED_FIELDS:
        return None
    if await session.get(DigishareTicket, order.id) is None:
        return None
    jobs = OutboxJob.__table__.c
    waiting = await session.scalar(
        select(jobs.id).where(
            jobs.kind == UPDATE_TICKET, jobs.order_id == order.id, jobs.state == JobState.PENDING
        )
    )
    if waiting is not None:
        return None
    return await outbox_service.enqueue(
        session,
        kind=UPDATE_TICKET,
        payload={"order_id": order.id},
        reseller_id=order.reseller_id,
        order_id=order.id,
    )


_JOBS = OutboxJob.__table__.c
_TICKETS = DigishareTicket.__table__.c
# The latest ticket job of an order, and its ticket once created: in Core, compiled once (an
# agent's every read of an order asks it).
_CONFIRMATION_COLUMNS = (
    _JOBS.id.label("job_id"),
    _JOBS.state,
    _JOBS.attempts,
    _JOBS.last_error,
    _TICKETS.ticket_id,
    _TICKETS.last_event_at,
)
_CONFIRMATION = Precompiled(
    select(*_CONFIRMATION_COLUMNS)
    .select_from(
        OutboxJob.__table__.outerjoin(
            DigishareTicket.__table__, _TICKETS.order_id == _JOBS.order_id
        )
    )
    .where(_JOBS.kind == NOTIFY_ORDER, _JOBS.order_id == bindparam("order_id"))
    .order_by(_JOBS.id.desc())
    .limit(1)
)


async def confirmation_of(session: AsyncSession, order_id: int) -> ConfirmationOut | None:
    """Tells orders where an order's WhatsApp confirmation stands: its Digishare ticket and the
    job opening it; None when the order has no job (walk-in sales, resellers without an
    enabled integration)."""
    rows = await _CONFIRMATION.rows(session, {"order_id": order_id})
    return _confirmation_answer(rows[0]) if rows else None


def _confirmation_answer(row: Mapping[str, Any]) -> ConfirmationOut:
    sent = row["ticket_id"] is not None
    if sent:
        state = ConfirmationState.SENT
    elif row["state"] == JobState.FAILED:
        state = ConfirmationState.FAILED
    else:
        state = ConfirmationState.PENDING
    return ConfirmationOut(
        provider="digishare",
        state=state,
        ticket_id=row["ticket_id"],
        job_id=row["job_id"],
        attempts=row["attempts"],
        last_error=None if sent else row["last_error"],
        last_event_at=row["last_event_at"],
    )


_LATEST_JOBS = OutboxJob.__table__.alias("latest_jobs").c


def _latest_ticket_job(orders: Table) -> FromClause:
    """The orders table joined to each order's latest ticket job and its ticket once created:
    the row :data:`_CONFIRMATION` reads, for the order's detail statement."""
    latest = (
        select(func.max(_LATEST_JOBS.id))
        .where(_LATEST_JOBS.kind == NOTIFY_ORDER, _LATEST_JOBS.order_id == orders.c.id)
        .scalar_subquery()
    )
    return orders.join(OutboxJob.__table__, _JOBS.id == latest).outerjoin(
        DigishareTicket.__table__, _TICKETS.order_id == _JOBS.order_id
    )


# confirmation_of's read, said as columns of an order's detail statement: one round trip less.
CONFIRMATION_COLUMNS = ConfirmationColumns(
    source=_latest_ticket_job,
    columns=_CONFIRMATION_COLUMNS,
    answer=_confirmation_answer,
)


async def list_jobs(
    session: AsyncSession, *, reseller_id: int, state: JobState | None, page: Page
) -> tuple[Sequence[OutboxJob], int]:
    return await outbox_service.list_jobs(
        session, kinds=JOB_KINDS, reseller_id=reseller_id, state=state, page=page
    )


async def retry_job(session: WriteSession, *, reseller_id: int, job_id: int) -> OutboxJob:
    job = await session.get(OutboxJob, job_id)
    if job is None or job.kind not in JOB_KINDS or job.reseller_id != reseller_id:
        raise NotFound(f"Job {job_id} not found", code="job_not_found")
    if job.state is not JobState.FAILED:
        raise Conflict(
            f"Only failed jobs can be retried; job {job_id} is {job.state.value}",
            code="job_not_failed",
        )
    return await outbox_service.retry_now(session, job=job)


async def list_events(
    session: AsyncSession, *, integration: DigishareIntegration, page: Page
) -> tuple[Sequence[DigishareEvent], int]:
    statement = (
        select(DigishareEvent)
        .where(DigishareEvent.integration_id == integration.id)
        .order_by(DigishareEvent.id.desc())
    )
    return await paginate(session, statement, page=page)
