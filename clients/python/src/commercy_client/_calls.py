"""What the sync and async clients share: each call described as data, bodies and query
strings built from Python arguments, answers decoded, and when to retry."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypedDict, cast

import httpx

from commercy_client.errors import CommercyError
from commercy_client.models import CallQueue, OrderCreated, Page, Pagination, QueueCounts

API_PREFIX = "/api/v1"
Params = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Call:
    """One HTTP call to the API; ``retry`` is True only where repeating it is safe;
    ``anonymous`` calls go without the bearer token."""

    method: str
    path: str
    params: Params | None = None
    json: Any = None
    headers: Mapping[str, str] | None = None
    retry: bool = False
    anonymous: bool = False


class OrderFilters(TypedDict, total=False):
    """Filters of ``orders.list``, ``orders.iterate`` and ``orders.export_csv``.

    ``status`` and ``source`` take one value or several; ``date_from`` and ``date_to`` a
    ``date``/``datetime`` or the API's text (``2024-01-15``, inclusive); ``sort`` a field,
    ``-`` first for descending (``-total``). ``page`` and ``limit`` (at most 100) page the list.
    """

    page: int
    limit: int
    status: str | Iterable[str]
    source: str | Iterable[str]
    search: str
    date_from: date | datetime | str
    date_to: date | datetime | str
    reseller_id: int
    supplier_id: int
    duplicate: bool
    blocked: bool
    sort: str


def base_url(url: str) -> str:
    """The server's address with ``/api/v1`` (added unless it is already there)."""
    url = url.rstrip("/")
    return url if url.endswith(API_PREFIX) else url + API_PREFIX


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def body(data: Mapping[str, Any] | None, fields: Mapping[str, Any]) -> dict[str, Any]:
    """A request body from a dict sent as it is (camelCase) and/or snake_case keywords.

    Keywords are renamed to camelCase, and so are the keys of dicts in a list they hold (an
    order's ``products``); other nested dicts (a ``status_map``) are sent as they are.
    """
    merged = dict(data or {})
    for key, value in fields.items():
        merged[camel(key)] = _camel_items(value)
    return merged


def _camel_items(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [
            {camel(k): v for k, v in item.items()} if isinstance(item, Mapping) else item
            for item in value
        ]
    return value


def query(**values: Any) -> Params:
    """A query string: None left out, several values repeated, dates in ISO 8601."""
    params: list[tuple[str, str]] = []
    for name, value in values.items():
        if value is None:
            continue
        many = value if isinstance(value, list | tuple | set | frozenset) else [value]
        params.extend((camel(name), _text(item)) for item in many)
    return tuple(params)


def _text(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def order_filters(filters: OrderFilters) -> dict[str, Any]:
    """The filters as ``query`` takes them (a generator of statuses becomes a list)."""
    values: dict[str, Any] = dict(filters)
    for name in ("status", "source"):
        value = values.get(name)
        if value is not None and not isinstance(value, str):
            values[name] = list(value)
    return values


def create_order(
    data: Mapping[str, Any] | None, fields: Mapping[str, Any], idempotency_key: str | None
) -> Call:
    return Call(
        "POST",
        "/orders",
        json=body(data, fields),
        headers={"Idempotency-Key": idempotency_key or str(uuid.uuid4())},
        retry=True,
    )


def list_blocked_phones(
    *, page: int | None, limit: int | None, reseller_id: int | None, phone: str | None
) -> Call:
    params = query(page=page, limit=limit, reseller_id=reseller_id, phone=phone)
    return Call("GET", "/blocked-phones", params=params)


def block_phone(*, phone: str, reason: str, reseller_id: int | None) -> Call:
    fields: dict[str, Any] = {"phone": phone, "reason": reason}
    if reseller_id is not None:
        fields["resellerId"] = reseller_id
    return Call("POST", "/blocked-phones", json=fields)


def unblock_phone(entry_id: int) -> Call:
    return Call("DELETE", f"/blocked-phones/{entry_id}")


def order_stats(
    *, date_from: date | str | None, date_to: date | str | None, group_by: str | None
) -> Call:
    params = query(group_by=group_by) + tuple(
        (name, _text(value))
        for name, value in (("from", date_from), ("to", date_to))
        if value is not None
    )
    return Call("GET", "/stats/orders", params=params)


def edit_order(
    ref: int | str, data: Mapping[str, Any] | None, fields: Mapping[str, Any], if_match: str | None
) -> Call:
    return Call(
        "PATCH",
        f"/orders/{ref}",
        json=body(data, fields),
        headers={"If-Match": if_match} if if_match is not None else None,
    )


def etag(order: Mapping[str, Any]) -> str:
    """The ``ETag`` of an order as read (its ``id`` and ``version``), for ``if_match``."""
    return f'W/"{order["id"]}-{order["version"]}"'


# --- answers --------------------------------------------------------------------------------


def envelope(response: httpx.Response) -> dict[str, Any]:
    return cast(dict[str, Any], response.json())


def data(response: httpx.Response) -> Any:
    return envelope(response).get("data")


def page(response: httpx.Response) -> Page[Any]:
    answer = envelope(response)
    return Page(items=list(answer["data"]), pagination=cast(Pagination, answer["pagination"]))


def data_or_none(response: httpx.Response) -> Any:
    """``data``, or None for a 204 (nothing to answer)."""
    return None if response.status_code == 204 else data(response)


def call_queue(response: httpx.Response) -> CallQueue:
    answer = envelope(response)
    return CallQueue(
        items=list(answer["data"]),
        pagination=cast(Pagination, answer["pagination"]),
        counts=cast(QueueCounts, answer["counts"]),
    )


def record_call(outcome: str, note: str | None, callback_at: datetime | str | None) -> Any:
    """The body of ``POST /orders/{ref}/calls``."""
    payload: dict[str, Any] = {"outcome": outcome}
    if note is not None:
        payload["note"] = note
    if callback_at is not None:
        payload["callbackAt"] = _text(callback_at)
    return payload


def period(date_from: date | str | None, date_to: date | str | None) -> Params:
    """``from`` and ``to`` (Python keywords, so not built by ``query``)."""
    given = (("from", date_from), ("to", date_to))
    return tuple((name, _text(value)) for name, value in given if value is not None)


def created_order(response: httpx.Response) -> OrderCreated:
    answer = envelope(response)
    answer["replayed"] = response.headers.get("Idempotent-Replayed") == "true"
    return cast(OrderCreated, answer)


def csv_text(response: httpx.Response) -> str:
    # The BOM is there for spreadsheets; Python's csv module would read it into the first name.
    return response.content.decode("utf-8-sig")


def check(response: httpx.Response) -> httpx.Response:
    if response.is_error:
        raise CommercyError.from_response(response)
    return response


# --- retries --------------------------------------------------------------------------------

RETRIED_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class RetryPolicy:
    """How a retried call (only ``orders.create``, under its ``Idempotency-Key``) is repeated:
    after a network failure, a 429 or a 503, up to ``attempts`` tries in all, waiting
    ``backoff`` seconds doubled at each try, or ``Retry-After`` when the API says longer. A
    wait beyond ``max_wait`` is not made: the error is raised instead."""

    attempts: int = 4
    backoff: float = 0.5
    max_wait: float = 30.0

    def wait(self, *, attempt: int, asked: float | None) -> float | None:
        """Seconds to wait before the next try after try number ``attempt`` (from 0), or
        None when there is no next try."""
        if attempt + 1 >= self.attempts:
            return None
        delay = self.backoff * 2**attempt
        if asked is not None:
            delay = max(delay, asked)
        return delay if delay <= self.max_wait else None


def retried(call: Call, response: httpx.Response) -> bool:
    """Whether this answer is one to try ``call`` again for."""
    return call.retry and response.status_code in RETRIED_STATUSES
