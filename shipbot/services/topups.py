"""Top-ups (SPEC §3.4): an invoice at the payment provider, credited to the balance once per
track_id with what the provider reports as received.

A paid (or manually accepted) invoice credits what was received. An underpaid one credits what
did arrive and stays open: if the payer completes it later, only the difference is credited,
under a key of its own, so no callback, replay or poll ever credits the same money twice.

A signed report is checked before it moves money (domain/payments.py), and what fails is held
for the operator's review: recorded on the invoice (`held_cents`, `review_reason`, listed by
`invoices_held_for_review`), logged at ERROR and told to the admin chat (bot/notifications.py).
- A report in another currency than the invoice's credits nothing and changes nothing else
  (neither its status nor what it says arrived is ours to trust).
- Whatever arrives above the invoice's amount plus the tolerance is held, not credited.
The hold is a state of the invoice, not a ledger entry: a report repeating the same numbers
changes nothing, and the operator is told once per new reason. Such a report is readable, so
the callback route answers it `ok`: Oxapay's retries would only repeat it.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.database import Database
from shipbot.db.models import Invoice, User
from shipbot.db.ownership import find_owned
from shipbot.domain.ledger import EntryKind, top_up_key
from shipbot.domain.money import format_usd
from shipbot.domain.payments import INVOICE_CURRENCY, credit_limit, split_received
from shipbot.providers.payments.base import (
    InvoiceRequest,
    InvoiceState,
    PaymentError,
    PaymentProvider,
    PaymentStatus,
)
from shipbot.services import audit, ledger
from shipbot.services.admin_lists import Days, Page, keyset_page, user_clause
from shipbot.services.audit import Actor
from shipbot.services.ledger import Movement

log = logging.getLogger(__name__)

CREDITED_STATUSES = {PaymentStatus.PAID, PaymentStatus.MANUAL_ACCEPT, PaymentStatus.UNDERPAID}
FINAL_STATUSES = {PaymentStatus.PAID, PaymentStatus.MANUAL_ACCEPT, PaymentStatus.EXPIRED}
INVOICE_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Payments:
    """The payment provider and what invoices are created with (from the settings)."""

    provider: PaymentProvider
    callback_url: str
    lifetime_minutes: int


@dataclass(frozen=True)
class Credit:
    """What a callback or a poll changed: the invoice, the amount credited now, and why the
    report was held for review if it was held now."""

    invoice: Invoice
    credited_cents: int
    status_changed: bool
    review_reason: str | None = None


def new_invoice_id() -> str:
    return "T" + "".join(secrets.choice(INVOICE_ID_ALPHABET) for _ in range(9))


async def open_invoice(
    session: AsyncSession,
    payments: Payments,
    user: User,
    chat_id: int,
    amount_cents: int,
    order_id: str | None = None,
) -> Invoice:
    """Create the invoice at the provider, then stage our record of it."""
    invoice_id = new_invoice_id()
    created = await payments.provider.create_invoice(
        InvoiceRequest(
            order_id=invoice_id,
            amount_cents=amount_cents,
            callback_url=payments.callback_url,
            description=f"Balance top-up {invoice_id}",
            currency=INVOICE_CURRENCY,
            lifetime_minutes=payments.lifetime_minutes,
        )
    )
    invoice = Invoice(
        id=invoice_id,
        user_id=user.id,
        chat_id=chat_id,
        track_id=created.track_id,
        amount_cents=amount_cents,
        received_cents=0,
        credited_cents=0,
        status=PaymentStatus.WAITING.value,
        told_status=PaymentStatus.WAITING.value,
        told_cents=0,
        payment_url=created.payment_url,
        expires_at=created.expires_at,
        order_id=order_id,
    )
    session.add(invoice)
    return invoice


async def find_invoice(session: AsyncSession, user_id: int, invoice_id: str) -> Invoice | None:
    return await find_owned(session, Invoice, invoice_id, user_id)


async def apply_invoice_state(
    database: Database, state: InvoiceState, *, actor: Actor | None = None
) -> Credit | None:
    """Record what the provider reports and credit what arrived, once, up to the invoice's
    limit; hold what cannot be credited for review. None for an invoice that is not ours
    (logged). An operator's check (`actor`) is audited in the same transaction."""
    async with database.write_transaction() as session:
        invoice = await session.scalar(
            select(Invoice).where(Invoice.track_id == state.track_id).with_for_update()
        )
        if invoice is None:
            log.warning("payment report for an unknown track_id %s: ignored", state.track_id)
            return None
        before = _figures(invoice)
        credit = await _apply(session, invoice, state)
        if actor is not None:
            audit.record(
                session,
                actor,
                "topup_check",
                target_type="invoice",
                target_id=invoice.id,
                before=before,
                after={**_figures(invoice), "credited_now_cents": credit.credited_cents},
            )
        return credit


def _figures(invoice: Invoice) -> dict:
    return {
        "status": invoice.status,
        "received_cents": invoice.received_cents,
        "credited_cents": invoice.credited_cents,
        "held_cents": invoice.held_cents,
    }


async def _apply(session: AsyncSession, invoice: Invoice, state: InvoiceState) -> Credit:
    if state.currency != INVOICE_CURRENCY:
        reason = (
            f"reported in {state.currency}, not {INVOICE_CURRENCY}: {state.status.value}, "
            f"{Decimal(state.received_cents).scaleb(-2)} {state.currency} received"
        )
        return Credit(invoice, 0, False, _hold(invoice, reason))
    previous_status = invoice.status
    credited = 0
    held_now = None
    received = max(state.received_cents, invoice.received_cents)
    if state.status in CREDITED_STATUSES:
        allowed, held = split_received(invoice.amount_cents, received)
        if allowed > invoice.credited_cents:
            credited = allowed - invoice.credited_cents
            # The first credit is keyed by the track_id; a later completion of an underpaid
            # invoice by the cumulative amount credited, so each sum is credited once.
            key = top_up_key(state.track_id)
            if invoice.credited_cents:
                key = f"{key}:{allowed}"
            movement = Movement(EntryKind.TOP_UP, credited, invoice.id, key)
            if await ledger.apply(session, invoice.user_id, movement):
                invoice.credited_cents = allowed
            else:
                credited = 0
        if held > invoice.held_cents:
            invoice.held_cents = held
            limit = format_usd(credit_limit(invoice.amount_cents))
            held_now = _hold(
                invoice,
                f"received {format_usd(received)} on an invoice of "
                f"{format_usd(invoice.amount_cents)}: {format_usd(held)} above the "
                f"{limit} it may credit",
            )
    invoice.received_cents = received
    if previous_status not in {status.value for status in FINAL_STATUSES}:
        invoice.status = state.status.value
    return Credit(invoice, credited, invoice.status != previous_status, held_now)


def _hold(invoice: Invoice, reason: str) -> str | None:
    """Put the invoice under review for `reason`; the reason if it is new, else None."""
    if invoice.review_reason == reason:
        return None
    invoice.review_reason = reason
    log.error(
        "payment report held for review: invoice %s, track_id %s, amount %s, credited %s, "
        "held %s: %s",
        invoice.id,
        invoice.track_id,
        format_usd(invoice.amount_cents),
        format_usd(invoice.credited_cents),
        format_usd(invoice.held_cents),
        reason,
    )
    return reason


def news_owed(invoice: Invoice) -> bool:
    """A credit or a status the user has not been told about yet."""
    return (invoice.status, invoice.credited_cents) != (invoice.told_status, invoice.told_cents)


def review_news_owed(invoice: Invoice) -> bool:
    """A reason for review the operator has not been told about yet."""
    return invoice.review_reason != invoice.told_review


def mark_told(invoice: Invoice) -> None:
    invoice.told_status, invoice.told_cents = invoice.status, invoice.credited_cents
    invoice.told_review = invoice.review_reason


async def invoices_with_news(database: Database) -> list[Invoice]:
    """Invoices whose news a crash or a failed message kept from their user or the operator."""
    async with database.transaction() as session:
        rows = await session.scalars(
            select(Invoice).where(
                (Invoice.status != Invoice.told_status)
                | (Invoice.credited_cents != Invoice.told_cents)
                | Invoice.review_reason.is_distinct_from(Invoice.told_review)
            )
        )
        return list(rows)


async def invoices_held_for_review(database: Database) -> list[Invoice]:
    """Invoices with a report held for the operator's review, most recently changed first."""
    async with database.transaction() as session:
        rows = await session.scalars(
            select(Invoice)
            .where(Invoice.review_reason.is_not(None))
            .order_by(Invoice.updated_at.desc(), Invoice.id)
        )
        return list(rows)


async def open_invoices(database: Database) -> list[Invoice]:
    """Invoices still waiting for money, for the poller."""
    async with database.transaction() as session:
        rows = await session.scalars(
            select(Invoice).where(
                Invoice.status.not_in([status.value for status in FINAL_STATUSES])
            )
        )
        return list(rows)


async def poll_open_invoices(database: Database, provider: PaymentProvider) -> list[Credit]:
    """Ask the provider about every open invoice, so a missed callback is still credited.

    A provider that cannot answer now is asked again next round; what it reports goes
    through the same exactly-once path as a callback.
    """
    changes = []
    for invoice in await open_invoices(database):
        try:
            state = await provider.invoice_state(invoice.track_id)
        except PaymentError as error:
            log.info("invoice %s not checked this round: %s", invoice.id, error.message)
            continue
        credit = await apply_invoice_state(database, state)
        if credit is not None and (
            credit.credited_cents or credit.status_changed or credit.review_reason
        ):
            changes.append(credit)
    return changes


class InvoiceCheckError(ValueError):
    """The invoice cannot be checked now; the message says why, for the operator."""


class InvoiceNotFound(InvoiceCheckError):
    pass


def is_open(invoice: Invoice) -> bool:
    """Still waiting for money: what the poller asks about, and the operator may check."""
    return invoice.status not in {status.value for status in FINAL_STATUSES}


async def check_invoice(
    database: Database, provider: PaymentProvider, actor: Actor, invoice_id: str
) -> Credit:
    """An operator's "check at the provider now" on an open invoice: what the provider reports
    goes through the same exactly-once path as a callback or a poll."""
    async with database.transaction() as session:
        invoice = await session.get(Invoice, invoice_id)
    if invoice is None:
        raise InvoiceNotFound("there is no such invoice")
    if not is_open(invoice):
        raise InvoiceCheckError(f"the invoice is {invoice.status}: there is nothing to check")
    try:
        state = await provider.invoice_state(invoice.track_id)
    except PaymentError as error:
        raise InvoiceCheckError(
            f"the payment provider did not answer: {error.message or 'no reason given'}"
        ) from None
    credit = await apply_invoice_state(database, state, actor=actor)
    if credit is None:  # the provider answered about another track_id
        raise InvoiceCheckError("the payment provider's answer was about another invoice")
    return credit


@dataclass(frozen=True)
class InvoiceFilter:
    status: str = ""
    user: str = ""
    days: Days = field(default_factory=Days)
    held_only: bool = False


@dataclass(frozen=True)
class InvoiceTotals:
    count: int = 0
    amount_cents: int = 0
    received_cents: int = 0
    credited_cents: int = 0
    held_cents: int = 0


def _invoices_matching(query: Select, filters: InvoiceFilter) -> Select:
    if filters.status:
        query = query.where(Invoice.status == filters.status)
    who = user_clause(filters.user, Invoice.user_id)
    if who is not None:
        query = query.where(who)
    if filters.held_only:
        query = query.where(Invoice.review_reason.is_not(None))
    return query.where(*filters.days.clauses(Invoice.created_at))


async def find_invoices(
    session: AsyncSession,
    filters: InvoiceFilter = InvoiceFilter(),
    *,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page:
    """Rows of (Invoice, User), newest first."""
    query = _invoices_matching(
        select(Invoice, User).join(User, User.id == Invoice.user_id), filters
    )
    return await keyset_page(session, query, Invoice.created_at, Invoice.id, cursor, limit)


async def invoice_totals(session: AsyncSession, filters: InvoiceFilter) -> InvoiceTotals:
    """Of the whole filtered set, not only the page shown."""
    sums = select(
        func.count(),
        func.coalesce(func.sum(Invoice.amount_cents), 0),
        func.coalesce(func.sum(Invoice.received_cents), 0),
        func.coalesce(func.sum(Invoice.credited_cents), 0),
        func.coalesce(func.sum(Invoice.held_cents), 0),
    )
    row = (await session.execute(_invoices_matching(sums, filters))).one()
    return InvoiceTotals(*(int(value) for value in row))


async def news_still_owed(database: Database, invoice_id: str) -> bool:
    """After telling: the user's news could not be told (the poller tells it later)."""
    async with database.sessions() as session:
        return news_owed(await session.get(Invoice, invoice_id))


def invoice_statuses() -> list[str]:
    return [status.value for status in PaymentStatus]
