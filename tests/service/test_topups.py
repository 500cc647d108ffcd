"""Top-up crediting on a real database: what the provider reports is credited once per
track_id, an underpaid invoice completed later credits only the rest, and the poller credits
an invoice whose callback never came."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shipbot.db import migrate
from shipbot.db.database import Database
from shipbot.db.models import Invoice, User, utcnow
from shipbot.providers.payments.base import (
    InvoiceState,
    PaymentStatus,
    PaymentUnavailable,
)
from shipbot.services import ledger, topups


@pytest.fixture
async def database(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    await migrate.upgrade(database)
    async with database.transaction() as session:
        now = utcnow()
        session.add(User(id=1, first_name="A", is_blocked=False, created_at=now, last_seen_at=now))
    async with database.transaction() as session:
        for number in (1, 2):
            session.add(
                Invoice(
                    id=f"T{number}",
                    user_id=1,
                    chat_id=1,
                    track_id=f"track-{number}",
                    amount_cents=2500,
                    received_cents=0,
                    credited_cents=0,
                    status="waiting",
                    payment_url="http://pay",
                    expires_at=now + timedelta(hours=1),
                )
            )
    yield database
    await database.dispose()


def report(track: str, status: PaymentStatus, received: int) -> InvoiceState:
    return InvoiceState(track, None, status, 2500, received)


async def balance(database: Database) -> int:
    async with database.transaction() as session:
        return await ledger.balance_of(session, 1)


async def test_paid_is_credited_once_whatever_the_repeats(database):
    first = await topups.apply_invoice_state(database, report("track-1", PaymentStatus.PAID, 2500))
    assert (first.credited_cents, first.invoice.status) == (2500, "paid")
    assert await balance(database) == 2500
    for _ in range(3):
        again = await topups.apply_invoice_state(
            database, report("track-1", PaymentStatus.PAID, 2500)
        )
        assert again.credited_cents == 0 and not again.status_changed
    # A late, stale report cannot take a final invoice back to waiting.
    await topups.apply_invoice_state(database, report("track-1", PaymentStatus.WAITING, 0))
    assert await balance(database) == 2500
    assert (await topups.open_invoices(database))[0].id == "T2"


async def test_underpaid_then_completed_credits_the_rest_once(database):
    under = await topups.apply_invoice_state(
        database, report("track-1", PaymentStatus.UNDERPAID, 1000)
    )
    assert under.credited_cents == 1000
    for _ in range(2):
        await topups.apply_invoice_state(database, report("track-1", PaymentStatus.PAID, 2500))
    assert await balance(database) == 2500
    async with database.transaction() as session:
        entries = await ledger.recent_entries(session, 1)
    assert sorted(entry.amount_cents for entry in entries) == [1000, 1500]


async def test_unknown_and_expired_invoices_credit_nothing(database):
    assert (
        await topups.apply_invoice_state(database, report("nobody", PaymentStatus.PAID, 2500))
        is None
    )
    expired = await topups.apply_invoice_state(
        database, report("track-2", PaymentStatus.EXPIRED, 0)
    )
    assert (expired.credited_cents, expired.invoice.status) == (0, "expired")
    assert await balance(database) == 0


class Provider:
    def __init__(self, states: dict[str, InvoiceState | Exception]) -> None:
        self.states = states

    async def invoice_state(self, track_id: str) -> InvoiceState:
        answer = self.states[track_id]
        if isinstance(answer, Exception):
            raise answer
        return answer


async def test_the_poller_credits_a_missed_callback_once(database):
    provider = Provider(
        {
            "track-1": report("track-1", PaymentStatus.PAID, 2500),
            "track-2": PaymentUnavailable("timeout"),
        }
    )
    changes = await topups.poll_open_invoices(database, provider)
    assert [(c.invoice.id, c.credited_cents) for c in changes] == [("T1", 2500)]
    assert await topups.poll_open_invoices(database, provider) == []
    assert await balance(database) == 2500
    assert [invoice.id for invoice in await topups.open_invoices(database)] == ["T2"]
