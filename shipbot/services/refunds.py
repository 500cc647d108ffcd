"""Refunds (SPEC §3.5): a bought, unused label voided through the carrier within its window;
an approved void credits the price back once (ledger key of the refund), a refused one is
recorded with the carrier's reason for the user and the admin.

The operator asks for a void through the same path as the user (`void_for_operator`), and
decides a refused one (`decide_refund`): a goodwill credit or closed with a note, once. A
goodwill credit is an `adjustment` keyed by the refund, not a `refund` entry: the carrier kept
the label's cost, and the dashboard counts each `refund` entry as the price given back *and*
the carrier's cost recovered (services/stats.py).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.database import Database
from shipbot.db.models import Order, Refund, User, utcnow
from shipbot.domain.ledger import EntryKind, goodwill_key, refund_key
from shipbot.domain.orders import OrderStatus, RefundState, RefundSummary, can_move
from shipbot.providers.carriers.base import CarrierError, CarrierProvider
from shipbot.services import audit, ledger
from shipbot.services.admin_lists import Days, Page, keyset_page, user_clause
from shipbot.services.audit import Actor
from shipbot.services.ledger import Movement
from shipbot.services.quoting import find_order

MAX_NOTE = 500


@dataclass(frozen=True)
class RefundOutcome:
    status: str  # approved | refused | not_refundable | window_closed | carrier_error
    message: str = ""
    amount_cents: int = 0
    created: bool = False  # the carrier answered now (an earlier request is only repeated)


def refundable(order: Order) -> bool:
    """Bought and still within the carrier's void window, as it was when bought."""
    if not can_move(order.status, OrderStatus.REFUNDED) or order.refund_deadline is None:
        return False
    return utcnow() <= order.refund_deadline


async def request_refund(
    database: Database,
    carrier: CarrierProvider,
    user_id: int,
    order_id: str,
    *,
    actor: Actor | None = None,
    reason: str | None = None,
) -> RefundOutcome:
    """The user's request, or an operator's on their behalf (`actor`: audited with the refund
    it creates, in its transaction)."""
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
        concurrent = await session.scalar(select(Refund).where(Refund.order_id == order_id))
        if concurrent is not None:
            # Asked twice at once (a double-submitted panel form): the first answer stands.
            return RefundOutcome(
                concurrent.status, concurrent.carrier_message, concurrent.amount_cents
            )
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
        if actor is not None:
            audit.record(
                session,
                actor,
                "void",
                target_type="order",
                target_id=order.id,
                before={"status": OrderStatus.PURCHASED.value},
                after={
                    "status": order.status,
                    "refund_id": refund.id,
                    "refund_status": refund.status,
                    "credited_cents": refund.amount_cents,
                },
                reason=reason,
            )
        return RefundOutcome(refund.status, void.message, refund.amount_cents, created=True)


class RefundDecisionError(ValueError):
    """Not possible as asked; the message says why, for the operator. Nothing was changed."""


class NotFound(RefundDecisionError):
    """The order or the refund request named does not exist."""


class BadNote(RefundDecisionError):
    """The reason or note is missing or too long."""


def _note(text: str) -> str:
    note = " ".join(text.split())
    if not note:
        raise BadNote("a note is required: it says why, in the audit log")
    if len(note) > MAX_NOTE:
        raise BadNote(f"the note must be at most {MAX_NOTE} characters")
    return note


async def void_for_operator(
    database: Database, carrier: CarrierProvider, actor: Actor, order_id: str, reason: str
) -> tuple[Order, RefundOutcome]:
    """Void an order's label and refund it as if its user asked, with the operator's reason."""
    reason = _note(reason)
    async with database.transaction() as session:
        order = await session.get(Order, order_id)
    if order is None:
        raise NotFound("there is no such order")
    outcome = await request_refund(
        database, carrier, order.user_id, order.id, actor=actor, reason=reason
    )
    return order, outcome


class Decision(StrEnum):
    GOODWILL = "goodwill"  # credit the price anyway
    CLOSED = "closed"  # the refusal stands


@dataclass(frozen=True)
class RefundDecided:
    refund: Refund
    order: Order
    decided_now: bool  # False: this very decision was made before (a repeated submit)
    credited_cents: int = 0  # credited now


async def decide_refund(
    database: Database, actor: Actor, refund_id: str, decision: Decision, note: str
) -> RefundDecided:
    """Decide a refund the carrier refused, once: a second submit of the same decision changes
    nothing, another decision is refused."""
    note = _note(note)
    async with database.write_transaction() as session:
        refund = await session.scalar(
            select(Refund).where(Refund.id == refund_id).with_for_update()
        )
        if refund is None:
            raise NotFound("there is no such refund request")
        order = await session.get(Order, refund.order_id)
        if refund.decision == decision:
            return RefundDecided(refund, order, decided_now=False)
        if refund.decision is not None:
            raise RefundDecisionError(
                f"this refund request was already decided: {refund.decision} by "
                f"{refund.decided_by} on {refund.decided_at:%Y-%m-%d %H:%M} UTC"
            )
        if refund.status != "refused":
            raise RefundDecisionError(
                "only a refund the carrier refused can be decided; this one was approved"
            )
        credited = 0
        if decision is Decision.GOODWILL:
            credit = Movement(
                EntryKind.ADJUSTMENT, order.price_cents, refund.id, goodwill_key(refund.id)
            )
            if await ledger.apply(session, refund.user_id, credit):
                credited = order.price_cents
        refund.decision = decision.value
        refund.decided_at = utcnow()
        refund.decided_by = actor.username
        refund.note = note
        audit.record(
            session,
            actor,
            f"refund_{decision.value}",
            target_type="refund",
            target_id=refund.id,
            before={"status": refund.status, "decision": None},
            after={"decision": decision.value, "order_id": order.id, "credited_cents": credited},
            reason=note,
        )
        return RefundDecided(refund, order, decided_now=True, credited_cents=credited)


@dataclass(frozen=True)
class RefundFilter:
    state: RefundState | None = None
    user: str = ""
    days: Days = field(default_factory=Days)


def _refunds_matching(filters: RefundFilter) -> Select:
    query = (
        select(Refund, Order, User)
        .join(Order, Order.id == Refund.order_id)
        .join(User, User.id == Refund.user_id)
    )
    state = filters.state
    if state is RefundState.APPROVED:
        query = query.where(Refund.status == "approved")
    elif state is RefundState.REFUSED:
        query = query.where(Refund.status == "refused", Refund.decision.is_(None))
    elif state is not None:
        query = query.where(Refund.decision == state.value)
    who = user_clause(filters.user, Refund.user_id)
    if who is not None:
        query = query.where(who)
    return query.where(*filters.days.clauses(Refund.created_at))


async def find_refunds(
    session: AsyncSession,
    filters: RefundFilter = RefundFilter(),
    *,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page:
    """Rows of (Refund, Order, User), newest first."""
    return await keyset_page(
        session, _refunds_matching(filters), Refund.created_at, Refund.id, cursor, limit
    )


async def recent_refunds(
    session: AsyncSession, user_id: int, limit: int = 10
) -> list[RefundSummary]:
    rows = await session.execute(
        select(Refund, Order.price_cents)
        .join(Order, Order.id == Refund.order_id)
        .where(Refund.user_id == user_id)
        .order_by(Refund.created_at.desc(), Refund.id)
        .limit(limit)
    )
    return [_summary(refund, price_cents) for refund, price_cents in rows]


def _summary(refund: Refund, price_cents: int) -> RefundSummary:
    state = RefundState.of(refund.status, refund.decision)
    # A goodwill credit is the label's price (decide_refund), the carrier's void its amount.
    credited = {RefundState.APPROVED: refund.amount_cents, RefundState.GOODWILL: price_cents}
    return RefundSummary(
        order_id=refund.order_id,
        requested_at=refund.created_at,
        state=state,
        credited_cents=credited.get(state, 0),
        carrier_message=refund.carrier_message,
        note=refund.note or "",
    )
