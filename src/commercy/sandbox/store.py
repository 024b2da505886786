"""The sandbox's memory: every record, behind one asyncio lock. Never a database."""

from __future__ import annotations

import asyncio
from datetime import datetime
from itertools import count

from commercy.sandbox.errors import not_found
from commercy.sandbox.ids import IdHasher
from commercy.sandbox.records import DeliveryAttempt, Media, Message, Third, Ticket, Webhook

FIRST_TICKET_NUMBER = 342106


class Store:
    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.ids = IdHasher()
        # Ticket numbers and ids survive a reset, so a client never sees one reused.
        self._ticket_numbers = count(FIRST_TICKET_NUMBER)
        self.access_tokens: dict[str, datetime] = {}
        self.clear()

    def clear(self) -> None:
        self.media: dict[str, Media] = {}
        self.thirds: dict[str, Third] = {}
        self.tickets: dict[str, Ticket] = {}
        self.webhooks: dict[str, Webhook] = {}
        self.attempts: list[DeliveryAttempt] = []
        self.messages: list[Message] = []

    def next_ticket_number(self) -> str:
        return str(next(self._ticket_numbers))

    def ticket(self, ticket_id: str) -> Ticket:
        if (ticket := self.tickets.get(ticket_id)) is None:
            raise not_found("Ticket")
        return ticket

    def third(self, third_id: str) -> Third:
        if (third := self.thirds.get(third_id)) is None:
            raise not_found("Third")
        return third

    def webhook(self, webhook_id: str) -> Webhook:
        if (webhook := self.webhooks.get(webhook_id)) is None:
            raise not_found("Webhook")
        return webhook

    def media_file(self, media_id: str) -> Media:
        if (media := self.media.get(media_id)) is None:
            raise not_found("Media")
        return media

    def third_by_wa_id(self, wa_id: str) -> Third | None:
        return next((t for t in self.thirds.values() if t.wa_id == wa_id), None)
