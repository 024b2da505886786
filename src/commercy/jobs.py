"""Every kind of outbox job and its handler, and the worker loop that runs them."""

from __future__ import annotations

import asyncio

from commercy.core.database import Database
from commercy.core.settings import Settings
from commercy.integrations.digishare import service as digishare_service
from commercy.integrations.digishare import tasks as digishare_tasks
from commercy.outbox.worker import Handler, OutboxWorker

HANDLERS: dict[str, Handler] = {
    digishare_service.NOTIFY_ORDER: digishare_tasks.notify_order,
    digishare_service.UPDATE_TICKET: digishare_tasks.update_ticket,
}


def build_worker(database: Database, settings: Settings) -> OutboxWorker:
    return OutboxWorker(database=database, settings=settings, handlers=HANDLERS)


async def run_worker(settings: Settings, stop: asyncio.Event) -> None:
    """``commercy worker``: one process draining the outbox until told to stop."""
    database = Database(settings)
    try:
        await build_worker(database, settings).run_forever(stop)
    finally:
        await database.dispose()
