"""Orders in the panel and the API (SPEC §4): search and filters, an order's detail, its label
PDF, void and refund on the user's behalf, and the CSV export of a filtered list."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from datetime import date, datetime

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel

from shipbot.bot.refund_news import tell_refund_outcome
from shipbot.db.models import Order, User
from shipbot.domain.money import format_usd
from shipbot.providers.carriers.base import CarrierError, CarrierService
from shipbot.services import admin_orders, refunds
from shipbot.services.admin_accounts import Role
from shipbot.services.admin_lists import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, BadCursor, Days
from shipbot.services.admin_orders import OrderFilter
from shipbot.services.admin_sessions import AdminIdentity
from shipbot.services.audit import Actor
from shipbot.services.quoting import PricedRate
from shipbot.services.refunds import RefundDecisionError, RefundOutcome
from shipbot.web.admin.actors import api_actor, panel_actor
from shipbot.web.admin.api import ERRORS, AdminApiError, ErrorBody
from shipbot.web.admin.auth import (
    PanelRefusal,
    current_admin,
    database_of,
    form_fields,
    require_csrf,
)
from shipbot.web.admin.list_params import days, page_links, with_query
from shipbot.web.admin.rendering import render

log = logging.getLogger(__name__)
pages = APIRouter()
api = APIRouter()
PAGE_SIZE = 50


def _runtime(request: Request):
    return request.app.state.runtime


# ---- the panel


async def _catalog(request: Request) -> list[CarrierService]:
    """The carrier's services for the filter menus; without them the menus are empty."""
    try:
        return await request.app.state.runtime.quoter.carrier.list_services()
    except CarrierError as error:
        log.warning("no carrier catalog for the order filters: %s", error)
        return []


@dataclass(frozen=True)
class PanelOrderQuery:
    """The list's filters as the panel's form sends them, shared by the page and its CSV."""

    q: str = ""
    status: str = ""
    carrier: str = ""
    service: str = ""
    since: str = ""
    until: str = ""

    @property
    def filters(self) -> OrderFilter:
        return OrderFilter(
            self.q, self.status, self.carrier, self.service, days(self.since, self.until)
        )


@pages.get("/orders")
async def order_list(
    request: Request,
    identity: AdminIdentity = Depends(current_admin),
    asked: PanelOrderQuery = Depends(),
    cursor: str = "",
) -> Response:
    async with database_of(request).sessions() as session:
        try:
            page = await admin_orders.find_orders(
                session, asked.filters, cursor=cursor or None, limit=PAGE_SIZE
            )
        except BadCursor:
            raise PanelRefusal(
                400, "This page link is not valid; start from the first page."
            ) from None
    choices = admin_orders.filter_choices(await _catalog(request))
    query = asdict(asked)
    older, newest = page_links("/admin/orders", query, page.next_cursor, cursor)
    return render(
        request,
        "orders.html",
        identity=identity,
        owner=identity.role is Role.OWNER,
        rows=[(order, user, PricedRate.from_dict(order.rate)) for order, user in page.rows],
        choices=choices,
        query=query,
        older_url=older,
        newest_url=newest,
        csv_url=with_query("/admin/orders.csv", query),
    )


@pages.get("/orders.csv")
async def order_csv(
    request: Request,
    _identity: AdminIdentity = Depends(current_admin),
    asked: PanelOrderQuery = Depends(),
) -> Response:
    return _csv_response(admin_orders.every_order(database_of(request), asked.filters))


@pages.get("/orders/{order_id}")
async def order_page(
    request: Request, order_id: str, identity: AdminIdentity = Depends(current_admin)
) -> Response:
    return await _order_page(request, identity, order_id)


async def _order_page(
    request: Request, identity: AdminIdentity, order_id: str, **notice: object
) -> Response:
    runtime = _runtime(request)
    async with runtime.database.sessions() as session:
        detail = await admin_orders.order_detail(session, order_id, runtime.quoter.defaults)
    if detail is None:
        raise PanelRefusal(404, f"There is no order {order_id}.")
    return render(
        request,
        "order.html",
        identity=identity,
        owner=identity.role is Role.OWNER,
        detail=detail,
        refundable=refunds.refundable(detail.order) and detail.refund is None,
        label_stored=bool(detail.order.label_id)
        and runtime.purchases.label_files.path(detail.order.label_id).exists(),
        **notice,
    )


@pages.get("/orders/{order_id}/label.pdf")
async def order_label(
    request: Request, order_id: str, _identity: AdminIdentity = Depends(current_admin)
) -> Response:
    return await _label_response(request, order_id, PanelRefusal)


@pages.post("/orders/{order_id}/refund")
async def order_refund(
    request: Request,
    order_id: str,
    identity: AdminIdentity = Depends(require_csrf),
    form: dict[str, str] = Depends(form_fields),
) -> Response:
    """Void and refund, confirmed by a ticked box, with the reason for the audit log."""
    if form.get("confirm") != "yes":
        return await _order_page(
            request, identity, order_id, error="Tick the box to confirm the void: nothing was done."
        )
    try:
        outcome, told = await _void(
            request, panel_actor(request, identity), order_id, form.get("reason", "")
        )
    except RefundDecisionError as error:
        return await _order_page(request, identity, order_id, error=f"Not done: {error}.")
    return await _order_page(request, identity, order_id, done=_void_summary(outcome, told))


# ---- the API


class OrderOut(BaseModel):
    id: str
    status: str
    user_id: int
    username: str | None
    carrier_code: str
    carrier_name: str
    service_code: str
    service_name: str
    tracking_number: str | None
    price_cents: int
    carrier_cost_cents: int
    created_at: datetime
    purchased_at: datetime | None
    refund_deadline: datetime | None
    failure_reason: str | None

    @classmethod
    def of(cls, order: Order, user: User) -> OrderOut:
        rate = PricedRate.from_dict(order.rate)
        return cls(
            id=order.id,
            status=order.status,
            user_id=order.user_id,
            username=user.username,
            carrier_code=rate.carrier_code,
            carrier_name=rate.carrier_name,
            service_code=rate.service_code,
            service_name=rate.service_name,
            tracking_number=order.tracking_number,
            price_cents=order.price_cents,
            carrier_cost_cents=rate.carrier_total_cents,
            created_at=order.created_at,
            purchased_at=order.purchased_at,
            refund_deadline=order.refund_deadline,
            failure_reason=order.failure_reason,
        )


class OrderPageOut(BaseModel):
    items: list[OrderOut]
    # Pass as `cursor` for the next, older page; null on the last page.
    next_cursor: str | None


class AddressOut(BaseModel):
    name: str
    company: str | None
    street1: str
    street2: str | None
    city: str
    state: str
    zip: str
    phone: str | None


class ParcelOut(BaseModel):
    ounces: str
    dimensions_in: list[str] | None  # length, width, height
    residential: bool


class QuoteOut(BaseModel):
    id: str
    created_at: datetime
    expires_at: datetime


class BreakdownOut(BaseModel):
    """Today's rules and the user's discount applied to the carrier's cost; `matches_price`
    is false when the rules changed since the order was priced."""

    carrier_cents: int
    markup_cents: int
    minimum_cents: int
    discount_cents: int
    price_cents: int
    matches_price: bool
    margin_cents: int  # what was charged above the carrier's cost


class RefundOut(BaseModel):
    id: str
    status: str
    amount_cents: int
    carrier_message: str
    created_at: datetime
    decision: str | None
    decided_at: datetime | None
    decided_by: str | None
    note: str | None


class LedgerEntryOut(BaseModel):
    id: int
    kind: str
    amount_cents: int
    reference: str
    created_at: datetime


class EventOut(BaseModel):
    at: datetime
    what: str
    detail: str


class OrderDetailOut(BaseModel):
    order: OrderOut
    ship_from: AddressOut
    ship_to: AddressOut
    parcel: ParcelOut
    quote: QuoteOut | None
    breakdown: BreakdownOut
    refund: RefundOut | None
    ledger: list[LedgerEntryOut]
    timeline: list[EventOut]


class VoidIn(BaseModel):
    reason: str


class VoidOut(BaseModel):
    status: str  # approved | refused | not_refundable | window_closed | carrier_error
    message: str
    amount_cents: int  # credited back
    created: bool  # false: the order's refund was asked before, nothing was done again
    user_told: bool | None  # null when there was nothing new to tell


NOT_FOUND = {404: {"model": ErrorBody, "description": "no such order, or no stored label"}}


def api_order_filter(
    q: str = Query("", description="order number, tracking number, user id or @username"),
    status: str = "",
    carrier: str = Query("", description="carrier code"),
    service: str = Query("", description="service code"),
    since: date | None = Query(None, description="first day, inclusive (UTC)"),
    until: date | None = Query(None, description="last day, inclusive (UTC)"),
) -> OrderFilter:
    """The list's filters as the API takes them, shared by the list and its CSV."""
    return OrderFilter(q, status, carrier, service, Days(since, until))


@api.get("/orders", response_model=OrderPageOut, responses=ERRORS)
async def api_orders(
    request: Request,
    filters: OrderFilter = Depends(api_order_filter),
    cursor: str | None = Query(None, description="next_cursor of the previous page"),
    limit: int = Query(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
) -> OrderPageOut:
    """Orders, newest first."""
    async with database_of(request).sessions() as session:
        try:
            page = await admin_orders.find_orders(session, filters, cursor=cursor, limit=limit)
        except BadCursor as error:
            raise AdminApiError(422, "invalid_request", str(error)) from None
    return OrderPageOut(
        items=[OrderOut.of(order, user) for order, user in page.rows],
        next_cursor=page.next_cursor,
    )


@api.get("/orders.csv", responses=ERRORS, response_class=Response)
async def api_orders_csv(
    request: Request, filters: OrderFilter = Depends(api_order_filter)
) -> Response:
    """The filtered list as CSV, money in dollars."""
    return _csv_response(admin_orders.every_order(database_of(request), filters))


@api.get("/orders/{order_id}", response_model=OrderDetailOut, responses={**ERRORS, **NOT_FOUND})
async def api_order(request: Request, order_id: str) -> OrderDetailOut:
    runtime = _runtime(request)
    async with runtime.database.sessions() as session:
        detail = await admin_orders.order_detail(session, order_id, runtime.quoter.defaults)
    if detail is None:
        raise AdminApiError(404, "not_found", f"there is no order {order_id}")
    shipment, breakdown, refund = detail.shipment, detail.breakdown, detail.refund
    return OrderDetailOut(
        order=OrderOut.of(detail.order, detail.user),
        ship_from=AddressOut(**shipment.ship_from.to_dict()),
        ship_to=AddressOut(**shipment.ship_to.to_dict()),
        parcel=ParcelOut(
            ounces=str(shipment.ounces),
            dimensions_in=detail.order.shipment["dimensions"],
            residential=shipment.residential,
        ),
        quote=QuoteOut.model_validate(detail.quote, from_attributes=True) if detail.quote else None,
        breakdown=BreakdownOut(
            carrier_cents=breakdown.carrier_cents,
            markup_cents=breakdown.markup_cents,
            minimum_cents=breakdown.minimum_cents,
            discount_cents=breakdown.discount_cents,
            price_cents=breakdown.price_cents,
            matches_price=detail.breakdown_matches,
            margin_cents=detail.margin_cents,
        ),
        refund=RefundOut.model_validate(refund, from_attributes=True) if refund else None,
        ledger=[LedgerEntryOut.model_validate(e, from_attributes=True) for e in detail.ledger],
        timeline=[EventOut.model_validate(e, from_attributes=True) for e in detail.timeline],
    )


@api.get(
    "/orders/{order_id}/label",
    responses={**ERRORS, **NOT_FOUND, 200: {"content": {"application/pdf": {}}}},
    response_class=Response,
)
async def api_order_label(request: Request, order_id: str) -> Response:
    """The stored label PDF, as an attachment named by the tracking number."""
    return await _label_response(request, order_id, _api_not_found)


@api.post("/orders/{order_id}/refund", response_model=VoidOut, responses={**ERRORS, **NOT_FOUND})
async def api_order_refund(request: Request, order_id: str, body: VoidIn) -> VoidOut:
    """Void the label and refund it as if the user asked (the user is told in the bot); asked
    again, the first answer is repeated and nothing is done twice."""
    try:
        outcome, told = await _void(request, api_actor(request), order_id, body.reason)
    except RefundDecisionError as error:
        raise refusal_of(error) from None
    return VoidOut(
        status=outcome.status,
        message=outcome.message,
        amount_cents=outcome.amount_cents,
        created=outcome.created,
        user_told=told,
    )


# ---- shared by both


async def _void(
    request: Request, actor: Actor, order_id: str, reason: str
) -> tuple[RefundOutcome, bool | None]:
    """The void through the bot's own refund service; the user is told what they would read
    had they asked, when the carrier answered now. (outcome, told; None: nothing to tell)."""
    runtime = _runtime(request)
    order, outcome = await refunds.void_for_operator(
        runtime.database, runtime.quoter.carrier, actor, order_id, reason
    )
    if not outcome.created:
        return outcome, None
    return outcome, await tell_refund_outcome(runtime, order.user_id, order.id, outcome)


def _void_summary(outcome: RefundOutcome, told: bool | None) -> str:
    said = {
        "approved": f"The carrier voided the label: {format_usd(outcome.amount_cents)} was "
        "credited back to the user's balance.",
        "refused": f"The carrier refused the void: {outcome.message} It is listed under "
        "Refunds, where it can be credited as goodwill or closed.",
        "window_closed": "The carrier's void window for this label has closed: nothing was done.",
        "carrier_error": f"The carrier did not answer ({outcome.message or 'no reason given'}): "
        "nothing was done. Try again later.",
        "not_refundable": "This order has no label that can be voided: nothing was done.",
    }[outcome.status]
    if not outcome.created and outcome.status in {"approved", "refused"}:
        said = f"This order's refund was asked before ({outcome.status}); nothing was done again."
    if told is True:
        said += " The user was told in the bot."
    elif told is False:
        said += " The user could not be told in the bot (Telegram did not take the message)."
    return said


def refusal_of(error: RefundDecisionError) -> AdminApiError:
    """The API's answer to a refund operation the service refused."""
    if isinstance(error, refunds.NotFound):
        return AdminApiError(404, "not_found", str(error))
    if isinstance(error, refunds.BadNote):
        return AdminApiError(422, "invalid_request", str(error))
    return AdminApiError(409, "conflict", str(error))


def _api_not_found(status_code: int, message: str) -> AdminApiError:
    return AdminApiError(status_code, "not_found", message)


async def _label_response(request: Request, order_id: str, refusal) -> Response:
    runtime = _runtime(request)
    label = await admin_orders.stored_label(
        runtime.database, runtime.purchases.label_files, order_id
    )
    if label is None:
        raise refusal(404, f"No stored label for order {order_id}.")
    return Response(
        label.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{label.filename}"',
            "Cache-Control": "no-store",  # customers' data, as every panel page
        },
    )


def _csv_response(rows: AsyncIterator[tuple]) -> StreamingResponse:
    async def lines() -> AsyncIterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(admin_orders.CSV_HEADER)
        async for order, user in rows:
            writer.writerow(admin_orders.csv_row(order, user))
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="orders.csv"',
            "Cache-Control": "no-store",
        },
    )
