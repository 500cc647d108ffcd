"""The operator's view of orders (SPEC §4): search and filters, one order with everything about
it (addresses, parcel, quote, how its price was made, what happened to it and when), and the
rows of the CSV export."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.database import Database
from shipbot.db.models import AuditEntry, LedgerEntry, Order, RateQuote, Refund, User
from shipbot.domain.orders import OrderStatus
from shipbot.domain.pricing import PriceBreakdown, price_breakdown
from shipbot.providers.carriers.base import CarrierService, Shipment
from shipbot.services import shop_settings
from shipbot.services.admin_lists import MAX_PAGE_SIZE, Days, Page, keyset_page, user_clause
from shipbot.services.label_files import LabelFiles
from shipbot.services.quoting import PricedRate, shipment_from_dict
from shipbot.services.shop_settings import ShopSettings

order_carrier_code = Order.rate["carrier_code"].as_string()
order_service_code = Order.rate["service_code"].as_string()


@dataclass(frozen=True)
class OrderFilter:
    # An order number, a tracking number, or a user ("12345" or "@name").
    query: str = ""
    status: str = ""
    carrier: str = ""  # carrier code
    service: str = ""  # service code
    days: Days = field(default_factory=Days)


def _matching(filters: OrderFilter) -> Select:
    query = select(Order, User).join(User, User.id == Order.user_id)
    text = filters.query.strip()
    if text.startswith("@"):
        # Only a user is written so: alone, the clause lets the planner go by the user's orders
        # instead of filtering every order through an OR.
        query = query.where(user_clause(text, Order.user_id))
    elif text:
        found = [Order.id == text.upper(), Order.tracking_number == text]
        who = user_clause(text, Order.user_id)
        if who is not None:
            found.append(who)
        query = query.where(or_(*found))
    if filters.status:
        query = query.where(Order.status == filters.status)
    if filters.carrier:
        query = query.where(order_carrier_code == filters.carrier)
    if filters.service:
        query = query.where(order_service_code == filters.service)
    return query.where(*filters.days.clauses(Order.created_at))


async def find_orders(
    session: AsyncSession,
    filters: OrderFilter = OrderFilter(),
    *,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page:
    """Rows of (Order, User), newest first."""
    return await keyset_page(session, _matching(filters), Order.created_at, Order.id, cursor, limit)


async def every_order(database: Database, filters: OrderFilter) -> AsyncIterator[tuple]:
    """All the (Order, User) rows of the filter, a page per short session, so a long export
    never holds a connection or a snapshot open for its whole length."""
    cursor = None
    while True:
        async with database.sessions() as session:
            page = await find_orders(session, filters, cursor=cursor, limit=MAX_PAGE_SIZE)
        for row in page.rows:
            yield row
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


@dataclass(frozen=True)
class FilterChoices:
    statuses: list[str]
    carriers: list[tuple[str, str]]  # (code, name)
    services: list[tuple[str, str]]


def filter_choices(services: Iterable[CarrierService]) -> FilterChoices:
    """The filters' menus from the carrier's catalog: reading them out of every order's rate
    would scan the whole table on each page."""
    carriers = {service.carrier_code: service.carrier_name for service in services}
    by_service = {service.service_code: service.service_name for service in services}
    return FilterChoices(
        statuses=[status.value for status in OrderStatus],
        carriers=sorted(carriers.items(), key=lambda item: item[1]),
        services=sorted(by_service.items(), key=lambda item: item[1]),
    )


@dataclass(frozen=True)
class Event:
    at: datetime
    what: str
    detail: str = ""


@dataclass(frozen=True)
class OrderDetail:
    order: Order
    user: User
    rate: PricedRate
    shipment: Shipment
    quote: RateQuote | None  # gone once quotes are pruned
    # Today's rules and the user's discount applied to the carrier's cost: how the price was
    # made if `breakdown_matches`, else the rules have changed since the order was priced.
    breakdown: PriceBreakdown
    refund: Refund | None
    ledger: list[LedgerEntry]
    audit: list[AuditEntry]

    @property
    def margin_cents(self) -> int:
        return self.order.price_cents - self.rate.carrier_total_cents

    @property
    def breakdown_matches(self) -> bool:
        return self.breakdown.price_cents == self.order.price_cents

    @property
    def timeline(self) -> list[Event]:
        """What happened, oldest first: the order's moments, its money, its refund, and what
        operators did to it."""
        order, refund = self.order, self.refund
        events = [Event(order.created_at, "ordered", f"{self.rate.service_name}, quoted")]
        if order.purchased_at:
            events.append(Event(order.purchased_at, "label bought", order.tracking_number or ""))
        if order.status == OrderStatus.FAILED:
            events.append(Event(order.updated_at, "purchase failed", order.failure_reason or ""))
        events += [
            Event(entry.created_at, f"ledger: {entry.kind}", _signed_usd(entry.amount_cents))
            for entry in self.ledger
        ]
        if refund is not None:
            events.append(
                Event(refund.created_at, f"refund {refund.status}", refund.carrier_message)
            )
            if refund.decided_at is not None:
                events.append(
                    Event(
                        refund.decided_at,
                        f"refund decided: {refund.decision} by {refund.decided_by}",
                        refund.note or "",
                    )
                )
        events += [
            Event(entry.at, f"{entry.admin_username or '—'}: {entry.action}", entry.reason or "")
            for entry in self.audit
        ]
        return sorted(events, key=lambda event: event.at)


def _signed_usd(cents: int) -> str:
    return ("+" if cents > 0 else "") + dollars(cents)


async def order_detail(
    session: AsyncSession, order_id: str, defaults: ShopSettings
) -> OrderDetail | None:
    """The order with everything about it; `defaults` are the shop settings the owners' edits
    apply over, for the price breakdown under today's rules."""
    found = (
        await session.execute(
            select(Order, User).join(User, User.id == Order.user_id).where(Order.id == order_id)
        )
    ).first()
    if found is None:
        return None
    order, user = found
    rate = PricedRate.from_dict(order.rate)
    refund = await session.scalar(select(Refund).where(Refund.order_id == order.id))
    references = [order.id] + ([refund.id] if refund else [])
    ledger = await session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.user_id == order.user_id, LedgerEntry.reference.in_(references))
        .order_by(LedgerEntry.id)
    )
    targets = [and_(AuditEntry.target_type == "order", AuditEntry.target_id == order.id)]
    if refund is not None:
        targets.append(and_(AuditEntry.target_type == "refund", AuditEntry.target_id == refund.id))
    audit = await session.scalars(select(AuditEntry).where(or_(*targets)).order_by(AuditEntry.id))
    return OrderDetail(
        order=order,
        user=user,
        rate=rate,
        shipment=shipment_from_dict(order.shipment),
        quote=await session.get(RateQuote, order.quote_id),
        breakdown=price_breakdown(
            rate.carrier_total_cents,
            rate.carrier_code,
            rate.service_code,
            (await shop_settings.current(session, defaults)).pricing,
            user.discount_percent,
        ),
        refund=refund,
        ledger=list(ledger),
        audit=list(audit),
    )


@dataclass(frozen=True)
class StoredLabel:
    filename: str  # the tracking number, as the bot names the document
    pdf: bytes


_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9_.-]")


async def stored_label(
    database: Database, label_files: LabelFiles, order_id: str
) -> StoredLabel | None:
    """The label PDF kept for the order; None without a label or without its file."""
    async with database.sessions() as session:
        order = await session.get(Order, order_id)
    if order is None or not order.label_id:
        return None
    try:
        pdf = label_files.read(order.label_id)
    except FileNotFoundError:
        return None
    name = _UNSAFE_IN_FILENAME.sub("_", order.tracking_number or order.id)
    return StoredLabel(f"{name}.pdf", pdf)


def dollars(cents: int) -> str:
    """12.50, -3.05: two decimals, no currency sign, from integer cents."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"


CSV_HEADER = [
    "order",
    "created_at",
    "status",
    "user_id",
    "username",
    "carrier",
    "service",
    "tracking_number",
    "price_usd",
    "carrier_cost_usd",
    "sender",
    "recipient",
    "recipient_city",
    "recipient_state",
    "recipient_zip",
    "purchased_at",
]
# A spreadsheet runs a cell starting with one of these as a formula (OWASP, "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def csv_row(order: Order, user: User) -> list[str]:
    rate = PricedRate.from_dict(order.rate)
    shipment = shipment_from_dict(order.shipment)
    recipient = shipment.ship_to
    cells = [
        order.id,
        order.created_at.isoformat(),
        order.status,
        str(order.user_id),
        user.username or "",
        rate.carrier_name,
        rate.service_name,
        order.tracking_number or "",
        dollars(order.price_cents),
        dollars(rate.carrier_total_cents),
        shipment.ship_from.name,
        recipient.name,
        recipient.city,
        recipient.state,
        recipient.zip,
        order.purchased_at.isoformat() if order.purchased_at else "",
    ]
    return [safe_cell(cell) for cell in cells]
