"""The call center: the next order to call, claims, call attempts, and the queue."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from commercy.auth.dependencies import CurrentActor
from commercy.calls import service
from commercy.calls.schemas import (
    CallAttemptOut,
    CallIn,
    CallRecordedOut,
    CallSettingsIn,
    CallSettingsOut,
    CallStatsOut,
    ClaimOut,
    QueueEntryOut,
    QueuePage,
)
from commercy.core.database import ReadSessionDep, UnitOfWorkRoute, WriteSessionDep
from commercy.core.dependencies import SettingsDep
from commercy.core.envelopes import Envelope
from commercy.core.ids import id_query
from commercy.core.pagination import PageDep
from commercy.core.responses import envelope, envelope_response, json_response, paginated
from commercy.orders import versions
from commercy.orders.models import Order
from commercy.orders.schemas import OrderDetailOut

router = APIRouter(tags=["calls"], route_class=UnitOfWorkRoute)

NOTHING_TO_CALL: dict[int | str, dict[str, Any]] = {204: {"description": "Nothing to call now"}}


@router.post("/calls/next", response_model=Envelope[OrderDetailOut], responses=NOTHING_TO_CALL)
async def next_call(
    actor: CurrentActor, session: WriteSessionDep, settings: SettingsDep
) -> Response:
    """Claim the next order to call and get it, with its items, history and WhatsApp
    confirmation; **204** when nothing is due.

    The queue serves, in this order: callbacks that are due (oldest due first), new `pending`
    orders (oldest first), then orders to retry after no answer, each not before its retry
    time. Two agents asking at once never get the same order. The claim lasts a few minutes
    (`claimedUntil`); renew it with `POST /orders/{id}/claim`. Taking an order ends your other
    claims: an agent calls one customer at a time. Agents and resellers get their reseller's
    orders, admins anyone's; suppliers never call (403).
    """
    detail = await service.next_order_detail(session, actor=actor, settings=settings)
    if detail is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    response = envelope_response(detail, message="Order claimed")
    response.headers["ETag"] = versions.etag(detail)  # for If-Match on the edits during the call
    return response


def _claim_out(order: Order) -> ClaimOut:
    assert order.claimed_by_user_id is not None and order.claim_expires_at is not None
    return ClaimOut(
        order_id=order.id,
        order_number=order.order_number,
        claimed_by=order.claimed_by_user_id,
        claimed_until=order.claim_expires_at,
    )


@router.post("/orders/{reference}/claim", response_model=Envelope[ClaimOut])
async def claim_order(
    reference: str, actor: CurrentActor, session: WriteSessionDep, settings: SettingsDep
) -> dict[str, Any]:
    """Claim this order (by id or order number) to call it, or renew your claim on it.

    409 when another user holds it (`details` name the holder and `claimedUntil`), or when the
    order is not being confirmed any more (`currentStatus`). 404 outside your scope.
    """
    order = await service.claim(session, actor=actor, reference=reference, settings=settings)
    return envelope(_claim_out(order), message="Order claimed")


@router.delete(
    "/orders/{reference}/claim",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={204: {"description": "The order is back in the queue"}},
)
async def release_order(reference: str, actor: CurrentActor, session: WriteSessionDep) -> Response:
    """Give the order back to the queue without calling. Its holder may release it, and so
    may the order's reseller (its agents' employer) and an admin; another agent gets 409. An
    order nobody holds: nothing to do."""
    await service.release(session, actor=actor, reference=reference)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/orders/{reference}/calls",
    status_code=status.HTTP_201_CREATED,
    response_model=Envelope[CallRecordedOut],
)
async def record_call(
    reference: str,
    body: CallIn,
    actor: CurrentActor,
    session: WriteSessionDep,
    settings: SettingsDep,
) -> Response:
    """Record a call to the order's customer; only the user holding the order's claim may.

    `outcome` sets the order's status through the usual lifecycle (confirming takes stock,
    409 when the move is refused or stock is short) and is kept with your `note`. The claim
    ends. `rapported` needs `callbackAt` (ISO 8601 with a time zone, in the future): the order
    comes back then, first in the queue. After no answer (`not_reached`, `phone_closed`,
    `not_available`) the order comes back after the reseller's back-off (30 min, 2 h, then a
    day by default; `callbackAt` replaces it), and the 6th unreached call (by default) moves
    it to `abandoned`, said in its history. 400 names `callbackAt` when it is missing, past or
    given with a final outcome; 409 without the claim.
    """
    recorded = await service.record_call(
        session, actor=actor, reference=reference, data=body, settings=settings
    )
    order = recorded.order
    answer = CallRecordedOut(
        attempt=CallAttemptOut.model_validate(recorded.attempt),
        order_status=order.status,
        call_attempts=order.call_attempts,
        next_call_at=order.next_call_at,
    )
    return envelope_response(answer, message="Call recorded", status_code=status.HTTP_201_CREATED)


@router.get("/orders/{reference}/calls", response_model=Envelope[list[CallAttemptOut]])
async def list_calls(reference: str, actor: CurrentActor, session: ReadSessionDep) -> Response:
    """The calls made to the order's customer, oldest first: who, when, outcome, note and
    the callback time asked for."""
    attempts = await service.list_calls(session, actor=actor, reference=reference)
    return envelope_response([CallAttemptOut.model_validate(a) for a in attempts])


@router.get("/calls/queue", response_model=QueuePage)
async def call_queue(
    actor: CurrentActor,
    session: ReadSessionDep,
    page: PageDep,
    reseller_id: Annotated[
        int | None, id_query(alias="resellerId", description="One reseller's queue")
    ] = None,
) -> Response:
    """What waits to be called, for supervisors (admins; resellers see their own agents').

    `counts`: due now by reason (`callback`, `new`, `retry`), `scheduled` (waiting for a
    callback time, a retry time or the WhatsApp grace period), `claimed` (being called), and
    `total`. `data`: the orders in the order agents will get them, then those that wait, by
    due time, each with its `reason` and `dueAt`.
    """
    counts, rows = await service.queue(session, actor=actor, reseller_id=reseller_id, page=page)
    entries = [QueueEntryOut.model_validate(row) for row in rows]
    body = paginated(entries, page=page.page, limit=page.limit, total=counts.total)
    body["counts"] = counts.model_dump(mode="json", by_alias=True)
    return json_response(body)


ResellerParam = Annotated[
    int | None, id_query(alias="resellerId", description="Admins only: whose settings")
]


@router.get("/calls/settings", response_model=Envelope[CallSettingsOut])
async def get_queue_settings(
    actor: CurrentActor,
    session: ReadSessionDep,
    settings: SettingsDep,
    reseller_id: ResellerParam = None,
) -> Response:
    """The rules your reseller's queue follows: the back-off after unreached calls, the
    unreached calls before `abandoned`, the WhatsApp grace period; your own `overrides` and the
    installation's `defaults` (admins: `?resellerId=`; agents may read)."""
    own = service.settings_reseller_id(actor, reseller_id, writing=False)
    return envelope_response(
        await service.queue_settings(session, reseller_id=own, settings=settings)
    )


@router.put("/calls/settings", response_model=Envelope[CallSettingsOut])
async def put_queue_settings(
    body: CallSettingsIn,
    actor: CurrentActor,
    session: WriteSessionDep,
    settings: SettingsDep,
    reseller_id: ResellerParam = None,
) -> Response:
    """Set your reseller's own queue rules (resellers; admins with `?resellerId=`). Every
    field is replaced: a null or missing one goes back to the installation's default.
    `retryDelaysMinutes`: 1 to 10 delays of 0 to 10,080 minutes; `maxUnreachedAttempts`: 1 to
    100; `whatsappGraceMinutes`: 0 (call at once) to 10,080."""
    own = service.settings_reseller_id(actor, reseller_id, writing=True)
    saved = await service.save_queue_settings(
        session, reseller_id=own, data=body, settings=settings
    )
    return envelope_response(saved, message="Queue settings saved")


@router.get("/stats/calls", response_model=Envelope[list[CallStatsOut]])
async def call_stats(
    actor: CurrentActor,
    session: ReadSessionDep,
    date_from: Annotated[
        date | None, Query(alias="from", description="First day (UTC), default 30 days ago")
    ] = None,
    date_to: Annotated[
        date | None, Query(alias="to", description="Last day, default today")
    ] = None,
    agent_id: Annotated[int | None, id_query(alias="agentId", description="One agent's")] = None,
) -> Response:
    """Calls per agent and day (UTC), at most 366 days: `attempts`, `reached` (the customer
    answered), `confirmed`, `canceled`, `confirmationRate` (confirmed / reached) and
    `averageAttemptsPerConfirmed` (the calls each order confirmed that day took).

    Admins see every agent, resellers their own agents, an agent its own numbers.
    """
    rows = await service.call_stats(
        session, actor=actor, date_from=date_from, date_to=date_to, agent_id=agent_id
    )
    return envelope_response(rows)
