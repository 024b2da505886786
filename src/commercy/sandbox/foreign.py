"""Other people's tickets: the account is not Commercy's alone.

A real Digishare account also holds tickets opened by agents, other shops or other
integrations. The sandbox seeds a few when its database is created and after each reset, and
``POST /_sandbox/foreign-tickets`` adds more, so that a client that takes "the first ticket" of
a list, or trusts a search without comparing ``external_id``, gets a stranger's ticket. Their
external ids look like order numbers, and one subject quotes another order number. No WhatsApp
message is sent for them: they are not the sandbox's conversations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from commercy.sandbox import thirds
from commercy.sandbox.catalog import (
    STATUS_CALL_BACK_LATER,
    STATUS_CANCELED,
    STATUS_CONFIRMED,
    STATUS_NEW,
    TICKET_TYPE_ORDER,
)
from commercy.sandbox.clock import now
from commercy.sandbox.events import TICKET_CREATED, ticket_event
from commercy.sandbox.records import Ticket
from commercy.sandbox.schemas import ThirdData
from commercy.sandbox.store import Store

if TYPE_CHECKING:
    from commercy.sandbox.state import SandboxState

MAX_PER_CALL = 500
SEEDED_FLAG = "foreign_seeded"


@dataclass(frozen=True, slots=True)
class Sample:
    subject: str
    external_id: str | None
    name: str
    wa_id: str
    email: str | None
    status_id: str
    age: timedelta


SAMPLES = (
    Sample(
        subject="Confirmation de Commande",
        external_id="ORD-1700000000000-1",
        name="Karim Bennani",
        wa_id="212661234501",
        email="karim.bennani@example.ma",
        status_id=STATUS_CONFIRMED,
        age=timedelta(days=3, hours=2),
    ),
    Sample(
        subject="Échange demandé pour la commande ORD-1700000123456-12",
        external_id="SAV-20931",
        name="Salma Haddad",
        wa_id="212661234502",
        email="salma.haddad@example.ma",
        status_id=STATUS_NEW,
        age=timedelta(days=2, hours=5),
    ),
    Sample(
        subject="Confirmation de commande ORD-1700000000000-2",
        external_id="ORD-1700000000000-2",
        name="Youssef El Amrani",
        wa_id="21698765403",
        email=None,
        status_id=STATUS_CANCELED,
        age=timedelta(days=1, hours=3),
    ),
    Sample(
        subject="Demande de rappel",
        external_id=None,
        name="Nadia Trabelsi",
        wa_id="21698765404",
        email="nadia.trabelsi@example.tn",
        status_id=STATUS_CALL_BACK_LATER,
        age=timedelta(hours=6),
    ),
    Sample(
        subject="Confirmation de commande CMD-558201",
        external_id="CMD-558201",
        name="Mehdi Chaouch",
        wa_id="21698765405",
        email="mehdi@example.tn",
        status_id=STATUS_NEW,
        age=timedelta(minutes=40),
    ),
)


def seed(store: Store) -> None:
    """Adds the sample tickets, dated in the past."""
    moment = now()
    with store.write():
        for sample in SAMPLES:
            _create(store, sample, subject=None, external_id=None, created_at=moment - sample.age)


def seed_once(store: Store) -> None:
    """Seeds a database the first time it is opened (by whichever process comes first)."""
    with store.write():
        if store.meta(SEEDED_FLAG) is None:
            seed(store)
            store.set_meta(SEEDED_FLAG, "1")


def add(
    state: SandboxState, *, count: int, subject: str | None, external_id: str | None
) -> list[Ticket]:
    """Opens ``count`` tickets for the samples' customers in turn, now, firing
    ``ticket.created`` for each like any other ticket of the account."""
    created: list[Ticket] = []
    with state.store.write():
        for index in range(count):
            sample = SAMPLES[index % len(SAMPLES)]
            ticket = _create(
                state.store, sample, subject=subject, external_id=external_id, created_at=now()
            )
            payload = ticket_event(TICKET_CREATED, ticket, was_recently_created=True, changes={})
            state.webhooks.publish(TICKET_CREATED, ticket_id=ticket.id, payload=payload)
            created.append(ticket)
    return created


def _create(
    store: Store,
    sample: Sample,
    *,
    subject: str | None,
    external_id: str | None,
    created_at: datetime,
) -> Ticket:
    customer = ThirdData(name=sample.name, wa_id=sample.wa_id, email=sample.email)
    third = thirds.create_or_reuse(store, customer)
    external_id = external_id if external_id is not None else sample.external_id
    ticket = Ticket(
        id=store.next_id("ticket"),
        ticket_number=store.next_ticket_number(),
        type_ticket_id=TICKET_TYPE_ORDER,
        ticket_status_id=sample.status_id,
        external_id=external_id,
        subject=subject if subject is not None else sample.subject,
        lang="fr",
        third_id=third.id,
        information={
            "third": customer.model_dump(exclude_none=True),
            "campaign_data": {"order_id": external_id} if external_id else {},
        },
        foreign=True,
        created_at=created_at,
        updated_at=created_at,
        date_status=created_at,
    )
    store.put(ticket)
    return ticket
