"""The synchronous client, on ``httpx.Client``."""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self, TypedDict, Unpack, cast

import httpx

from commercy_client import _calls as calls
from commercy_client._calls import Call, OrderFilters, RetryPolicy, query
from commercy_client.errors import retry_after
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
    ConnectionCheck,
    ConvertyProduct,
    ConvertyUpsert,
    DigishareSettings,
    Job,
    LoginResult,
    MappingCheck,
    Order,
    OrderCreated,
    OrderDetail,
    OrderStats,
    Page,
    Product,
    ProductMapping,
    QueueSettings,
    Reseller,
    StatusChange,
    Supplier,
    User,
    WebhookEvent,
)

__all__ = ["Commercy"]


class Options(TypedDict, total=False):
    """The constructor's options, for :meth:`Commercy.login`."""

    timeout: float
    retry: RetryPolicy | None
    sleep: Callable[[float], None]
    headers: Mapping[str, str] | None


class Commercy:
    """The Commercy API, one blocking call per method.

    ``base_url`` is the server's address (``http://127.0.0.1:8000``; ``/api/v1`` is added);
    ``token`` a bearer token, or log in with :meth:`login` / ``client.auth.login``. Use it as a
    context manager, or call :meth:`close`. ``timeout`` is httpx's, in seconds; ``retry``
    says how ``orders.create`` is retried (nothing else is); ``sleep`` is how it waits.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.token = token
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=calls.base_url(base_url), timeout=timeout, headers=headers
        )
        self.auth = Auth(self)
        self.orders = Orders(self)
        self.products = Products(self)
        self.converty = Converty(self)
        self.digishare = Digishare(self)
        self.accounts = Accounts(self)
        self.blocked_phones = BlockedPhones(self)
        self.stats = Stats(self)
        self.calls = Calls(self)

    @classmethod
    def login(
        cls, base_url: str, identifier: str, password: str, **options: Unpack[Options]
    ) -> Self:
        """A client logged in as ``identifier`` (``options`` as for the constructor)."""
        client = cls(base_url, **options)
        try:
            client.auth.login(identifier, password)
        except BaseException:
            client.close()
            raise
        return client

    def status(self) -> ApiStatus:
        """``GET /status``: up, version, uptime, database reachable (no token needed)."""
        return cast(ApiStatus, calls.data(self._send(Call("GET", "/status"))))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _send(self, call: Call) -> httpx.Response:
        """Makes the call (retrying it when ``call.retry`` allows); raises
        :class:`CommercyError` for an error answer."""
        attempt = 0
        while True:
            try:
                response = self._request(call)
            except httpx.TransportError:
                delay = self.retry.wait(attempt=attempt, asked=None) if call.retry else None
                if delay is None:
                    raise
            else:
                if not calls.retried(call, response):
                    return calls.check(response)
                delay = self.retry.wait(attempt=attempt, asked=retry_after(response))
                if delay is None:
                    return calls.check(response)
            self._sleep(delay)
            attempt += 1

    def _request(self, call: Call) -> httpx.Response:
        headers = (
            {"Authorization": f"Bearer {self.token}"} if self.token and not call.anonymous else {}
        )
        headers.update(call.headers or {})
        return self._http.request(
            call.method, call.path, params=call.params, json=call.json, headers=headers
        )


class _Resource:
    def __init__(self, client: Commercy) -> None:
        self._client = client

    def _data(self, call: Call) -> Any:
        return calls.data(self._client._send(call))

    def _page(self, call: Call) -> Page[Any]:
        return calls.page(self._client._send(call))


class Auth(_Resource):
    def login(self, identifier: str, password: str) -> LoginResult:
        """``POST /auth/login``: logs in and keeps the token for every later call."""
        answer = calls.envelope(
            self._client._send(
                Call("POST", "/auth/login", json={"identifier": identifier, "password": password})
            )
        )
        self._client.token = answer["token"]
        keys = ("token", "tokenType", "expiresAt", "user")
        return cast(LoginResult, {key: answer[key] for key in keys})

    def me(self) -> User:
        """``GET /auth/me``: the account the token belongs to."""
        return cast(User, self._data(Call("GET", "/auth/me")))


class Orders(_Resource):
    def create(
        self,
        order: Mapping[str, Any] | None = None,
        /,
        *,
        idempotency_key: str | None = None,
        **fields: Any,
    ) -> OrderCreated:
        """``POST /orders``: creates an order from a dict in the API's camelCase and/or
        snake_case keywords (``customer_phone=..., products=[{"product_id": 1, ...}]``).

        Sent under ``idempotency_key`` (a new UUID when not given), so it is retried safely
        after a network failure, a 429 or a 503: the API answers a repeat with the first
        order (``replayed`` is then True) instead of making a second one.
        """
        call = calls.create_order(order, fields, idempotency_key)
        return calls.created_order(self._client._send(call))

    def list(self, **filters: Unpack[OrderFilters]) -> Page[Order]:
        """``GET /orders``: one page of the orders in your scope, newest first."""
        return self._page(Call("GET", "/orders", params=query(**calls.order_filters(filters))))

    def iterate(self, **filters: Unpack[OrderFilters]) -> Iterator[Order]:
        """Every order matching the filters, page after page (100 a page unless ``limit``)."""
        params: OrderFilters = {"limit": 100, **filters}
        params.setdefault("page", 1)
        while True:
            page = self.list(**params)
            yield from page.items
            if not page.has_next:
                return
            params["page"] = page.pagination["page"] + 1

    def get(self, ref: int | str) -> OrderDetail:
        """``GET /orders/{ref}``: one order by id or order number (``ORD-...``)."""
        return cast(OrderDetail, self._data(Call("GET", f"/orders/{ref}")))

    def update(
        self,
        ref: int | str,
        changes: Mapping[str, Any] | None = None,
        /,
        *,
        if_match: str | None = None,
        **fields: Any,
    ) -> OrderDetail:
        """``PATCH /orders/{ref}``: corrects the order during the call; only the fields given
        change (``None`` clears an optional one), ``items`` is the whole new basket. With
        ``if_match`` (``commercy_client.etag(order)`` of your read), a change made by someone
        else since answers 412 and nothing is written."""
        call = calls.edit_order(ref, changes, fields, if_match)
        return cast(OrderDetail, self._data(call))

    def set_status(self, ref: int | str, status: str, *, note: str | None = None) -> OrderDetail:
        """``PATCH /orders/{ref}/status``: moves the order; a refused move is a 409 whose
        ``details`` hold ``currentStatus`` and ``allowedStatuses``."""
        call = Call("PATCH", f"/orders/{ref}/status", json=calls.body(None, _note(status, note)))
        return cast(OrderDetail, self._data(call))

    def bulk_status(
        self, ids: builtins.list[int], status: str, *, note: str | None = None
    ) -> builtins.list[BulkStatusResult]:
        """``POST /orders/bulk-status``: up to 100 orders to one status, a result per id."""
        payload = {"ids": list(ids), **_note(status, note)}
        return cast(
            list[BulkStatusResult], self._data(Call("POST", "/orders/bulk-status", json=payload))
        )

    def history(self, ref: int | str) -> builtins.list[StatusChange]:
        """``GET /orders/{ref}/history``: every status of the order, oldest first."""
        return cast(list[StatusChange], self._data(Call("GET", f"/orders/{ref}/history")))

    def invoice_pdf(self, ref: int | str) -> bytes:
        """``GET /orders/{ref}/invoice.pdf``: the invoice, as PDF bytes."""
        return self._client._send(Call("GET", f"/orders/{ref}/invoice.pdf")).content

    def label_pdf(self, ref: int | str) -> bytes:
        """``GET /orders/{ref}/label.pdf``: the 100 x 150 mm shipping label, as PDF bytes."""
        return self._client._send(Call("GET", f"/orders/{ref}/label.pdf")).content

    def export_csv(self, **filters: Unpack[OrderFilters]) -> str:
        """``GET /orders/export.csv``: the filtered orders (at most 50,000) as CSV text, without
        the byte-order mark the API adds for spreadsheets."""
        params = query(**calls.order_filters(filters))
        return calls.csv_text(self._client._send(Call("GET", "/orders/export.csv", params=params)))


def _note(status: str, note: str | None) -> dict[str, Any]:
    return {"status": status} if note is None else {"status": status, "note": note}


class Products(_Resource):
    def list(
        self, *, page: int | None = None, limit: int | None = None, search: str | None = None
    ) -> Page[Product]:
        """``GET /products``: your products (``search`` by name or code)."""
        return self._page(
            Call("GET", "/products", params=query(page=page, limit=limit, search=search))
        )

    def get(self, product_id: int) -> Product:
        """``GET /products/{id}``."""
        return cast(Product, self._data(Call("GET", f"/products/{product_id}")))

    def create(self, product: Mapping[str, Any] | None = None, /, **fields: Any) -> Product:
        """``POST /products``: ``name``, ``price``, and optionally ``code``, ``cost_price``,
        ``stock_quantity``, ``image`` (admins: ``supplier_id``)."""
        return cast(
            Product, self._data(Call("POST", "/products", json=calls.body(product, fields)))
        )

    def update(
        self, product_id: int, changes: Mapping[str, Any] | None = None, /, **fields: Any
    ) -> Product:
        """``PATCH /products/{id}``: only the fields given change."""
        call = Call("PATCH", f"/products/{product_id}", json=calls.body(changes, fields))
        return cast(Product, self._data(call))


class ConvertyProducts(_Resource):
    def list(
        self, *, page: int | None = None, limit: int | None = None, reseller_id: int | None = None
    ) -> Page[ConvertyProduct]:
        """``GET /converty/products``: your Converty catalogue (admins: ``reseller_id``)."""
        params = query(page=page, limit=limit, reseller_id=reseller_id)
        return self._page(Call("GET", "/converty/products", params=params))

    def upsert(
        self, products: builtins.list[Mapping[str, Any]], *, reseller_id: int | None = None
    ) -> ConvertyUpsert:
        """``POST /converty/products``: creates or updates up to 500 products by Converty
        ``id``; answers them with the ``created`` and ``updated`` counts."""
        payload = calls.body(None, {"products": products, "reseller_id": reseller_id})
        if reseller_id is None:
            del payload["resellerId"]
        answer = calls.envelope(
            self._client._send(Call("POST", "/converty/products", json=payload))
        )
        return {
            "products": answer["data"],
            "created": answer["created"],
            "updated": answer["updated"],
        }


class ConvertyMappings(_Resource):
    def list(self, *, reseller_id: int | None = None) -> builtins.list[ProductMapping]:
        """``GET /converty/product-mappings``: every mapping (not paged)."""
        call = Call("GET", "/converty/product-mappings", params=query(reseller_id=reseller_id))
        return cast(list[ProductMapping], calls.envelope(self._client._send(call))["mappings"])

    def create(
        self, *, converty_product_id: int, supplier_product_id: int, reseller_id: int | None = None
    ) -> ProductMapping:
        """``POST /converty/product-mappings``: maps a Converty product to a supplier product."""
        fields = {
            "converty_product_id": converty_product_id,
            "supplier_product_id": supplier_product_id,
        }
        if reseller_id is not None:
            fields["reseller_id"] = reseller_id
        call = Call("POST", "/converty/product-mappings", json=calls.body(None, fields))
        return cast(ProductMapping, calls.envelope(self._client._send(call))["mapping"])

    def delete(self, mapping_id: int) -> None:
        """``DELETE /converty/product-mappings/{id}``."""
        self._client._send(Call("DELETE", f"/converty/product-mappings/{mapping_id}"))


class Converty(_Resource):
    def __init__(self, client: Commercy) -> None:
        super().__init__(client)
        self.products = ConvertyProducts(client)
        self.mappings = ConvertyMappings(client)

    def check_mappings(self, reseller_id: int) -> MappingCheck:
        """``GET /converty/check-mappings/{id}``: is the reseller ready for Converty orders."""
        answer = calls.envelope(
            self._client._send(Call("GET", f"/converty/check-mappings/{reseller_id}"))
        )
        keys = MappingCheck.__annotations__
        return cast(MappingCheck, {key: answer[key] for key in keys})


class Digishare(_Resource):
    """The WhatsApp confirmation settings and their jobs and events (admins: ``reseller_id``)."""

    _PATH = "/integrations/digishare"

    def get_settings(self, *, reseller_id: int | None = None) -> DigishareSettings:
        """``GET /integrations/digishare``: secrets never come back, only ``tokenSet``..."""
        return cast(
            DigishareSettings,
            self._data(Call("GET", self._PATH, params=query(reseller_id=reseller_id))),
        )

    def put_settings(
        self,
        settings: Mapping[str, Any] | None = None,
        /,
        *,
        reseller_id: int | None = None,
        **fields: Any,
    ) -> DigishareSettings:
        """``PUT /integrations/digishare``: ``base_url``, ``token`` (or ``client_id`` and
        ``client_secret``), ``ticket_type_id``, ``initial_status_id``, ``status_map``,
        ``webhook_auth``, ``enabled``..."""
        call = Call(
            "PUT",
            self._PATH,
            params=query(reseller_id=reseller_id),
            json=calls.body(settings, fields),
        )
        return cast(DigishareSettings, self._data(call))

    def test_connection(self, *, reseller_id: int | None = None) -> ConnectionCheck:
        """``POST /integrations/digishare/test``: ``status`` ``ok``, ``unauthorized`` or
        ``unreachable``, with the ``reason``."""
        call = Call("POST", f"{self._PATH}/test", params=query(reseller_id=reseller_id))
        return cast(ConnectionCheck, self._data(call))

    def jobs(
        self,
        *,
        page: int | None = None,
        limit: int | None = None,
        state: str | None = None,
        reseller_id: int | None = None,
    ) -> Page[Job]:
        """``GET /integrations/digishare/jobs``: ticket jobs (``state``: pending, running,
        done, failed)."""
        params = query(page=page, limit=limit, state=state, reseller_id=reseller_id)
        return self._page(Call("GET", f"{self._PATH}/jobs", params=params))

    def retry_job(self, job_id: int, *, reseller_id: int | None = None) -> Job:
        """``POST /integrations/digishare/jobs/{id}/retry``: a failed job runs again."""
        call = Call(
            "POST", f"{self._PATH}/jobs/{job_id}/retry", params=query(reseller_id=reseller_id)
        )
        return cast(Job, self._data(call))

    def events(
        self, *, page: int | None = None, limit: int | None = None, reseller_id: int | None = None
    ) -> Page[WebhookEvent]:
        """``GET /integrations/digishare/events``: webhook events received, and their outcome."""
        params = query(page=page, limit=limit, reseller_id=reseller_id)
        return self._page(Call("GET", f"{self._PATH}/events", params=params))

    def deliver_webhook(
        self, integration_id: int, event: Mapping[str, Any], *, headers: Mapping[str, str]
    ) -> WebhookEvent:
        """``POST /webhooks/digishare/{id}``: what Digishare calls; here to replay an event
        by hand. ``headers`` carry the integration's webhook credential (not your token)."""
        call = Call(
            "POST",
            f"/webhooks/digishare/{integration_id}",
            json=dict(event),
            headers=headers,
            anonymous=True,
        )
        return cast(WebhookEvent, self._data(call))


class Suppliers(_Resource):
    def list(self, *, page: int | None = None, limit: int | None = None) -> Page[Supplier]:
        """``GET /suppliers``."""
        return self._page(Call("GET", "/suppliers", params=query(page=page, limit=limit)))

    def get(self, supplier_id: int) -> Supplier:
        """``GET /suppliers/{id}``."""
        return cast(Supplier, self._data(Call("GET", f"/suppliers/{supplier_id}")))

    def create(self, *, name: str, email: str | None = None, phone: str | None = None) -> Supplier:
        """``POST /suppliers`` (admins)."""
        fields = _given(name=name, email=email, phone=phone)
        return cast(Supplier, self._data(Call("POST", "/suppliers", json=calls.body(None, fields))))

    def update(
        self,
        supplier_id: int,
        *,
        name: str | None = None,
        email: str | None = None,
        phone: str | None = None,
    ) -> Supplier:
        """``PATCH /suppliers/{id}`` (admins): changes the fields given."""
        fields = _given(name=name, email=email, phone=phone)
        call = Call("PATCH", f"/suppliers/{supplier_id}", json=calls.body(None, fields))
        return cast(Supplier, self._data(call))


class Resellers(_Resource):
    def list(self, *, page: int | None = None, limit: int | None = None) -> Page[Reseller]:
        """``GET /resellers``."""
        return self._page(Call("GET", "/resellers", params=query(page=page, limit=limit)))

    def get(self, reseller_id: int) -> Reseller:
        """``GET /resellers/{id}``."""
        return cast(Reseller, self._data(Call("GET", f"/resellers/{reseller_id}")))

    def create(
        self, *, name: str, supplier_id: int, email: str | None = None, phone: str | None = None
    ) -> Reseller:
        """``POST /resellers`` (admins): a reseller selling for ``supplier_id``."""
        fields = _given(name=name, supplier_id=supplier_id, email=email, phone=phone)
        return cast(Reseller, self._data(Call("POST", "/resellers", json=calls.body(None, fields))))

    def update(
        self,
        reseller_id: int,
        *,
        name: str | None = None,
        email: str | None = None,
        phone: str | None = None,
    ) -> Reseller:
        """``PATCH /resellers/{id}`` (admins): changes the fields given (not the supplier)."""
        fields = _given(name=name, email=email, phone=phone)
        call = Call("PATCH", f"/resellers/{reseller_id}", json=calls.body(None, fields))
        return cast(Reseller, self._data(call))


class Users(_Resource):
    def list(self, *, page: int | None = None, limit: int | None = None) -> Page[User]:
        """``GET /users``: the users you manage."""
        return self._page(Call("GET", "/users", params=query(page=page, limit=limit)))

    def create(
        self,
        *,
        identifier: str,
        password: str,
        role: str,
        name: str | None = None,
        supplier_id: int | None = None,
        reseller_id: int | None = None,
    ) -> User:
        """``POST /users``: a login (resellers create ``agent`` logins only)."""
        fields = _given(
            identifier=identifier,
            password=password,
            role=role,
            name=name,
            supplier_id=supplier_id,
            reseller_id=reseller_id,
        )
        return cast(User, self._data(Call("POST", "/users", json=calls.body(None, fields))))

    def update(
        self,
        user_id: int,
        *,
        name: str | None = None,
        password: str | None = None,
        is_active: bool | None = None,
    ) -> User:
        """``PATCH /users/{id}``: rename, reset the password, or disable (``is_active=False``)."""
        fields = _given(name=name, password=password, is_active=is_active)
        return cast(
            User, self._data(Call("PATCH", f"/users/{user_id}", json=calls.body(None, fields)))
        )


class BlockedPhones(_Resource):
    def list(
        self,
        *,
        page: int | None = None,
        limit: int | None = None,
        reseller_id: int | None = None,
        phone: str | None = None,
    ) -> Page[BlockedPhone]:
        """``GET /blocked-phones``: your reseller's list and the global one (admins: every
        list; ``reseller_id``: one reseller's own list; ``phone``: one number)."""
        call = calls.list_blocked_phones(
            page=page, limit=limit, reseller_id=reseller_id, phone=phone
        )
        return self._page(call)

    def create(self, *, phone: str, reason: str, reseller_id: int | None = None) -> BlockedPhone:
        """``POST /blocked-phones``: blocks a number (admins: globally, or for
        ``reseller_id``); a number already in that list is a 409."""
        call = calls.block_phone(phone=phone, reason=reason, reseller_id=reseller_id)
        return cast(BlockedPhone, self._data(call))

    def delete(self, entry_id: int) -> None:
        """``DELETE /blocked-phones/{id}``: orders already marked blocked stay so."""
        self._client._send(calls.unblock_phone(entry_id))


class Stats(_Resource):
    def orders(
        self,
        *,
        date_from: date | str | None = None,
        date_to: date | str | None = None,
        group_by: str | None = None,
    ) -> OrderStats:
        """``GET /stats/orders``: order figures of a period (days, both included; default the
        last 30) in ``totals`` and per ``group_by`` (day, product, city, source, reseller)."""
        call = calls.order_stats(date_from=date_from, date_to=date_to, group_by=group_by)
        return cast(OrderStats, self._data(call))


class Calls(_Resource):
    """The call center: the next order to call, claims, call attempts, the queue."""

    def next(self) -> OrderDetail | None:
        """``POST /calls/next``: claims the next order due in your queue and returns it; None
        when nothing is due."""
        return cast(
            OrderDetail | None,
            calls.data_or_none(self._client._send(Call("POST", "/calls/next"))),
        )

    def claim(self, ref: int | str) -> Claim:
        """``POST /orders/{ref}/claim``: claims the order (or renews your claim); a 409 names
        the other holder and when its claim ends."""
        return cast(Claim, self._data(Call("POST", f"/orders/{ref}/claim")))

    def release(self, ref: int | str) -> None:
        """``DELETE /orders/{ref}/claim``: gives the order back to the queue."""
        self._client._send(Call("DELETE", f"/orders/{ref}/claim"))

    def record(
        self,
        ref: int | str,
        outcome: CallOutcome,
        *,
        note: str | None = None,
        callback_at: datetime | str | None = None,
    ) -> CallRecorded:
        """``POST /orders/{ref}/calls``: records your call (you must hold the claim);
        ``callback_at`` (timezone-aware, in the future) is required for ``rapported``."""
        call = Call(
            "POST", f"/orders/{ref}/calls", json=calls.record_call(outcome, note, callback_at)
        )
        return cast(CallRecorded, self._data(call))

    def list(self, ref: int | str) -> builtins.list[CallAttempt]:
        """``GET /orders/{ref}/calls``: the calls of the order, oldest first."""
        return cast(builtins.list[CallAttempt], self._data(Call("GET", f"/orders/{ref}/calls")))

    def queue(
        self,
        *,
        page: int | None = None,
        limit: int | None = None,
        reseller_id: int | None = None,
    ) -> CallQueue:
        """``GET /calls/queue`` (admins, resellers): counts by reason and a page of the queue."""
        params = query(page=page, limit=limit, reseller_id=reseller_id)
        return calls.call_queue(self._client._send(Call("GET", "/calls/queue", params=params)))

    def stats(
        self,
        *,
        date_from: date | str | None = None,
        date_to: date | str | None = None,
        agent_id: int | None = None,
    ) -> builtins.list[CallStats]:
        """``GET /stats/calls``: calls per agent and day (UTC), the last 30 days by default."""
        params = (*query(agent_id=agent_id), *calls.period(date_from, date_to))
        return cast(
            builtins.list[CallStats],
            self._data(Call("GET", "/stats/calls", params=params)),
        )

    def get_settings(self, *, reseller_id: int | None = None) -> QueueSettings:
        """``GET /calls/settings``: the rules the queue follows, overrides and defaults."""
        params = query(reseller_id=reseller_id)
        return cast(QueueSettings, self._data(Call("GET", "/calls/settings", params=params)))

    def put_settings(
        self,
        *,
        reseller_id: int | None = None,
        retry_delays_minutes: builtins.list[int] | None = None,
        max_unreached_attempts: int | None = None,
        whatsapp_grace_minutes: int | None = None,
    ) -> QueueSettings:
        """``PUT /calls/settings``: the reseller's own rules; None goes back to the default."""
        payload = {
            "retryDelaysMinutes": retry_delays_minutes,
            "maxUnreachedAttempts": max_unreached_attempts,
            "whatsappGraceMinutes": whatsapp_grace_minutes,
        }
        call = Call("PUT", "/calls/settings", params=query(reseller_id=reseller_id), json=payload)
        return cast(QueueSettings, self._data(call))


class Accounts:
    def __init__(self, client: Commercy) -> None:
        self.suppliers = Suppliers(client)
        self.resellers = Resellers(client)
        self.users = Users(client)


def _given(**fields: Any) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}
