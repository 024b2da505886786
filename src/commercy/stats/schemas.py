"""Statistics answers."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from commercy.core.schemas import Money, WireModel


class GroupBy(StrEnum):
    DAY = "day"
    PRODUCT = "product"
    CITY = "city"
    SOURCE = "source"
    RESELLER = "reseller"


class OrderFigures(WireModel):
    """The figures of one group (or of the whole period, in `totals`)."""

    key: str | None = Field(
        description="The group: a day (`YYYY-MM-DD`), product id, city, source or reseller "
        "id; null for orders without a city, and in `totals`"
    )
    name: str | None = Field(description="The product's or reseller's name; else null")
    orders: int
    confirmed: int = Field(description="Now confirmed, shipped, delivered or returned")
    delivered: int
    returned: int
    canceled: int
    confirmation_rate: float | None = Field(description="confirmed / orders")
    delivery_rate: float | None = Field(description="delivered / confirmed")
    return_rate: float | None = Field(description="returned / (delivered + returned)")
    cash_collected: Money = Field(description="Totals of the delivered orders")


class OrderStats(WireModel):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    group_by: GroupBy
    totals: OrderFigures
    groups: list[OrderFigures]
