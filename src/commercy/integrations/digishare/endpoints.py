from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from commercy.auth.dependencies import CurrentActor
from commercy.core.database import ReadSessionDep, UnitOfWorkRoute, WriteSession, WriteSessionDep
from commercy.core.dependencies import SettingsDep
from commercy.core.envelopes import Envelope, Page
from commercy.core.errors import NotFound, error_response
from commercy.core.ids import PathId, id_query
from commercy.core.pagination import PageDep
from commercy.core.responses import envelope, envelope_response, paginated
from commercy.core.settings import Settings
from commercy.integrations.digishare import inbox, repository, service
from commercy.integrations.digishare.models import EventOutcome
from commercy.integrations.digishare.schemas import (
    ConnectionTestOut,
    EventOut,
    IntegrationOut,
    IntegrationUpdate,
    JobOut,
    WebhookAnswer,
)
from commercy.outbox.models import JobState, OutboxJob

router = APIRouter(
    prefix="/integrations/digishare", tags=["digishare"], route_class=UnitOfWorkRoute
)
webhook_router = APIRouter(prefix="/webhooks", tags=["digishare"], route_class=UnitOfWorkRoute)

ResellerParam = Annotated[
    int | None, id_query(alias="resellerId", description="Admins only: whose settings")
]


@router.get("", response_model=Envelope[IntegrationOut])
async def get_settings(
    actor: CurrentActor,
    session: ReadSessionDep,
    settings: SettingsDep,
    reseller_id: ResellerParam = None,
) -> dict[str, Any]:
    """Your Digishare settings (admins: `?resellerId=`). The token is never returned, only
    `tokenSet`; `webhookUrl` is the address to paste in Digishare's webhook dashboard."""
    integration = await service.get_integration(
        session, reseller_id=service.scoped_reseller_id(actor, reseller_id)
    )
    return envelope(service.describe(integration, settings=settings))


@router.put("", response_model=Envelope[IntegrationOut])
async def put_settings(
    body: IntegrationUpdate,
    actor: CurrentActor,
    session: WriteSessionDep,
    settings: SettingsDep,
    reseller_id: ResellerParam = None,
) -> dict[str, Any]:
    """Create or replace your Digishare settings.

    `token` (Digishare API token) and the webhook credential are write-only and stored
    encrypted; omit them on later updates to keep them. `statusMap` maps Digishare ticket status
    ids to order statuses (default: `yqdwrbka7kz69v8e` → `confirmed`). While `enabled`, every new
    order (except walk-in `sur_place` sales) becomes a Digishare ticket.
    """
    integration = await service.save_integration(
        session,
        reseller_id=service.scoped_reseller_id(actor, reseller_id),
        data=body,
        settings=settings,
    )
    return envelope(service.describe(integration, settings=settings), message="Settings saved")


@router.post("/test", response_model=Envelope[ConnectionTestOut])
async def check_connection(
    actor: CurrentActor,
    session: WriteSessionDep,
    settings: SettingsDep,
    reseller_id: ResellerParam = None,
) -> dict[str, Any]:
    """Check the saved credentials against Digishare (`GET /v1/user/profile`): `status` is `ok`
    (with the Digishare `account` they belong to), `unauthorized` (Digishare refused them) or
    `unreachable` (no Digishare API answered at `baseUrl`), with the `reason`. Nothing is
    changed, on either side."""
    integration = await service.get_integration(
        session, reseller_id=service.scoped_reseller_id(actor, reseller_id)
    )
    result = await service.check_connection(integration, settings=settings)
    return envelope(result, message=f"Connection {result.status.value}")


@router.get("/jobs", response_model=Page[JobOut])
async def list_jobs(
    actor: CurrentActor,
    session: ReadSessionDep,
    settings: SettingsDep,
    page: PageDep,
    state: Annotated[JobState | None, Query(description="pending, running, done or failed")] = None,
    reseller_id: ResellerParam = None,
) -> dict[str, Any]:
    """The Digishare jobs of your orders, newest first, with attempts and last error: `kind`
    `digishare.notify_order` opens an order's ticket, `digishare.update_ticket` notes an edit of
    its phone or basket on it."""
    jobs, total = await service.list_jobs(
        session, reseller_id=service.scoped_reseller_id(actor, reseller_id), state=state, page=page
    )
    items = [_job_out(job, settings) for job in jobs]
    return paginated(items, page=page.page, limit=page.limit, total=total)


@router.post("/jobs/{job_id}/retry", response_model=Envelope[JobOut])
async def retry_job(
    job_id: PathId,
    actor: CurrentActor,
    session: WriteSessionDep,
    settings: SettingsDep,
    reseller_id: ResellerParam = None,
) -> dict[str, Any]:
    """Give a failed job a fresh set of attempts. Steps it already finished are not redone,
    except those a refused step depends on (a refused ticket uploads its invoice again)."""
    job = await service.retry_job(
        session, reseller_id=service.scoped_reseller_id(actor, reseller_id), job_id=job_id
    )
    return envelope(_job_out(job, settings), message="Job scheduled")


@router.get("/events", response_model=Page[EventOut])
async def list_events(
    actor: CurrentActor, session: ReadSessionDep, page: PageDep, reseller_id: ResellerParam = None
) -> dict[str, Any]:
    """Webhook events received from Digishare, newest first, with what each one did
    (`applied`, `unchanged`, `refused` with the reason, `stale`, `future_timestamp`,
    `unmapped_status`, ...) and, for `ticket.updated`, the time it was ordered by against the
    ticket's other events (`eventAt`) and where that time was read (`eventTimeSource`)."""
    integration = await service.get_integration(
        session, reseller_id=service.scoped_reseller_id(actor, reseller_id)
    )
    events, total = await service.list_events(session, integration=integration, page=page)
    items = [EventOut.model_validate(event) for event in events]
    return paginated(items, page=page.page, limit=page.limit, total=total)


@webhook_router.post("/digishare/{integration_id}", response_model=WebhookAnswer)
async def digishare_webhook(
    integration_id: PathId, request: Request, session: WriteSessionDep, settings: SettingsDep
) -> Response:
    """The URL to give Digishare for `ticket.updated` (and any other event).

    Authenticated by the credential configured in the integration (Basic, Bearer or custom
    header); a wrong one gets 401 and changes nothing. Every accepted call is recorded; a
    duplicate is acknowledged without effect. The answer is 200 for anything recorded,
    including events we do not act on, so Digishare never retries or disables the webhook for
    them.
    """
    receiver = await _receiver(session, integration_id)
    inbox.check_credential(receiver, request.headers, settings=settings)
    event = await inbox.receive(
        session,
        receiver=receiver,
        raw_body=await request.body(),
        max_ahead=timedelta(seconds=settings.digishare_webhook_max_ahead_seconds),
    )
    if event is None:
        return envelope_response({"duplicate": True}, message="Event already received")
    if event.outcome is EventOutcome.MALFORMED:
        # Answered (not raised) so the session still commits: the raw call stays on record.
        return error_response(
            400,
            error="Validation error",
            message=event.detail or "Malformed event",
            details={"field": "body", "message": event.detail, "eventId": event.id},
        )
    return envelope_response(EventOut.model_validate(event), message="Event recorded")


async def _receiver(session: WriteSession, integration_id: int) -> repository.WebhookReceiver:
    receiver = await repository.webhook_receiver(session, integration_id)
    if receiver is None:
        raise NotFound("Unknown webhook")
    return receiver


def _job_out(job: OutboxJob, settings: Settings) -> JobOut:
    return JobOut.model_validate({**_columns(job), "max_attempts": settings.outbox_max_attempts})


def _columns(job: OutboxJob) -> dict[str, Any]:
    return {column.key: getattr(job, column.key) for column in OutboxJob.__table__.columns}
