"""What orders announce, and who listens: the seam between orders and the integrations.

Orders know no integration. An integration registers its listeners once, at startup
(``commercy.integrations.digishare.install``): it hears of each new order, and of each edit
(with the fields it changed), inside the order's own transaction (so the promise to notify
commits with the order, or not at all), and it says where an order's confirmation by message
stands, which the order's answer then carries.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from commercy.core.database import WriteSession
from commercy.orders.models import Order
from commercy.orders.schemas import ConfirmationOut

# What a listener returns is its own business.
OrderCreated = Callable[[WriteSession, Order], Awaitable[object]]
# The edited order, and the wire names of the fields the edit changed (``customerPhone``,
# ``items``, ``total``...).
OrderEdited = Callable[[WriteSession, Order, frozenset[str]], Awaitable[object]]
ConfirmationSource = Callable[[AsyncSession, int], Awaitable[ConfirmationOut | None]]

_created: list[OrderCreated] = []
_edited: list[OrderEdited] = []
_confirmations: list[ConfirmationSource] = []


def on_order_created(listener: OrderCreated) -> None:
    """Call ``listener`` in the transaction of every order created from now on."""
    if listener not in _created:
        _created.append(listener)


def on_order_edited(listener: OrderEdited) -> None:
    """Call ``listener`` in the transaction of every edit that changed something."""
    if listener not in _edited:
        _edited.append(listener)


def provide_confirmation(source: ConfirmationSource) -> None:
    """Ask ``source`` where an order's confirmation by message stands."""
    if source not in _confirmations:
        _confirmations.append(source)


async def order_created(session: WriteSession, order: Order) -> None:
    for listener in _created:
        await listener(session, order)


async def order_edited(session: WriteSession, order: Order, fields: frozenset[str]) -> None:
    for listener in _edited:
        await listener(session, order, fields)


async def confirmation(session: AsyncSession, order_id: int) -> ConfirmationOut | None:
    """The first answer of the registered sources; None when no source knows the order."""
    for source in _confirmations:
        if (found := await source(session, order_id)) is not None:
            return found
    return None
