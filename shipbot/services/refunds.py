"""Refunds (SPEC §3.5): a bought, unused label voided through the carrier within its window;
an approved void credits the price back once (ledger key of the refund), a refused one is
recorded with the carrier's reason for the user and the admin."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.database import Database
from shipbot.db.models import Order, Refund, utcnow
from shipbot.domain.ledger import EntryKind, refund_key
from shipbot.domain.orders import OrderStatus, can_move
from shipbot.providers.carriers.base import CarrierError, CarrierProvider
from shipbot.services import ledger
from shipbot.services.ledger import Movement
from shipbot.services.quoting import find_order


@dataclass(frozen=True)
class RefundOutcome:
    status: str  # approved | refused | not_refundable | window_closed | carrier_error
    message: str = ""
    amount_cents: int = 0


def refundable(order: Order) -> bool:
    """Bought and still within the carrier's void window, as it was when bought."""
    if not can_move(order.status, OrderStatus.REFUNDED) or order.refund_deadline is None:
        return False
    return utcnow() <= order.refund_deadline


async def request_refund(
    database: Database, carrier: CarrierProvider, user_id: int, order_id: str
) -> RefundOutcome:
    async with database.transaction() as session:
        order = await find_order(session, user_id, order_id)
        earlier = await session.scalar(select(Refund).where(Refund.order_id == order_id))
    if order is None:
        return RefundOutcome("not_refundable")  # not this user's order
    if earlier is not None:
        # One request per label: a refused void stays refused, with the carrier's reason.
        return RefundOutcome(earlier.status, earlier.carrier_message, earlier.amount_cents)
    if order.status != OrderStatus.PURCHASED:
        return RefundOutcome("not_refundable")
    if not refundable(order):
        return RefundOutcome("window_closed")
    try:
        void = await carrier.void_label(order.label_id)
    except CarrierError as error:
        return RefundOutcome("carrier_error", error.message)
    async with database.write_transaction() as session:
        order = await session.scalar(select(Order).where(Order.id == order_id).with_for_update())
        if order.status != OrderStatus.PURCHASED:
            return RefundOutcome("not_refundable")
        refund = Refund(
            id="R" + secrets.token_hex(6).upper(),
            order_id=order.id,
            user_id=user_id,
            status="approved" if void.approved else "refused",
            amount_cents=order.price_cents if void.approved else 0,
            carrier_message=void.message,
            created_at=utcnow(),
        )
        session.add(refund)
        await session.flush()  # the unique order_id: a second refund of one order fails here
        if void.approved:
            credit = Movement(EntryKind.REFUND, order.price_cents, refund.id, refund_key(refund.id))
            await ledger.apply(session, user_id, credit)
            order.status = OrderStatus.REFUNDED.value
        return RefundOutcome(refund.status, void.message, refund.amount_cents)


async def recent_refunds(session: AsyncSession, user_id: int, limit: int = 10) -> list[Refund]:
    rows = await session.scalars(
        select(Refund)
        .where(Refund.user_id == user_id)
        .order_by(Refund.created_at.desc(), Refund.id)
        .limit(limit)
    )
    return list(rows)
