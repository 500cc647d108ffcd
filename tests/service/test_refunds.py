"""Refunds on a real database (SPEC §3.5): an approved void credits the price once, a refused
one is recorded with the carrier's reason and credits nothing, a closed window is refused."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from shipbot.db.models import Order, Refund, utcnow
from shipbot.domain.orders import DEFAULT_REFUND_WINDOWS, RefundWindows
from shipbot.providers.carriers.base import VoidResult
from shipbot.services import purchase
from shipbot.services.label_files import LabelFiles
from shipbot.services.refunds import request_refund
from tests.service.test_purchase import CountingCarrier, balance, prepare


class Voiding(CountingCarrier):
    def __init__(self, approved: bool) -> None:
        super().__init__()
        self.approved = approved
        self.voids = 0

    async def void_label(self, label_id: str) -> VoidResult:
        self.voids += 1
        return VoidResult(self.approved, "voided" if self.approved else "the label was scanned")


async def bought(tmp_path, carrier, windows: RefundWindows = DEFAULT_REFUND_WINDOWS) -> tuple:
    database, order_id, price = await prepare(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", 100_00, carrier
    )
    assert (await purchase.start_purchase(database, 1, order_id)).started
    files = LabelFiles(tmp_path / "labels")
    await purchase.finish_purchase(database, carrier, files, order_id, windows=windows)
    return database, order_id, price


async def test_an_approved_void_credits_the_price_once(tmp_path):
    carrier = Voiding(approved=True)
    database, order_id, price = await bought(tmp_path, carrier)
    try:
        assert await balance(database) == 100_00 - price
        first = await request_refund(database, carrier, 1, order_id)
        assert (first.status, first.amount_cents) == ("approved", price)
        again = await request_refund(database, carrier, 1, order_id)
        assert again.status == "approved" and carrier.voids == 1
        assert await balance(database) == 100_00
        async with database.transaction() as session:
            assert (await session.get(Order, order_id)).status == "refunded"
        assert (await request_refund(database, carrier, 2, order_id)).status == "not_refundable"
    finally:
        await database.dispose()


async def test_a_refused_void_is_recorded_and_credits_nothing(tmp_path):
    carrier = Voiding(approved=False)
    database, order_id, price = await bought(tmp_path, carrier)
    try:
        outcome = await request_refund(database, carrier, 1, order_id)
        assert (outcome.status, outcome.message) == ("refused", "the label was scanned")
        assert await balance(database) == 100_00 - price
        async with database.transaction() as session:
            refund = (await session.scalars(Refund.__table__.select())).all()
            assert len(refund) == 1
            assert (await session.get(Order, order_id)).status == "purchased"
        assert (await request_refund(database, carrier, 1, order_id)).status == "refused"
        assert carrier.voids == 1
    finally:
        await database.dispose()


async def test_the_window_set_at_purchase_closes(tmp_path):
    carrier = Voiding(approved=True)
    windows = RefundWindows({"usps": 2, "ups": 2, "fedex": 2})
    database, order_id, _ = await bought(tmp_path, carrier, windows)
    try:
        async with database.transaction() as session:
            order = await session.get(Order, order_id)
            assert order.refund_deadline - order.purchased_at == timedelta(days=2)
            await session.execute(
                update(Order)
                .where(Order.id == order_id)
                .values(refund_deadline=utcnow() - timedelta(seconds=1))
            )
        assert (await request_refund(database, carrier, 1, order_id)).status == "window_closed"
        assert carrier.voids == 0
    finally:
        await database.dispose()
