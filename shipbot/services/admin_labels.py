"""A label bought by the operator for a user (support work, SPEC §4): the shipment read by the
bot's own rules, quoted and ordered through services/quoting.py with the live settings and
the user's discount, and bought through services/purchase.py, charged to the user's balance
or given as goodwill.

A goodwill label is the normal purchase preceded by a credit of its price: an `adjustment`
keyed by the order (`goodwill_label_key`), written with its audit row in the transaction that
starts the purchase, right before the usual hold, then the charge. The ledger thus says what
happened — credit, hold, charge — a credit never exists without its purchase, and the order's
own state machine buys one label however often the confirmation is sent.
"""

from __future__ import annotations

from functools import partial

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.database import Database
from shipbot.db.models import Order, RateQuote, User, utcnow
from shipbot.domain.address_parsing import parse_address
from shipbot.domain.draft import LabelDraft
from shipbot.domain.errors import Rejected
from shipbot.domain.ledger import EntryKind, goodwill_label_key
from shipbot.domain.money import format_usd
from shipbot.domain.parcel import PRESETS, Dimensions, clean_dimensions, clean_weight
from shipbot.providers.carriers.base import Shipment
from shipbot.services import audit, ledger, quoting, shop_settings
from shipbot.services.admin_accounts import Role
from shipbot.services.admin_users import MAX_REASON
from shipbot.services.audit import Actor
from shipbot.services.ledger import Movement
from shipbot.services.purchase import PurchaseStart, start_purchase
from shipbot.services.quoting import PricedRate, Quoter
from shipbot.services.shop_settings import ShopSettings

ACTION = "label_for_user"


class LabelRefused(Exception):
    """The label cannot be made as asked; the message says why, nothing was changed."""


class NotFound(LabelRefused):
    """No such user, or no such quote or order of this user."""


class QuoteExpired(LabelRefused):
    """The rates shown are no longer valid: quote the shipment again."""

    def __init__(self, shipment: Shipment) -> None:
        super().__init__("the quote has expired; here are today's rates")
        self.shipment = shipment


class ShipmentRejected(Exception):
    """The form's fields that break the bot's rules, by field:
    sender, recipient, weight or box."""

    def __init__(self, problems: dict[str, Rejected]) -> None:
        super().__init__(", ".join(problems))
        self.problems = problems


class ShortBalance(LabelRefused):
    def __init__(self, order: Order, shortfall_cents: int) -> None:
        super().__init__("the user's balance is short of the label's price")
        self.order = order
        self.shortfall_cents = shortfall_cents


class AlreadyBought(LabelRefused):
    """The order is being bought or was bought: a confirmation sent again."""

    def __init__(self, order: Order) -> None:
        super().__init__(f"order {order.id} is already {order.status}")
        self.order = order


def read_shipment(form: dict[str, str]) -> Shipment:
    """The four fields as the bot reads them: each address pasted whole, the weight typed, the
    box a preset name or "12x10x8". Every field is checked; all problems are raised at once."""
    problems: dict[str, Rejected] = {}
    addresses = {}
    for role in ("sender", "recipient"):
        try:
            addresses[role] = parse_address(form.get(role, "")).address
        except Rejected as rejected:
            problems[role] = rejected
    readers = {"weight": clean_weight, "box": _box}
    parcel = {}
    for name, reader in readers.items():
        try:
            parcel[name] = reader(form.get(name, ""))
        except Rejected as rejected:
            problems[name] = rejected
    if problems:
        raise ShipmentRejected(problems)
    draft = LabelDraft(utcnow(), addresses, parcel["weight"], parcel["box"])
    return quoting.shipment_of(draft)


def _box(text: str) -> Dimensions:
    return PRESETS.get(text.strip().lower()) or clean_dimensions(text)


async def quote(database: Database, quoter: Quoter, user_id: int, shipment: Shipment) -> RateQuote:
    """A fresh quote for the user, priced by today's settings and the user's discount.

    Never a cached one: each quote the panel makes yields at most one order per rate, which is
    what makes a repeated "buy" (`order_rate`) idempotent."""
    async with database.sessions() as reads:  # closed before the carrier is asked
        user = await reads.get(User, user_id)
        shop = await shop_settings.current(reads, quoter.defaults)
    if user is None:
        raise NotFound(f"there is no user {user_id}")
    async with database.transaction() as session:
        return await quoting.quote_shipment(session, quoter, user, shipment, shop)


async def find_quote(database: Database, user_id: int, quote_id: str) -> RateQuote:
    """The user's own quote: an id of another user's is not found."""
    async with database.sessions() as session:
        found = await quoting.find_quote(session, user_id, quote_id)
    if found is None:
        raise NotFound("this quote is not one of this user's")
    return found


async def order_rate(database: Database, user_id: int, quote_id: str, index: int) -> Order:
    """The `quoted` order of the chosen rate, at the price the quote holds for this user (never
    one a client sends). Asked again for the same quote and rate, the same order."""
    async with database.write_transaction() as session:
        # The lock queues repeated requests, so the second one finds the first one's order.
        found = await session.scalar(
            select(RateQuote)
            .where(RateQuote.id == quote_id, RateQuote.user_id == user_id)
            .with_for_update()
        )
        if found is None:
            raise NotFound("this quote is not one of this user's")
        rates = quoting.rates_of(found)
        if not 0 <= index < len(rates):
            raise LabelRefused("choose one of the rates shown")
        if found.expires_at <= utcnow():
            raise QuoteExpired(quoting.shipment_from_dict(found.shipment))
        chosen = rates[index]
        for order in await session.scalars(select(Order).where(Order.quote_id == found.id)):
            if order.rate["rate_id"] == chosen.rate_id:
                return order
        order = quoting.create_order(session, user_id, found, chosen)
        await session.flush()
        return order


async def find_order(database: Database, user_id: int, order_id: str) -> Order:
    async with database.sessions() as session:
        found = await quoting.find_order(session, user_id, order_id)
    if found is None:
        raise NotFound("this order is not one of this user's")
    return found


async def buy(
    database: Database,
    defaults: ShopSettings,
    actor: Actor,
    role: Role,
    user_id: int,
    order_id: str,
    *,
    goodwill: bool,
    reason: str,
) -> Order:
    """Buy a `quoted` order's label through the normal purchase, from the user's balance or as
    goodwill (within the support role's adjustment limit). A confirmation sent again buys
    nothing more: the order is no longer `quoted`."""
    reason = _reason(reason, required=goodwill)
    credit = partial(_credit_goodwill, defaults, actor, role, reason) if goodwill else None
    start = await start_purchase(database, user_id, order_id, before_hold=credit)
    if not start.started:
        raise _refusal(start, order_id)
    if not goodwill:
        async with database.transaction() as session:
            _audit(session, actor, start.order, goodwill=False, reason=reason)
    return start.order


async def _credit_goodwill(
    defaults: ShopSettings,
    actor: Actor,
    role: Role,
    reason: str | None,
    session: AsyncSession,
    order: Order,
) -> None:
    """The label's price credited in the purchase's own transaction, right before its hold:
    the credit exists only if the purchase started, and the quote cannot expire in between."""
    if role is not Role.OWNER:
        shop = await shop_settings.current(session, defaults)
        if order.price_cents > shop.support_adjustment_limit_cents:
            limit = format_usd(shop.support_adjustment_limit_cents)
            raise LabelRefused(f"goodwill labels are limited to {limit} for your role")
    credit = Movement(
        EntryKind.ADJUSTMENT, order.price_cents, order.id, goodwill_label_key(order.id)
    )
    if await ledger.apply(session, order.user_id, credit):
        _audit(session, actor, order, goodwill=True, reason=reason)


def _audit(
    session: AsyncSession, actor: Actor, order: Order, *, goodwill: bool, reason: str | None
) -> None:
    rate = PricedRate.from_dict(order.rate)
    audit.record(
        session,
        actor,
        ACTION,
        target_type="order",
        target_id=order.id,
        after={
            "user_id": order.user_id,
            "order_id": order.id,
            "carrier": rate.carrier_name,
            "service": rate.service_name,
            "price_cents": order.price_cents,
            "goodwill": goodwill,
        },
        reason=reason,
    )


def _refusal(start: PurchaseStart, order_id: str) -> LabelRefused:
    if start.reason == "not_found":
        return NotFound("this order is not one of this user's")
    if start.reason == "quote_expired":
        return QuoteExpired(quoting.shipment_from_dict(start.order.shipment))
    if start.reason == "short":
        return ShortBalance(start.order, start.shortfall_cents)
    return AlreadyBought(start.order)


def _reason(text: str, *, required: bool) -> str | None:
    reason = " ".join(text.split())
    if required and not reason:
        raise LabelRefused("a goodwill label needs a reason")
    if len(reason) > MAX_REASON:
        raise LabelRefused(f"the reason must be at most {MAX_REASON} characters")
    return reason or None
