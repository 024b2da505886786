"""What orders announce, and who listens: the seam between orders and the integrations.

Orders know no integration. An integration registers its listeners once, at startup
(``commercy.integrations.digishare.install``): it hears of each new order, and of each edit
(with the fields it changed), inside the order's own transaction (so the promise to notify
commits with the order, or not at all), and it says where an order's confirmation by message
stands, which the order's answer then carries. A source may also say it as columns of the
order's own detail statement (:class:`ConfirmationColumns`): the answer then takes one round
trip, not two.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Table
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


@dataclass(frozen=True, slots=True, eq=False)
class ConfirmationColumns:
    """A confirmation source said as SQL, for the order's detail statement to read it along:
    ``source(orders)`` is the orders table joined to the order's confirmation (one row per
    order that has one, none for the others), ``columns`` what the answer needs of it (each
    labelled), and ``answer`` turns their values (by label) into the very answer the source's
    own read gives."""

    source: Callable[[Table], FromClause]
    columns: tuple[ColumnElement[Any], ...]
    answer: Callable[[Mapping[str, Any]], ConfirmationOut]


_created: list[OrderCreated] = []
_edited: list[OrderEdited] = []
_confirmations: list[ConfirmationSource] = []
_confirmation_columns: dict[ConfirmationSource, ConfirmationColumns] = {}


def on_order_created(listener: OrderCreated) -> None:
    """Call ``listener`` in the transaction of every order created from now on."""
    if listener not in _created:
        _created.append(listener)


def on_order_edited(listener: OrderEdited) -> None:
    """Call ``listener`` in the transaction of every edit that changed something."""
    if listener not in _edited:
        _edited.append(listener)


def provide_confirmation(
    source: ConfirmationSource, *, columns: ConfirmationColumns | None = None
) -> None:
    """Ask ``source`` where an order's confirmation by message stands; ``columns``, the same
    said as SQL, lets an order's detail read it in its own statement."""
    if source not in _confirmations:
        _confirmations.append(source)
    if columns is not None:
        _confirmation_columns[source] = columns


def confirmation_columns() -> ConfirmationColumns | None:
    """The one registered source as SQL, when there is exactly one and it can be said so; else
    None, and the detail asks :func:`confirmation` after its read."""
    if len(_confirmations) != 1:
        return None
    return _confirmation_columns.get(_confirmations[0])


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
