"""Python client of the Commercy REST API (``/api/v1``).

    from commercy_client import Commercy

    with Commercy.login("http://127.0.0.1:8000", "reseller@example.com", "secret") as api:
        created = api.orders.create(customer_phone="20 123 456", products=[...])
        print(created["orderNumber"], created["order"]["total"])

:class:`AsyncCommercy` has the same methods, to ``await``.
"""

from commercy_client._async import AsyncCommercy
from commercy_client._calls import OrderFilters, RetryPolicy, etag
from commercy_client._sync import Commercy
from commercy_client.errors import CommercyError
from commercy_client.models import (
    ApiStatus,
    BlockedPhone,
    BulkStatusResult,
    CallAttempt,
    CallOutcome,
    CallQueue,
    CallRecorded,
    CallStats,
    Claim,
    Confirmation,
    ConvertyProduct,
    ConvertyUpsert,
    CreatedOrder,
    FieldChange,
    LoginResult,
    MappingCheck,
    Order,
    OrderCreated,
    OrderDetail,
    OrderFigures,
    OrderItem,
    OrderStats,
    OrderStatusName,
    Page,
    Pagination,
    Product,
    ProductMapping,
    QueueCounts,
    QueueEntry,
    QueueSettings,
    Reseller,
    StatusChange,
    Supplier,
    User,
)

__all__ = [
    "ApiStatus",
    "AsyncCommercy",
    "BlockedPhone",
    "BulkStatusResult",
    "CallAttempt",
    "CallOutcome",
    "CallQueue",
    "CallRecorded",
    "CallStats",
    "Claim",
    "Commercy",
    "CommercyError",
    "Confirmation",
    "ConvertyProduct",
    "ConvertyUpsert",
    "CreatedOrder",
    "FieldChange",
    "LoginResult",
    "MappingCheck",
    "Order",
    "OrderCreated",
    "OrderDetail",
    "OrderFigures",
    "OrderFilters",
    "OrderItem",
    "OrderStats",
    "OrderStatusName",
    "Page",
    "Pagination",
    "Product",
    "ProductMapping",
    "QueueCounts",
    "QueueEntry",
    "QueueSettings",
    "Reseller",
    "RetryPolicy",
    "StatusChange",
    "Supplier",
    "User",
    "etag",
]
