"""The purchase on a real database with the sandbox carrier (SPEC §3.3, G5): however many
concurrent Pay presses, one hold, one label, one charge; a refused purchase costs nothing.
Reconciliation also against a mocked ShipStation."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
import respx

from shipbot.db import migrate
from shipbot.db.database import Database
from shipbot.db.models import Order, User, utcnow
from shipbot.domain.address import Address
from shipbot.domain.ledger import EntryKind, top_up_key
from shipbot.domain.parcel import PRESETS
from shipbot.providers.carriers.base import Shipment, UnknownCarrierError
from shipbot.providers.carriers.sandbox import SandboxCarrier
from shipbot.providers.carriers.shipstation import ShipStationCarrier
from shipbot.services import ledger, purchase, quoting
from shipbot.services.label_files import LabelFiles
from shipbot.services.ledger import Movement
from tests.support.shop import SHOP
from tests.unit.providers import shipstation_fixtures as ss

SHIPMENT = Shipment(
    ship_from=Address("John Smith", "215 Clayton St", "San Francisco", "CA", "94117"),
    ship_to=Address("Jane Doe", "350 5th Ave", "New York", "NY", "10118"),
    ounces=Decimal("40"),
    dimensions=PRESETS["medium"],
)


class CountingCarrier(SandboxCarrier):
    def __init__(self, refuse: bool = False) -> None:
        super().__init__()
        self.purchases = 0
        self.refuse = refuse

    async def buy_label(self, rate, shipment):
        self.purchases += 1
        if self.refuse:
            raise UnknownCarrierError("the carrier's account is suspended")
        return await super().buy_label(rate, shipment)


async def prepare(url: str, balance_cents: int, carrier) -> tuple[Database, str, int]:
    database = Database(url, pool_size=30, max_overflow=10)
    await migrate.upgrade(database)
    async with database.transaction() as session:
        now = utcnow()
        session.add(User(id=1, first_name="A", is_blocked=False, created_at=now, last_seen_at=now))
    async with database.write_transaction() as session:
        top_up = Movement(EntryKind.TOP_UP, balance_cents, "inv", top_up_key("t"))
        await ledger.apply(session, 1, top_up)
    shop = replace(SHOP, markup_percent=Decimal(0))
    async with database.transaction() as session:
        user = await session.get(User, 1)
        quote = await quoting.quote_shipment(
            session, quoting.Quoter(carrier, shop), user, SHIPMENT, shop
        )
        order = quoting.create_order(session, 1, quote, quoting.rates_of(quote)[0])
    return database, order.id, order.price_cents


async def balance(database: Database) -> int:
    async with database.transaction() as session:
        return await ledger.balance_of(session, 1)


async def twenty_presses_buy_one_label(url: str, tmp_path) -> None:
    carrier = CountingCarrier()
    database, order_id, price = await prepare(url, 100_00, carrier)
    try:
        starts = await asyncio.gather(
            *(purchase.start_purchase(database, 1, order_id) for _ in range(20))
        )
        assert sum(start.started for start in starts) == 1
        assert {start.reason for start in starts if not start.started} == {"not_quoted"}
        assert await balance(database) == 100_00 - price
        # Only the one caller that started the purchase runs it; running it again later
        # (a restart, a retry) buys nothing more.
        files = LabelFiles(tmp_path / "labels")
        order = await purchase.finish_purchase(database, carrier, files, order_id)
        again = await purchase.finish_purchase(database, carrier, files, order_id)
        assert carrier.purchases == 1
        assert order.status == again.status == "purchased" and order.tracking_number
        assert files.read(order.label_id).startswith(b"%PDF")
        assert await balance(database) == 100_00 - price
        async with database.transaction() as session:
            kinds = sorted(e.kind for e in await ledger.recent_entries(session, 1))
        assert kinds == ["hold", "hold_release", "label_charge", "top_up"]
    finally:
        await database.dispose()


async def test_twenty_concurrent_presses_buy_one_label_on_sqlite(tmp_path):
    await twenty_presses_buy_one_label(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", tmp_path)


async def test_a_refused_purchase_releases_the_hold(tmp_path):
    carrier = CountingCarrier(refuse=True)
    database, order_id, _ = await prepare(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", 100_00, carrier
    )
    try:
        assert (await purchase.start_purchase(database, 1, order_id)).started
        order = await purchase.finish_purchase(
            database, carrier, LabelFiles(tmp_path / "labels"), order_id
        )
        assert (order.status, order.failure_reason) == (
            "failed",
            "the carrier's account is suspended",
        )
        assert await balance(database) == 100_00
        again = await purchase.start_purchase(database, 1, order_id)
        assert (again.started, again.reason) == (False, "not_quoted")
    finally:
        await database.dispose()


@pytest.mark.parametrize(("balance_cents", "reason"), [(100, "short")])
async def test_a_short_balance_names_the_shortfall(tmp_path, balance_cents, reason):
    database, order_id, price = await prepare(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", balance_cents, CountingCarrier()
    )
    try:
        start = await purchase.start_purchase(database, 1, order_id)
        assert (start.started, start.reason, start.shortfall_cents) == (
            False,
            reason,
            price - balance_cents,
        )
        assert await balance(database) == balance_cents
        assert (await purchase.start_purchase(database, 2, order_id)).reason == "not_found"
    finally:
        await database.dispose()


async def test_reconciliation_releases_a_purchase_that_never_reached_the_carrier(tmp_path):
    carrier = CountingCarrier()
    database, order_id, _ = await prepare(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", 100_00, carrier
    )
    try:
        assert (await purchase.start_purchase(database, 1, order_id)).started
        files = LabelFiles(tmp_path / "labels")
        # A purchase running now is left alone; one older than the grace period is settled.
        assert (
            await purchase.reconcile_purchases(database, carrier, files, timedelta(hours=1)) == []
        )
        settled = await purchase.reconcile_purchases(database, carrier, files, timedelta(0))
        assert [(o.id, o.status) for o in settled] == [(order_id, "failed")]
        assert settled[0].failure_reason == "the purchase did not reach the carrier"
        assert await balance(database) == 100_00 and carrier.purchases == 0
    finally:
        await database.dispose()


def _json(data: dict, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status, content=ss.as_json(data), headers={"content-type": "application/json"}
    )


async def _no_wait(seconds: float) -> None:
    pass


@pytest.mark.parametrize("outcome", ["label found", "none", "carrier down"])
async def test_reconciliation_asks_shipstation_for_the_label_of_the_rate(tmp_path, outcome):
    router = respx.MockRouter(assert_all_mocked=True)
    router.get(f"{ss.API}/carriers").mock(return_value=_json(ss.CARRIERS))
    router.post(f"{ss.API}/rates").mock(return_value=_json(ss.RATES_OK))
    carrier = ShipStationCarrier(
        ss.KEY,
        shipper_phone=ss.SHIPPER_PHONE,
        transport=httpx.MockTransport(router.async_handler),
        sleep=_no_wait,
    )
    database, order_id, price = await prepare(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", 100_00, carrier
    )
    try:
        assert (await purchase.start_purchase(database, 1, order_id)).started
        async with database.transaction() as session:
            rate = (await session.get(Order, order_id)).rate
        # The crash came after ShipStation sold the label, or before the purchase reached it.
        sold = {**ss.LABEL, "carrier_id": rate["carrier_id"], "service_code": rate["service_code"]}
        labels = router.get(f"{ss.API}/labels").mock(
            return_value={
                "label found": _json(ss.labels_page(sold)),
                "none": _json(ss.labels_page()),
                "carrier down": _json(ss.ERROR_500, 503),
            }[outcome]
        )
        router.get(ss.LABEL_PDF_URL).mock(return_value=httpx.Response(200, content=ss.PDF))
        files = LabelFiles(tmp_path / "labels")

        settled = await purchase.reconcile_purchases(database, carrier, files, timedelta(0))

        assert labels.calls.last.request.url.params["rate_id"] == rate["rate_id"]
        async with database.transaction() as session:
            order = await session.get(Order, order_id)
        if outcome == "label found":  # captured, and its PDF kept
            assert [o.id for o in settled] == [order_id]
            assert (order.status, order.label_id) == ("purchased", ss.LABEL["label_id"])
            assert order.tracking_number == ss.LABEL["tracking_number"]
            assert files.read(order.label_id) == ss.PDF
            assert await balance(database) == 100_00 - price
        elif outcome == "none":  # released: nothing was charged
            assert [o.id for o in settled] == [order_id]
            assert order.status == "failed"
            assert await balance(database) == 100_00
        else:  # left, still held, for the next round
            assert settled == []
            assert order.status == "purchasing"
            assert await balance(database) == 100_00 - price
    finally:
        await carrier.close()
        await database.dispose()


async def test_reconciliation_never_takes_another_orders_label_of_the_same_rate(tmp_path):
    carrier = CountingCarrier()
    database, first, price = await prepare(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", 100_00, carrier
    )
    try:
        async with database.transaction() as session:
            quote_id = (await session.get(Order, first)).quote_id
            quote = await quoting.find_quote(session, 1, quote_id)
            second = quoting.create_order(session, 1, quote, quoting.rates_of(quote)[0]).id
        files = LabelFiles(tmp_path / "labels")
        assert (await purchase.start_purchase(database, 1, first)).started
        bought = await purchase.finish_purchase(database, carrier, files, first)
        # The second order of the same rate crashed before its purchase reached the carrier:
        # the carrier's one label for that rate is the first order's, not a second sale.
        assert (await purchase.start_purchase(database, 1, second)).started
        settled = await purchase.reconcile_purchases(database, carrier, files, timedelta(0))
        assert [(o.id, o.status) for o in settled] == [(second, "failed")]
        assert bought.status == "purchased" and carrier.purchases == 1
        assert await balance(database) == 100_00 - price
    finally:
        await database.dispose()
