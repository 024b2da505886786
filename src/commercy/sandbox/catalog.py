"""Ticket types and statuses the sandbox is seeded with.

The ids of the order type and of the new and confirmed statuses are the ones in Digishare's
e-commerce guide; the others are fixed so an integration's status map can name them.
"""

from __future__ import annotations

from dataclasses import dataclass

TICKET_TYPE_ORDER = "npvrxamq9l94y8dz"

STATUS_NEW = "x9q3wrlv0m7vzea8"
STATUS_CONFIRMED = "yqdwrbka7kz69v8e"
STATUS_CANCELED = "b7m2kq9xw4zt1rne"
STATUS_UNREACHABLE = "u5hj8cd3pq6ya0lw"
STATUS_CALL_BACK_LATER = "r4tn7vy2gk9me1sx"


@dataclass(frozen=True, slots=True)
class TicketType:
    id: str
    name: str

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True, slots=True)
class TicketStatus:
    id: str
    name: str
    color: str
    is_final: bool

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "color": self.color,
            "type_ticket_id": TICKET_TYPE_ORDER,
            "is_final": self.is_final,
        }


TICKET_TYPES: tuple[TicketType, ...] = (
    TicketType(id=TICKET_TYPE_ORDER, name="Confirmation de commande"),
)

TICKET_STATUSES: tuple[TicketStatus, ...] = (
    TicketStatus(id=STATUS_NEW, name="Nouveau", color="#3b82f6", is_final=False),
    TicketStatus(id=STATUS_CONFIRMED, name="Commande Confirmée", color="#16a34a", is_final=True),
    TicketStatus(id=STATUS_CANCELED, name="Commande Annulée", color="#dc2626", is_final=True),
    TicketStatus(id=STATUS_UNREACHABLE, name="Injoignable", color="#f59e0b", is_final=False),
    TicketStatus(id=STATUS_CALL_BACK_LATER, name="À rappeler", color="#8b5cf6", is_final=False),
)

TICKET_TYPE_IDS = frozenset(t.id for t in TICKET_TYPES)
STATUS_BY_ID = {s.id: s for s in TICKET_STATUSES}
