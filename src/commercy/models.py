"""Every table, imported in one place so metadata (and Alembic) sees them all."""

from commercy.accounts.models import Reseller, Supplier
from commercy.auth.models import Role, User
from commercy.blocklist.models import BlockedPhone
from commercy.calls.models import CallAttempt, CallSettings
from commercy.catalog.models import Product
from commercy.converty.models import ConvertyProduct, ProductMapping
from commercy.integrations.digishare.models import (
    DigishareEvent,
    DigishareIntegration,
    DigishareTicket,
)
from commercy.orders.models import IdempotencyKey, Order, OrderItem, OrderStatusChange
from commercy.outbox.models import OutboxJob
from commercy.stats.models import OrderFigures, OrderProductFigureChange, OrderProductFigures
from commercy.web.models import WebSession

__all__ = [
    "BlockedPhone",
    "CallAttempt",
    "CallSettings",
    "ConvertyProduct",
    "DigishareEvent",
    "DigishareIntegration",
    "DigishareTicket",
    "IdempotencyKey",
    "Order",
    "OrderFigures",
    "OrderItem",
    "OrderProductFigureChange",
    "OrderProductFigures",
    "OrderStatusChange",
    "OutboxJob",
    "Product",
    "ProductMapping",
    "Reseller",
    "Role",
    "Supplier",
    "User",
    "WebSession",
]
