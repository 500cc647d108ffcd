"""Quoting a shipment and choosing a rate (SPEC §3.2): rates from the carrier provider,
those the shop offers priced with its markup and kept for a while (all by the shop's current
settings, which the caller reads before the carrier call), and a chosen one turned into a
`quoted` order.

Nothing here is flushed before the carrier answers: quotes and orders are staged in the
update's session and committed with it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.models import Order, RateQuote, User, utcnow
from shipbot.db.ownership import find_owned
from shipbot.domain.address import Address
from shipbot.domain.draft import LabelDraft, dimensions_from_list, dimensions_to_list
from shipbot.domain.orders import OrderStatus
from shipbot.domain.pricing import PricingRules, customer_price
from shipbot.metrics import CARRIER_SECONDS
from shipbot.providers.carriers.base import (
    CarrierError,
    CarrierProvider,
    CheckedAddress,
    NoRates,
    Rate,
    Shipment,
)
from shipbot.services.shop_settings import ShopSettings

MAX_RATES = 10
ORDER_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


@dataclass(frozen=True)
class Quoter:
    """Where rates come from, and the shop's settings as the environment gives them (each
    quote reads the owners' edits over them: `shop_settings.current`)."""

    carrier: CarrierProvider
    defaults: ShopSettings


@dataclass(frozen=True)
class PricedRate:
    """A carrier rate with our price, as stored in a quote and on an order."""

    rate_id: str
    carrier_id: str
    carrier_code: str
    carrier_name: str
    service_code: str
    service_name: str
    carrier_total_cents: int
    price_cents: int
    delivery_days: int | None
    estimated_delivery: str | None  # ISO date

    @classmethod
    def of(cls, rate: Rate, price_cents: int) -> PricedRate:
        service = rate.service
        return cls(
            rate_id=rate.rate_id,
            carrier_id=service.carrier_id,
            carrier_code=service.carrier_code,
            carrier_name=service.carrier_name,
            service_code=service.service_code,
            service_name=service.service_name,
            carrier_total_cents=rate.total_cents,
            price_cents=price_cents,
            delivery_days=rate.delivery_days,
            estimated_delivery=(
                rate.estimated_delivery.isoformat() if rate.estimated_delivery else None
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PricedRate:
        return cls(**data)


@dataclass(frozen=True)
class PriceChanged:
    """The chosen quote had expired and the carrier now asks a different price."""

    old: PricedRate
    new: PricedRate
    quote: RateQuote
    index: int


@dataclass(frozen=True)
class RateOption:
    """A rate as the rates screen offers it: its index in the quote, and whether it is the
    cheapest or the fastest of the quote (both, when one rate is)."""

    index: int
    rate: PricedRate
    cheapest: bool
    fastest: bool


def rate_options(rates: list[PricedRate]) -> list[RateOption]:
    """The quote's rates cheapest first; the fastest is the cheapest of the quickest ones."""
    order = sorted(range(len(rates)), key=lambda i: (rates[i].price_cents, i))
    timed = [i for i in order if rates[i].delivery_days is not None]
    fastest = min(timed, key=lambda i: rates[i].delivery_days) if timed else None
    return [
        RateOption(index=i, rate=rates[i], cheapest=i == order[0], fastest=i == fastest)
        for i in order
    ]


class RateGone(Exception):
    """The service chosen from an expired quote is no longer offered; `quote` is the new one."""

    def __init__(self, quote: RateQuote) -> None:
        super().__init__("the chosen service is no longer offered")
        self.quote = quote


def shipment_of(draft: LabelDraft) -> Shipment:
    recipient = draft.addresses["recipient"]
    # The carrier's word once it checked this recipient; until then a home unless a company
    # is named.
    checked = draft.recipient_checked and draft.residential is not None
    return Shipment(
        ship_from=draft.addresses["sender"],
        ship_to=recipient,
        ounces=draft.ounces,
        dimensions=draft.dimensions,
        residential=draft.residential if checked else recipient.company is None,
    )


@contextmanager
def _timed(operation: str) -> Iterator[None]:
    """A carrier call observed with its outcome: ok, or the kind of CarrierError it raised."""
    started, outcome = time.monotonic(), "ok"
    try:
        yield
    except CarrierError as error:
        outcome = type(error).__name__
        raise
    finally:
        CARRIER_SECONDS.labels(operation, outcome).observe(time.monotonic() - started)


async def check_recipient(quoter: Quoter, draft: LabelDraft) -> CheckedAddress:
    """The carrier's check of the draft's recipient, before its rates are shown."""
    with _timed("check_address"):
        return await quoter.carrier.check_recipient(shipment_of(draft))


def shipment_to_dict(shipment: Shipment) -> dict[str, Any]:
    return {
        "ship_from": shipment.ship_from.to_dict(),
        "ship_to": shipment.ship_to.to_dict(),
        "ounces": str(shipment.ounces),
        "dimensions": dimensions_to_list(shipment.dimensions),
        "residential": shipment.residential,
    }


def shipment_from_dict(data: dict[str, Any]) -> Shipment:
    return Shipment(
        ship_from=Address.from_dict(data["ship_from"]),
        ship_to=Address.from_dict(data["ship_to"]),
        ounces=Decimal(data["ounces"]),
        dimensions=dimensions_from_list(data["dimensions"]),
        residential=data["residential"],
    )


def shipment_key(shipment: Shipment) -> str:
    canonical = json.dumps(shipment_to_dict(shipment), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def best_rates(
    rates: list[Rate], rules: PricingRules, discount_percent: Decimal
) -> list[PricedRate]:
    """The cheapest rate of each service, cheapest first, at most ten."""
    best: dict[tuple[str, str], PricedRate] = {}
    for rate in rates:
        service = rate.service
        price = customer_price(
            rate.total_cents, service.carrier_code, service.service_code, rules, discount_percent
        )
        key = (service.carrier_code, service.service_code)
        if key not in best or price < best[key].price_cents:
            best[key] = PricedRate.of(rate, price)
    ranked = sorted(best.values(), key=lambda rate: (rate.price_cents, rate.service_name))
    return ranked[:MAX_RATES]


async def quote_shipment(
    session: AsyncSession, quoter: Quoter, user: User, shipment: Shipment, shop: ShopSettings
) -> RateQuote:
    """A new quote from the carrier: the rates the shop offers, priced for this user."""
    discount = user.discount_percent or Decimal(0)
    with _timed("quote"):
        carrier_rates = await quoter.carrier.quote(shipment)
    offered = [
        rate
        for rate in carrier_rates
        if shop.offers(rate.service.carrier_code, rate.service.service_code)
    ]
    rates = best_rates(offered, shop.pricing, discount)
    if not rates:
        raise NoRates("")
    now = utcnow()
    quote = RateQuote(
        id=secrets.token_hex(16),
        user_id=user.id,
        shipment_key=shipment_key(shipment),
        shipment=shipment_to_dict(shipment),
        rates=[rate.to_dict() for rate in rates],
        created_at=now,
        expires_at=now + shop.quote_ttl,
    )
    session.add(quote)
    return quote


async def valid_quote(
    session: AsyncSession, user_id: int, shipment: Shipment, priced_since: datetime | None
) -> RateQuote | None:
    """The newest quote for this very shipment that has not expired yet, made since
    `priced_since` (the settings' last change: an older one has the old prices)."""
    query = (
        select(RateQuote)
        .where(
            RateQuote.user_id == user_id,
            RateQuote.shipment_key == shipment_key(shipment),
            RateQuote.expires_at > utcnow(),
        )
        .order_by(RateQuote.created_at.desc())
        .limit(1)
    )
    if priced_since is not None:
        query = query.where(RateQuote.created_at > priced_since)
    return await session.scalar(query)


async def find_quote(session: AsyncSession, user_id: int, quote_id: str) -> RateQuote | None:
    return await find_owned(session, RateQuote, quote_id, user_id)


async def find_order(session: AsyncSession, user_id: int, order_id: str) -> Order | None:
    return await find_owned(session, Order, order_id, user_id)


async def list_orders(
    session: AsyncSession, user_id: int, offset: int, limit: int
) -> tuple[list[Order], int]:
    """A page of the user's orders, newest first, and how many there are in all."""
    total = await session.scalar(
        select(func.count()).select_from(Order).where(Order.user_id == user_id)
    )
    rows = await session.scalars(
        select(Order)
        .where(Order.user_id == user_id)
        .order_by(Order.created_at.desc(), Order.id)
        .offset(offset)
        .limit(limit)
    )
    return list(rows), total or 0


def rates_of(quote: RateQuote) -> list[PricedRate]:
    return [PricedRate.from_dict(rate) for rate in quote.rates]


async def choose_rate(
    session: AsyncSession,
    quoter: Quoter,
    user: User,
    quote: RateQuote,
    index: int,
    shop: ShopSettings,
    unpaid_id: str | None = None,
) -> Order | PriceChanged:
    """Order the chosen rate at the price shown while its quote is valid; an expired quote is
    re-quoted first, by the current settings (SPEC §3.2). `unpaid_id`: the chat's order
    awaiting payment, which the chosen rate replaces."""
    chosen = rates_of(quote)[index]
    if quote.expires_at > utcnow():
        return await order_rate(session, user.id, quote, chosen, unpaid_id)
    fresh = await quote_shipment(session, quoter, user, shipment_from_dict(quote.shipment), shop)
    for fresh_index, rate in enumerate(rates_of(fresh)):
        if (rate.carrier_code, rate.service_code) == (chosen.carrier_code, chosen.service_code):
            if rate.price_cents == chosen.price_cents:
                return await order_rate(session, user.id, fresh, rate, unpaid_id)
            return PriceChanged(old=chosen, new=rate, quote=fresh, index=fresh_index)
    raise RateGone(fresh)


async def order_rate(
    session: AsyncSession, user_id: int, quote: RateQuote, rate: PricedRate, unpaid_id: str | None
) -> Order:
    """The chosen rate as an order. The draft's order still awaiting payment (`unpaid_id`)
    takes the new rate, so choosing again leaves no second unpaid order behind; an invoice
    opened for it still leads back to it."""
    unpaid = await _unpaid(session, user_id, unpaid_id) if unpaid_id else None
    if unpaid is None:
        return create_order(session, user_id, quote, rate)
    _set_rate(unpaid, quote, rate)
    return unpaid


async def _unpaid(session: AsyncSession, user_id: int, order_id: str) -> Order | None:
    # Locked on PostgreSQL until the update commits: a Pay press waits, then sees the change.
    order = await session.scalar(
        select(Order).where(Order.id == order_id, Order.user_id == user_id).with_for_update()
    )
    return order if order is not None and order.status == OrderStatus.QUOTED else None


async def requote_order(
    session: AsyncSession, quoter: Quoter, user: User, order: Order, shop: ShopSettings
) -> PricedRate:
    """An unpaid order whose quote expired (`order` as read before the carrier call), priced
    again for the same service by the current settings; returns its old rate. RateGone when
    the service is no longer offered."""
    old = PricedRate.from_dict(order.rate)
    fresh = await quote_shipment(session, quoter, user, shipment_from_dict(order.shipment), shop)
    for rate in rates_of(fresh):
        if (rate.carrier_code, rate.service_code) == (old.carrier_code, old.service_code):
            if (unpaid := await _unpaid(session, user.id, order.id)) is not None:
                _set_rate(unpaid, fresh, rate)
            return old
    raise RateGone(fresh)


def _set_rate(order: Order, quote: RateQuote, rate: PricedRate) -> None:
    order.shipment = quote.shipment
    order.rate = rate.to_dict()
    order.price_cents = rate.price_cents
    order.quote_id = quote.id
    order.quote_expires_at = quote.expires_at


def create_order(session: AsyncSession, user_id: int, quote: RateQuote, rate: PricedRate) -> Order:
    order = Order(
        id=new_order_id(),
        user_id=user_id,
        status="quoted",
        shipment=quote.shipment,
        rate=rate.to_dict(),
        price_cents=rate.price_cents,
        quote_id=quote.id,
        quote_expires_at=quote.expires_at,
    )
    session.add(order)
    return order


def new_order_id() -> str:
    # Generated here rather than by the database, so the reply can name the order before
    # the update commits (writes are flushed only at commit).
    return "".join(secrets.choice(ORDER_ID_ALPHABET) for _ in range(8))
