"""Quoting on a real database with a scripted carrier: best rate per service, the cache, and
an expired quote re-quoted before an order is made (SPEC §3.2)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from prometheus_client import REGISTRY

from shipbot.db.database import Database
from shipbot.db.models import Order, User, utcnow
from shipbot.domain.address import Address
from shipbot.domain.draft import LabelDraft
from shipbot.domain.parcel import PRESETS
from shipbot.domain.pricing import PricingRules
from shipbot.providers.carriers.base import (
    CarrierService,
    CheckedAddress,
    InvalidAddress,
    NoRates,
    Rate,
    Shipment,
)
from shipbot.services import quoting
from tests.support.shop import SHOP

SHIPMENT = Shipment(
    ship_from=Address("John Smith", "215 Clayton St", "San Francisco", "CA", "94117"),
    ship_to=Address("Jane Doe", "350 5th Ave", "New York", "NY", "10118"),
    ounces=Decimal("40"),
    dimensions=PRESETS["medium"],
)


def service(carrier: str, code: str) -> CarrierService:
    return CarrierService(f"se-{carrier}", carrier, carrier.upper(), code, code.replace("_", " "))


def rate(carrier: str, code: str, cents: int, rate_id: str | None = None) -> Rate:
    return Rate(rate_id or f"{code}-{cents}", service(carrier, code), shipping_cents=cents)


class ScriptedCarrier:
    def __init__(self, *answers: list[Rate]) -> None:
        self.answers = list(answers)
        self.calls = 0

    async def quote(self, shipment: Shipment) -> list[Rate]:
        self.calls += 1
        return self.answers.pop(0)


@pytest.fixture
async def database(migrated_url):
    database = Database(migrated_url)
    async with database.transaction() as session:
        now = utcnow()
        session.add(
            User(
                id=1,
                first_name="Ann",
                is_blocked=False,
                created_at=now,
                last_seen_at=now,
                discount_percent=Decimal(0),
            )
        )
    yield database
    await database.dispose()


def quoter(carrier) -> quoting.Quoter:
    return quoting.Quoter(carrier, SHOP)


def test_best_rates_keep_the_cheapest_per_service_and_at_most_ten():
    rates = [rate("usps", "usps_priority_mail", 900), rate("usps", "usps_priority_mail", 800)]
    rates += [rate("ups", f"ups_service_{n}", 1000 + n) for n in range(12)]
    best = quoting.best_rates(rates, PricingRules(), Decimal(0))
    assert len(best) == 10
    assert best[0].rate_id == "usps_priority_mail-800"
    assert [r.price_cents for r in best] == sorted(r.price_cents for r in best)


async def test_a_valid_quote_is_reused_and_refresh_asks_again(database):
    carrier = ScriptedCarrier([rate("usps", "usps_priority_mail", 1000)])
    async with database.transaction() as session:
        user = await session.get(User, 1)
        quote = await quoting.quote_shipment(session, quoter(carrier), user, SHIPMENT, SHOP)
        assert quote.rates[0]["price_cents"] == 1100
    async with database.transaction() as session:
        cached = await quoting.valid_quote(session, 1, SHIPMENT, None)
        assert cached.id == quote.id and carrier.calls == 1
        # Priced before the settings last changed: not reused.
        assert await quoting.valid_quote(session, 1, SHIPMENT, utcnow()) is None
        other = Shipment(SHIPMENT.ship_from, SHIPMENT.ship_to, Decimal("41"), SHIPMENT.dimensions)
        assert await quoting.valid_quote(session, 1, other, None) is None
        assert await quoting.find_quote(session, 2, quote.id) is None


async def test_an_expired_quote_is_requoted_before_ordering(database):
    carrier = ScriptedCarrier(
        [rate("usps", "usps_priority_mail", 1000), rate("ups", "ups_ground", 2000)],
        [rate("usps", "usps_priority_mail", 1000, "fresh-same-price")],
        [rate("usps", "usps_priority_mail", 1200, "fresh-dearer")],
        [rate("ups", "ups_ground", 2000)],
    )
    expired, shop = quoter(carrier), replace(SHOP, quote_ttl_minutes=-1)
    async with database.transaction() as session:
        user = await session.get(User, 1)
        old = await quoting.quote_shipment(session, expired, user, SHIPMENT, shop)
        same = await quoting.choose_rate(session, expired, user, old, 0, shop)
        assert isinstance(same, Order) and same.rate["rate_id"] == "fresh-same-price"
        assert same.status == "quoted" and same.price_cents == 1100

        changed = await quoting.choose_rate(session, expired, user, old, 0, shop)
        assert isinstance(changed, quoting.PriceChanged)
        assert (changed.old.price_cents, changed.new.price_cents) == (1100, 1320)

        with pytest.raises(quoting.RateGone):
            await quoting.choose_rate(session, expired, user, old, 0, shop)
    assert carrier.calls == 4


async def test_a_carrier_without_rates_is_no_rates(database):
    async with database.transaction() as session:
        user = await session.get(User, 1)
        with pytest.raises(NoRates):
            await quoting.quote_shipment(session, quoter(ScriptedCarrier([])), user, SHIPMENT, SHOP)


async def test_carrier_calls_are_timed_by_outcome(database):
    def count(outcome: str) -> float:
        labels = {"operation": "quote", "outcome": outcome}
        return REGISTRY.get_sample_value("shipbot_carrier_seconds_count", labels) or 0

    class Refusing:
        async def quote(self, shipment):
            raise InvalidAddress("no such street")

    ok, refused = count("ok"), count("InvalidAddress")
    async with database.transaction() as session:
        user = await session.get(User, 1)
        carrier = ScriptedCarrier([rate("usps", "usps_priority_mail", 1000)])
        await quoting.quote_shipment(session, quoter(carrier), user, SHIPMENT, SHOP)
        with pytest.raises(InvalidAddress):
            await quoting.quote_shipment(session, quoter(Refusing()), user, SHIPMENT, SHOP)
    assert (count("ok"), count("InvalidAddress")) == (ok + 1, refused + 1)


def test_order_ids_are_short_and_unambiguous():
    ids = {quoting.new_order_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(len(i) == 8 and not set(i) & set("01IO") for i in ids)


def draft_of(shipment: Shipment) -> LabelDraft:
    addresses = {"sender": shipment.ship_from, "recipient": shipment.ship_to}
    return LabelDraft(utcnow(), addresses, shipment.ounces, shipment.dimensions)


async def test_the_residential_indicator_is_the_carriers_once_it_checked_the_recipient():
    draft = draft_of(SHIPMENT)
    assert quoting.shipment_of(draft).residential is True  # no company named: a home

    class Business:
        async def check_recipient(self, shipment: Shipment) -> CheckedAddress:
            return CheckedAddress(shipment.ship_to, residential=False)

    checked = await quoting.check_recipient(quoter(Business()), draft)
    draft.checked_recipient, draft.residential = checked.address, checked.residential
    assert quoting.shipment_of(draft).residential is False
    # Another recipient is not the one the carrier checked.
    draft.addresses["recipient"] = replace(SHIPMENT.ship_to, street1="1 Broadway")
    assert quoting.shipment_of(draft).residential is True
    assert LabelDraft.from_dict(draft.to_dict()) == draft
