"""Top-up crediting on a real database: what the provider reports is credited once per
track_id, an underpaid invoice completed later credits only the rest, the poller credits
an invoice whose callback never came, and a report in another currency or of more than the
invoice may credit is held for review, once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shipbot.db.database import Database
from shipbot.db.models import Invoice, User, utcnow
from shipbot.providers.payments.base import (
    InvoiceState,
    PaymentStatus,
    PaymentUnavailable,
)
from shipbot.services import ledger, topups


@pytest.fixture
async def database(migrated_url):
    database = Database(migrated_url)
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


# --- reports held for review -------------------------------------------------------------------


async def entries_of(database: Database) -> list[tuple[str, int]]:
    async with database.transaction() as session:
        entries = await ledger.recent_entries(session, 1)
    return sorted((entry.idempotency_key, entry.amount_cents) for entry in entries)


async def test_a_credit_far_above_the_invoice_is_held_not_credited(database, caplog):
    huge = report("track-1", PaymentStatus.PAID, 100_000_000_000)  # "value": 1e9
    first = await topups.apply_invoice_state(database, huge)
    # $25 plus the $1 of tolerance is credited; the rest waits for the operator.
    assert (first.credited_cents, first.invoice.held_cents) == (2600, 100_000_000_000 - 2600)
    assert first.review_reason == first.invoice.review_reason
    assert "received $1,000,000,000.00 on an invoice of $25.00" in first.review_reason
    (record,) = [r for r in caplog.records if r.levelname == "ERROR"]
    for shown in ("T1", "track-1", "$25.00", "$26.00", "$999,999,974.00"):
        assert shown in record.getMessage()
    for _ in range(3):  # the same numbers again: nothing credited, nothing held or logged again
        again = await topups.apply_invoice_state(database, huge)
        assert (again.credited_cents, again.review_reason) == (0, None)
    assert len([r for r in caplog.records if r.levelname == "ERROR"]) == 1
    assert await balance(database) == 2600
    assert await entries_of(database) == [("top_up:track-1", 2600)]
    assert [i.id for i in await topups.invoices_held_for_review(database)] == ["T1"]


async def test_an_overpayment_after_the_invoice_was_paid_credits_up_to_the_limit(database):
    await topups.apply_invoice_state(database, report("track-1", PaymentStatus.PAID, 2500))
    assert await topups.invoices_held_for_review(database) == []
    for _ in range(2):
        await topups.apply_invoice_state(database, report("track-1", PaymentStatus.PAID, 5000))
    assert await entries_of(database) == [("top_up:track-1", 2500), ("top_up:track-1:2600", 100)]
    (held,) = await topups.invoices_held_for_review(database)
    assert (held.id, held.credited_cents, held.held_cents) == ("T1", 2600, 2400)
    # More still arrives: only the new excess is held, under a new reason.
    more = await topups.apply_invoice_state(database, report("track-1", PaymentStatus.PAID, 6000))
    assert (more.credited_cents, more.invoice.held_cents) == (0, 3400)
    assert "$60.00" in more.review_reason
    assert await balance(database) == 2600


async def test_crypto_rounding_within_the_tolerance_is_credited_as_received(database):
    credit = await topups.apply_invoice_state(database, report("track-1", PaymentStatus.PAID, 2590))
    assert (credit.credited_cents, credit.invoice.held_cents, credit.review_reason) == (
        2590,
        0,
        None,
    )
    assert await topups.invoices_held_for_review(database) == []


async def test_a_report_in_another_currency_credits_nothing_and_is_held(database, caplog):
    euros = InvoiceState("track-1", None, PaymentStatus.PAID, 2500, 2500, "EUR")
    held = await topups.apply_invoice_state(database, euros)
    assert (held.credited_cents, held.status_changed) == (0, False)
    assert held.review_reason == "reported in EUR, not USD: paid, 25.00 EUR received"
    invoice = held.invoice
    assert (invoice.status, invoice.received_cents, invoice.held_cents) == ("waiting", 0, 0)
    (record,) = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "T1" in record.getMessage() and "track-1" in record.getMessage()
    again = await topups.apply_invoice_state(database, euros)
    assert again.review_reason is None
    assert await balance(database) == 0
    assert [i.review_reason for i in await topups.invoices_held_for_review(database)] == [
        held.review_reason
    ]
    # The invoice stays open: a report in its own currency is still credited.
    paid = await topups.apply_invoice_state(database, report("track-1", PaymentStatus.PAID, 2500))
    assert paid.credited_cents == 2500
    assert await entries_of(database) == [("top_up:track-1", 2500)]


async def test_a_hold_is_news_until_marked_told_once(database):
    await topups.apply_invoice_state(
        database, InvoiceState("track-2", None, PaymentStatus.PAID, 2500, 2500, "EUR")
    )
    (owed,) = await topups.invoices_with_news(database)
    assert owed.id == "T2"
    assert topups.review_news_owed(owed) and not topups.news_owed(owed)
    async with database.transaction() as session:
        topups.mark_told(await session.get(Invoice, "T2"))
    assert await topups.invoices_with_news(database) == []
    await topups.apply_invoice_state(
        database, InvoiceState("track-2", None, PaymentStatus.PAID, 2500, 2500, "EUR")
    )
    assert await topups.invoices_with_news(database) == []  # the same report: nothing new


async def test_the_poller_holds_an_absurd_report_once(database):
    provider = Provider(
        {
            "track-1": report("track-1", PaymentStatus.PAID, 10**17),
            "track-2": InvoiceState("track-2", None, PaymentStatus.PAID, 2500, 2500, "EUR"),
        }
    )
    changes = await topups.poll_open_invoices(database, provider)
    assert [(c.invoice.id, c.credited_cents, bool(c.review_reason)) for c in changes] == [
        ("T1", 2600, True),
        ("T2", 0, True),
    ]
    assert await topups.poll_open_invoices(database, provider) == []
    assert await balance(database) == 2600
