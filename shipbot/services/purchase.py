"""Buying a label from the balance (SPEC §3.3, G2, G5): exactly once per order.

`start_purchase` moves the order from `quoted` to `purchasing` and holds its price in one
short write transaction, so however often Pay is tapped only one caller ever starts it.
`finish_purchase` then buys from the carrier outside any transaction and settles the hold:
captured with the label, or released with the carrier's reason. Capture and release share one
ledger key, so the hold ends exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.database import Database
from shipbot.db.models import Invoice, Order, utcnow
from shipbot.domain.ledger import (
    EntryKind,
    charge_key,
    goodwill_label_key,
    goodwill_reversal_key,
    hold_key,
    settle_key,
)
from shipbot.domain.orders import DEFAULT_REFUND_WINDOWS, OrderStatus, RefundWindows, can_move
from shipbot.providers.carriers.base import (
    CarrierError,
    CarrierProvider,
    CarrierService,
    PurchaseStateUnknown,
    Rate,
)
from shipbot.services import ledger
from shipbot.services.label_files import LabelFiles
from shipbot.services.ledger import InsufficientFunds, Movement
from shipbot.services.quoting import PricedRate, shipment_from_dict

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PurchaseStart:
    """`started` for the one caller who moved the order to purchasing; otherwise why not."""

    order: Order | None
    started: bool = False
    reason: str = ""  # not_found | not_quoted | quote_expired | short
    shortfall_cents: int = 0


# Runs on the locked order once it is known to be purchasable, in the transaction that holds
# its price; what it raises undoes that transaction and starts nothing.
BeforeHold = Callable[[AsyncSession, Order], Awaitable[None]]


async def start_purchase(
    database: Database, user_id: int, order_id: str, *, before_hold: BeforeHold | None = None
) -> PurchaseStart:
    async with database.write_transaction() as session:
        order = await session.scalar(
            select(Order).where(Order.id == order_id, Order.user_id == user_id).with_for_update()
        )
        if order is None:
            return PurchaseStart(None, reason="not_found")
        if not can_move(order.status, OrderStatus.PURCHASING):
            return PurchaseStart(order, reason="not_quoted")
        if order.quote_expires_at <= utcnow():
            return PurchaseStart(order, reason="quote_expired")
        if before_hold is not None:
            await before_hold(session, order)
        hold = Movement(EntryKind.HOLD, -order.price_cents, order.id, hold_key(order.id))
        try:
            await ledger.apply(session, user_id, hold)
        except InsufficientFunds as short:
            return PurchaseStart(
                order, reason="short", shortfall_cents=short.needed_cents - short.balance_cents
            )
        order.status = OrderStatus.PURCHASING.value
        return PurchaseStart(order, started=True)


async def delete_unpaid(database: Database, user_id: int, order_id: str) -> bool:
    """Delete an order nobody paid for; False when it is not (or no longer) awaiting payment.
    An invoice opened for it stays and credits the balance; it just no longer leads to it."""
    async with database.write_transaction() as session:
        order = await session.scalar(
            select(Order).where(Order.id == order_id, Order.user_id == user_id).with_for_update()
        )
        if order is None or order.status != OrderStatus.QUOTED:
            return False
        await session.execute(
            update(Invoice).where(Invoice.order_id == order_id).values(order_id=None)
        )
        await session.execute(delete(Order).where(Order.id == order_id))
        return True


def rate_of(order: Order) -> Rate:
    priced = PricedRate.from_dict(order.rate)
    service = CarrierService(
        priced.carrier_id,
        priced.carrier_code,
        priced.carrier_name,
        priced.service_code,
        priced.service_name,
    )
    return Rate(priced.rate_id, service, shipping_cents=priced.carrier_total_cents)


async def finish_purchase(
    database: Database,
    carrier: CarrierProvider,
    label_files: LabelFiles,
    order_id: str,
    windows: RefundWindows = DEFAULT_REFUND_WINDOWS,
) -> Order:
    """Buy the label of an order in `purchasing` and settle its hold.

    Run by the one caller whose `start_purchase` started it; calling it again after it
    returned buys nothing more.
    """
    async with database.transaction() as session:
        order = await session.get(Order, order_id)
    if order.status != OrderStatus.PURCHASING:
        return order
    try:
        label = await carrier.buy_label(rate_of(order), shipment_from_dict(order.shipment))
    except PurchaseStateUnknown as unknown:
        # A label may exist: the hold stays until reconciliation finds out.
        log.error("purchase of order %s in an unknown state: %s", order_id, unknown.message)
        return order
    except CarrierError as error:
        return await _settle(database, order_id, label=None, reason=error.message or "")
    label_files.save(label.label_id, label.pdf)
    return await _settle(database, order_id, label=label, reason="", windows=windows)


async def reconcile_purchases(
    database: Database,
    carrier: CarrierProvider,
    label_files: LabelFiles,
    grace: timedelta,
    windows: RefundWindows = DEFAULT_REFUND_WINDOWS,
) -> list[Order]:
    """Orders a crash left in `purchasing` are settled by what the carrier knows: a bought
    label is captured, a purchase that never reached it is released.

    Only orders older than `grace` are touched, so a purchase another process is running
    right now (it takes seconds) is never mistaken for an abandoned one.
    """
    async with database.transaction() as session:
        stuck = list(
            await session.scalars(
                select(Order).where(
                    Order.status == OrderStatus.PURCHASING.value,
                    Order.updated_at < utcnow() - grace,
                )
            )
        )
    settled = []
    for order in stuck:
        try:
            label = await carrier.find_label(rate_of(order), shipment_from_dict(order.shipment))
        except CarrierError as error:
            log.error("order %s stays in purchasing: %s", order.id, error.message)
            continue
        if label is not None and await _label_of_another_order(database, label.label_id):
            # Two orders made from one rate share its id: the label found is the other's.
            label = None
        if label is not None:
            label_files.save(label.label_id, label.pdf)
        reason = "" if label else "the purchase did not reach the carrier"
        settled.append(
            await _settle(database, order.id, label=label, reason=reason, windows=windows)
        )
    return settled


async def _label_of_another_order(database: Database, label_id: str) -> bool:
    async with database.transaction() as session:
        return await session.scalar(select(Order.id).where(Order.label_id == label_id)) is not None


async def untold_outcomes(database: Database, grace: timedelta) -> list[Order]:
    """Settled purchases whose user a crash or a failed message kept from hearing how they
    ended; only those settled longer than `grace` ago, so a job still telling is left alone."""
    async with database.transaction() as session:
        rows = await session.scalars(
            select(Order).where(
                Order.status.in_([OrderStatus.PURCHASED.value, OrderStatus.FAILED.value]),
                Order.told_at.is_(None),
                Order.updated_at < utcnow() - grace,
            )
        )
        return list(rows)


async def mark_told(session: AsyncSession, order_id: str) -> None:
    """Record that the user was told how the purchase ended; written by the caller's commit."""
    order = await session.get(Order, order_id)
    order.told_at = utcnow()


async def _settle(
    database: Database,
    order_id: str,
    *,
    label,
    reason: str,
    windows: RefundWindows = DEFAULT_REFUND_WINDOWS,
) -> Order:
    async with database.write_transaction() as session:
        order = await session.scalar(select(Order).where(Order.id == order_id).with_for_update())
        if order.status != OrderStatus.PURCHASING:
            return order
        price = order.price_cents
        release = Movement(EntryKind.HOLD_RELEASE, price, order.id, settle_key(order.id))
        if label is None:
            await ledger.apply(session, order.user_id, release)
            if await ledger.is_applied(session, goodwill_label_key(order.id)):
                # A label the operator gave: its credit was for this label only, so it goes too.
                back = Movement(
                    EntryKind.ADJUSTMENT, -price, order.id, goodwill_reversal_key(order.id)
                )
                await ledger.apply(session, order.user_id, back)
            order.status = OrderStatus.FAILED.value
            order.failure_reason = reason or "the carrier refused the purchase"
            return order
        charge = Movement(EntryKind.LABEL_CHARGE, -price, order.id, charge_key(order.id))
        await ledger.apply(session, order.user_id, release, charge)
        order.status = OrderStatus.PURCHASED.value
        order.label_id = label.label_id
        order.tracking_number = label.tracking_number
        order.purchased_at = utcnow()
        carrier_code = PricedRate.from_dict(order.rate).carrier_code
        order.refund_deadline = windows.deadline(carrier_code, order.purchased_at)
        return order
