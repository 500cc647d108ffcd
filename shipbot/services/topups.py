"""Top-ups (SPEC §3.4): an invoice at the payment provider, credited to the balance once per
track_id with what the provider reports as received.

A paid (or manually accepted) invoice credits what was received. An underpaid one credits what
did arrive and stays open: if the payer completes it later, only the difference is credited,
under a key of its own, so no callback, replay or poll ever credits the same money twice.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.database import Database
from shipbot.db.models import Invoice, User
from shipbot.db.ownership import find_owned
from shipbot.domain.ledger import EntryKind, top_up_key
from shipbot.providers.payments.base import (
    InvoiceRequest,
    InvoiceState,
    PaymentError,
    PaymentProvider,
    PaymentStatus,
)
from shipbot.services import ledger
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
    """What a callback or a poll changed: the invoice and the amount credited now."""

    invoice: Invoice
    credited_cents: int
    status_changed: bool


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


async def apply_invoice_state(database: Database, state: InvoiceState) -> Credit | None:
    """Record what the provider reports and credit what arrived, once. None for an invoice
    that is not ours (logged)."""
    async with database.write_transaction() as session:
        invoice = await session.scalar(
            select(Invoice).where(Invoice.track_id == state.track_id).with_for_update()
        )
        if invoice is None:
            log.warning("payment report for an unknown track_id %s: ignored", state.track_id)
            return None
        previous_status = invoice.status
        credited = 0
        received = max(state.received_cents, invoice.received_cents)
        if state.status in CREDITED_STATUSES and received > invoice.credited_cents:
            credited = received - invoice.credited_cents
            # The first credit is keyed by the track_id; a later completion of an underpaid
            # invoice by the cumulative amount received, so each sum is credited once.
            key = top_up_key(state.track_id)
            if invoice.credited_cents:
                key = f"{key}:{received}"
            movement = Movement(EntryKind.TOP_UP, credited, invoice.id, key)
            if await ledger.apply(session, invoice.user_id, movement):
                invoice.credited_cents = received
            else:
                credited = 0
        invoice.received_cents = received
        if previous_status not in {status.value for status in FINAL_STATUSES}:
            invoice.status = state.status.value
        return Credit(invoice, credited, invoice.status != previous_status)


def news_owed(invoice: Invoice) -> bool:
    """A credit or a status the user has not been told about yet."""
    return (invoice.status, invoice.credited_cents) != (invoice.told_status, invoice.told_cents)


def mark_told(invoice: Invoice) -> None:
    invoice.told_status, invoice.told_cents = invoice.status, invoice.credited_cents


async def invoices_with_news(database: Database) -> list[Invoice]:
    """Invoices whose news a crash or a failed message kept from their user."""
    async with database.transaction() as session:
        rows = await session.scalars(
            select(Invoice).where(
                (Invoice.status != Invoice.told_status)
                | (Invoice.credited_cents != Invoice.told_cents)
            )
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
        if credit is not None and (credit.credited_cents or credit.status_changed):
            changes.append(credit)
    return changes
