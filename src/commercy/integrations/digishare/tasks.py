"""The outbox jobs of Digishare: opening an order's ticket, and noting an edit on it.

Opening takes steps, each kept once done so a retry never repeats it: render and upload the
invoice, create the ticket (after looking it up by its ``external_id`` if an earlier attempt
may have created it), then record the ticket on the order. Noting an edit is one ``PUT`` of the
ticket's note, written from the order as it is when the job runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from starlette.concurrency import run_in_threadpool

from commercy.calls import service as calls_service
from commercy.core.crypto import SealError
from commercy.core.database import Database, utcnow
from commercy.core.outbound import OutboundPolicy
from commercy.core.settings import Settings
from commercy.integrations.digishare import service
from commercy.integrations.digishare.client import DigishareClient, DigishareError
from commercy.integrations.digishare.models import DigishareIntegration, DigishareTicket
from commercy.orders import amounts
from commercy.orders.documents import invoice_pdf
from commercy.orders.models import Order
from commercy.outbox.worker import JobContext, PermanentJobError, RetryableJobError


async def notify_order(context: JobContext, database: Database, settings: Settings) -> None:
    async with database.sessionmaker() as session:
        order, integration = await _load(session, order_id=int(context.payload["order_id"]))
    async with _client(integration, settings=settings) as client:
        with _job_errors():
            await _run_steps(context, client=client, order=order, integration=integration)
    async with database.sessionmaker() as session, session.begin():
        await _link_ticket(session, order=order, integration=integration, progress=context.progress)
        # The customer has the message now: the call center gives them time to answer it.
        await calls_service.hold_for_whatsapp(
            session,
            order_id=order.id,
            reseller_id=order.reseller_id,
            sent_at=utcnow(),
            settings=settings,
        )


async def update_ticket(context: JobContext, database: Database, settings: Settings) -> None:
    """An order was edited during the call: its ticket gets a note with the order as it is now
    (phone, basket, total), so nobody asks the customer to confirm the old basket."""
    async with database.sessionmaker() as session:
        order, integration = await _load(session, order_id=int(context.payload["order_id"]))
        link = await session.get(DigishareTicket, order.id)
    if link is None:
        raise PermanentJobError(f"Order {order.order_number} has no Digishare ticket")
    async with _client(integration, settings=settings) as client:
        with _job_errors():
            await client.update_ticket(link.ticket_id, {"note": edit_note(order)})


def edit_note(order: Order) -> str:
    """The ticket's note after an edit, in the language of the ticket's subject."""
    items = " ; ".join(
        f"{item.quantity} x {item.product_name}" + (f" ({item.notes})" if item.notes else "")
        for item in order.items
    )
    return (
        f"Commande {order.order_number} modifiée pendant l'appel "
        f"(version {order.version}). Téléphone : {order.customer_phone}. "
        f"Articles : {items}. Total : {amounts.with_currency(order.total)}. "
        f"Livraison : {_address(order) or '-'}. "
        "Ne pas demander la confirmation de l'ancien panier."
    )


def _client(integration: DigishareIntegration, *, settings: Settings) -> DigishareClient:
    try:
        credentials = service.credentials_of(integration, settings=settings)
    except SealError as exc:
        raise PermanentJobError(str(exc)) from exc
    return DigishareClient(
        base_url=integration.base_url,
        credentials=credentials,
        policy=OutboundPolicy.of(settings),
        timeout_seconds=settings.digishare_timeout_seconds,
    )


@contextlib.contextmanager
def _job_errors() -> Iterator[None]:
    """Digishare's failures as the worker settles them: retried later, or given up at once."""
    try:
        yield
    except DigishareError as exc:
        if exc.retryable:
            raise RetryableJobError(str(exc), retry_after=exc.retry_after) from exc
        raise PermanentJobError(str(exc)) from exc


async def _run_steps(
    context: JobContext,
    *,
    client: DigishareClient,
    order: Order,
    integration: DigishareIntegration,
) -> None:
    if "media_id" not in context.progress:
        pdf = await run_in_threadpool(invoice_pdf, order)
        media_id = await client.upload_document(
            content=pdf, file_name=f"facture-{order.order_number}.pdf", mime_type="application/pdf"
        )
        await context.keep(media_id=media_id)
    if "ticket_id" in context.progress:
        return
    if context.progress.get("ticket_requested"):
        # An earlier attempt sent the ticket and never heard back: it may exist already.
        found = await client.find_tickets(external_id=order.order_number)
        if found:
            # Tickets an older version created twice: the oldest is the order's.
            duplicates = [str(ticket["id"]) for ticket in found[1:]]
            await context.keep(
                ticket_id=str(found[0]["id"]),
                **({"duplicate_ticket_ids": duplicates} if duplicates else {}),
            )
            return
    await context.keep(ticket_requested=True)
    body = ticket_body(order, integration=integration, media_id=context.progress["media_id"])
    try:
        ticket = await client.create_ticket(body)
    except DigishareError as exc:
        if not exc.retryable:
            # A refused ticket may cite an upload Digishare no longer knows: a retry of the
            # job uploads the invoice again rather than failing the same way.
            await context.forget("media_id")
        raise
    await context.keep(ticket_id=str(ticket["id"]))


def ticket_body(
    order: Order, *, integration: DigishareIntegration, media_id: str
) -> dict[str, Any]:
    """The seed's ticket: the customer as the third, the order in ``campaign_data`` (strings)."""
    third: dict[str, str] = {
        "ext_ref": f"CUSTOMER-{order.wa_id}",
        "name": order.customer_name or order.customer_phone,
        "wa_id": order.wa_id,
    }
    return {
        "external_id": order.order_number,
        "type_ticket_id": integration.ticket_type_id,
        "ticket_status_id": integration.initial_status_id,
        "create_third_data": True,
        "information": {
            "third": third,
            "campaign_data": {
                "order_id": order.order_number,
                "invoice_document": {"provider": "digishare", "id": media_id},
                "items_count": str(sum(item.quantity for item in order.items)),
                "order_total": amounts.plain(order.total),
                "delivery_address": _address(order),
                "customer_name": order.customer_name or "",
                "items": "; ".join(
                    f"{item.quantity} x {item.product_name}" for item in order.items
                ),
                "currency": amounts.CURRENCY,
            },
        },
        "subject": f"Confirmation de commande {order.order_number}",
        "lang": integration.lang,
    }


def _address(order: Order) -> str:
    parts = (order.customer_address, order.customer_city, order.customer_governorate)
    return ", ".join(part for part in parts if part)


async def _load(session: AsyncSession, *, order_id: int) -> tuple[Order, DigishareIntegration]:
    order = await session.scalar(
        select(Order).options(selectinload(Order.items)).where(Order.id == order_id)
    )
    if order is None:
        raise PermanentJobError(f"Order {order_id} no longer exists")
    integration = await session.scalar(
        select(DigishareIntegration).where(DigishareIntegration.reseller_id == order.reseller_id)
    )
    if integration is None or not integration.enabled:
        raise PermanentJobError(
            f"Reseller {order.reseller_id} has no enabled Digishare integration"
        )
    return order, integration


async def _link_ticket(
    session: AsyncSession,
    *,
    order: Order,
    integration: DigishareIntegration,
    progress: dict[str, Any],
) -> None:
    """Store the ticket on the order (the webhook may have done so first)."""
    link = await session.get(DigishareTicket, order.id)
    if link is None:
        link = DigishareTicket(order_id=order.id, integration_id=integration.id)
        session.add(link)
    link.ticket_id = str(progress["ticket_id"])
    link.media_id = progress.get("media_id")
