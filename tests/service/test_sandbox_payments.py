"""The sandbox payment provider and its page on a real database: invoices kept there, so every
instance on the database (a restarted bot, a second replica) serves them, and callbacks signed and
shaped so that Oxapay's own parse_callback reads them (one callback contract for both providers).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from shipbot.db import migrate
from shipbot.db.database import Database
from shipbot.providers.payments import signing
from shipbot.providers.payments.base import (
    InvoiceRequest,
    InvoiceState,
    PaymentProvider,
    PaymentRejected,
    PaymentStatus,
)
from shipbot.providers.payments.oxapay import OxapayPayments
from shipbot.providers.payments.sandbox import NO_ANSWER, SandboxPayments
from shipbot.sandbox.payments_page import payment_page_router
from tests.support.postgres import PostgresCluster

T0 = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
SANDBOX_MERCHANT_KEY = "test-sandbox-merchant-key"
BASE = "http://127.0.0.1:8080"
CALLBACK = f"{BASE}/api/payments/oxapay/callback"
REQUEST = InvoiceRequest(
    order_id="inv-42",
    amount_cents=1235,
    callback_url=CALLBACK,
    return_url="https://t.me/shipbot",
    description="Balance top-up $12.35",
)


class Clock:
    def __init__(self) -> None:
        self.now = T0
        self.readings = 0  # reading an invoice reads the clock, to tell whether it expired

    def __call__(self) -> datetime:
        self.readings += 1
        return self.now


class Receiver:
    """The bot's callback endpoint: records each POST and gives the scripted answers in turn,
    then 200 "ok"."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if self.answers else httpx.Response(200, text="ok")
        if isinstance(answer, Exception):
            raise answer
        return answer

    @property
    def bodies(self) -> list[bytes]:
        return [request.content for request in self.requests]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture(scope="module")
def postgres():
    cluster = PostgresCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture
def database_url(request, tmp_path) -> str:
    """A SQLite file, or a fresh PostgreSQL database where a test is parametrized ON_BOTH."""
    if getattr(request, "param", "sqlite") == "postgres":
        cluster = request.getfixturevalue("postgres")
        cluster.reset_database()
        return cluster.url.replace("postgresql://", "postgresql+asyncpg://")
    return f"sqlite+aiosqlite:///{tmp_path / 'shipbot.db'}"


ON_BOTH = pytest.mark.parametrize(
    "database_url",
    ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
    indirect=True,
)


@pytest.fixture
async def open_database(database_url):
    """Opens the test's database, as each process of the bot does; disposed at the end."""
    opened: list[Database] = []

    def open_() -> Database:
        opened.append(Database(database_url))
        return opened[-1]

    yield open_
    for database in opened:
        await database.dispose()


@pytest.fixture
async def database(open_database) -> Database:
    database = open_database()
    await migrate.upgrade(database)
    return database


@pytest.fixture
async def make_sandbox(receiver, clock):
    """A SandboxPayments on the given database, all sending callbacks to the one receiver."""
    made: list[SandboxPayments] = []

    def make(database: Database) -> SandboxPayments:
        made.append(
            SandboxPayments(
                database,
                public_base_url=BASE + "/",
                merchant_key=SANDBOX_MERCHANT_KEY,
                transport=httpx.MockTransport(receiver),
                clock=clock,
                retry_delays=(0, 0, 0),
            )
        )
        return made[-1]

    yield make
    for provider in made:
        await provider.close()


@pytest.fixture
def sandbox(make_sandbox, database) -> SandboxPayments:
    return make_sandbox(database)


@pytest.fixture
async def oxapay():
    provider = OxapayPayments(SANDBOX_MERCHANT_KEY)
    yield provider
    await provider.close()


# --- the provider --------------------------------------------------------------------------------


async def test_implements_the_provider_protocol(database) -> None:
    # For the type checker.
    provider: PaymentProvider = SandboxPayments(database, public_base_url=BASE, merchant_key="k")
    await provider.close()


async def test_create_invoice_gives_a_local_payment_page_and_the_expiry(sandbox) -> None:
    created = await sandbox.create_invoice(REQUEST)
    assert created.track_id.startswith("sbx-") and len(created.track_id) > 12
    assert created.payment_url == f"{BASE}/sandbox/pay/{created.track_id}"
    assert created.expires_at == T0 + timedelta(minutes=60)
    other = await sandbox.create_invoice(REQUEST)
    assert other.track_id != created.track_id


async def test_lifetime_is_clamped_like_oxapay_and_amount_must_be_positive(sandbox) -> None:
    short = InvoiceRequest("inv-1", 1000, CALLBACK, lifetime_minutes=1)
    assert (await sandbox.create_invoice(short)).expires_at == T0 + timedelta(minutes=15)
    with pytest.raises(ValueError):
        await sandbox.create_invoice(InvoiceRequest("inv-2", 0, CALLBACK))


async def test_a_new_invoice_is_waiting(sandbox) -> None:
    created = await sandbox.create_invoice(REQUEST)
    assert await sandbox.invoice_state(created.track_id) == InvoiceState(
        track_id=created.track_id,
        order_id="inv-42",
        status=PaymentStatus.WAITING,
        amount_cents=1235,
        received_cents=0,
    )


async def test_pay_posts_a_signed_oxapay_callback(sandbox, receiver, oxapay, clock) -> None:
    created = await sandbox.create_invoice(REQUEST)
    clock.now = T0 + timedelta(minutes=5)
    assert await sandbox.settle(created.track_id, "pay") == 200
    [request] = receiver.requests
    assert (request.method, str(request.url)) == ("POST", CALLBACK)
    assert request.headers["content-type"] == "application/json"
    assert signing.verify(request.content, SANDBOX_MERCHANT_KEY, request.headers["HMAC"])
    assert sandbox.verify_callback(request.content, request.headers["HMAC"])
    assert not sandbox.verify_callback(request.content, signing.sign(request.content, "other"))
    date = int(clock.now.timestamp())
    assert json.loads(request.content) == {
        "track_id": created.track_id,
        "status": "Paid",
        "type": "invoice",
        "amount": 12.35,
        "value": 12.35,
        "currency": "USD",
        "order_id": "inv-42",
        "fee_paid_by_payer": 0,
        "date": date,
        "txs": [
            {
                "status": "confirmed",
                "tx_hash": f"sandbox-{created.track_id}",
                "value": 12.35,
                "date": date,
            }
        ],
    }
    expected = InvoiceState(created.track_id, "inv-42", PaymentStatus.PAID, 1235, 1235)
    assert oxapay.parse_callback(request.content) == expected
    assert sandbox.parse_callback(request.content) == expected
    assert await sandbox.invoice_state(created.track_id) == expected


@pytest.mark.parametrize(
    ("outcome", "status", "amount", "received"),
    [
        ("pay_less", PaymentStatus.UNDERPAID, 1235, 617),  # half, rounded down to the cent
        ("pay_less", PaymentStatus.UNDERPAID, 1, 1),  # at least a cent
        ("pay_less", PaymentStatus.UNDERPAID, 5000, 2500),
        ("expire", PaymentStatus.EXPIRED, 1235, 0),
        ("pay", PaymentStatus.PAID, 2500, 2500),
    ],
)
async def test_each_outcome_reads_back_through_oxapays_parser(
    sandbox, receiver, oxapay, outcome, status, amount, received
) -> None:
    created = await sandbox.create_invoice(InvoiceRequest("inv-7", amount, CALLBACK))
    await sandbox.settle(created.track_id, outcome)
    [body] = receiver.bodies
    state = oxapay.parse_callback(body)
    assert (state.status, state.amount_cents, state.received_cents) == (status, amount, received)
    assert json.loads(body)["status"] == status.value.capitalize()  # as Oxapay writes it
    assert await sandbox.invoice_state(created.track_id) == state


async def test_an_expired_callback_carries_no_transaction(sandbox, receiver) -> None:
    created = await sandbox.create_invoice(REQUEST)
    await sandbox.settle(created.track_id, "expire")
    data = json.loads(receiver.bodies[0])
    assert (data["status"], data["value"], data["txs"]) == ("Expired", 0, [])


async def test_retries_until_the_answer_is_200_ok(sandbox, receiver) -> None:
    receiver.answers = [httpx.Response(500, text="boom")]
    created = await sandbox.create_invoice(REQUEST)
    assert await sandbox.settle(created.track_id, "pay") == 200
    assert len(receiver.requests) == 2
    assert receiver.bodies[0] == receiver.bodies[1]  # the same signed body, resent
    assert (await sandbox.invoice(created.track_id)).callback_status == 200


async def test_a_200_without_ok_and_a_connection_failure_are_retried_too(sandbox, receiver) -> None:
    receiver.answers = [httpx.Response(200, text="fine"), httpx.ConnectError("refused")]
    created = await sandbox.create_invoice(REQUEST)
    assert await sandbox.settle(created.track_id, "pay") == 200
    assert len(receiver.requests) == 3


async def test_gives_up_after_a_few_attempts_with_the_last_status(sandbox, receiver) -> None:
    receiver.answers = [httpx.Response(401)] * 10
    created = await sandbox.create_invoice(REQUEST)
    assert await sandbox.settle(created.track_id, "pay") == 401
    assert len(receiver.requests) == 4
    # The payment happened all the same: a status poll sees it.
    state = await sandbox.invoice_state(created.track_id)
    assert (state.status, state.received_cents) == (PaymentStatus.PAID, 1235)


async def test_no_answer_at_all_reports_no_answer(sandbox, receiver) -> None:
    receiver.answers = [httpx.ConnectError("refused")] * 4
    created = await sandbox.create_invoice(REQUEST)
    assert await sandbox.settle(created.track_id, "pay") == NO_ANSWER
    assert (await sandbox.invoice(created.track_id)).callback_status == NO_ANSWER


async def test_only_the_first_settle_counts(sandbox, receiver) -> None:
    created = await sandbox.create_invoice(REQUEST)
    await sandbox.settle(created.track_id, "pay_less")
    for outcome in ("pay", "pay_less", "expire"):
        with pytest.raises(ValueError, match="already settled"):
            await sandbox.settle(created.track_id, outcome)
    assert len(receiver.requests) == 1
    assert (await sandbox.invoice_state(created.track_id)).status is PaymentStatus.UNDERPAID


async def test_concurrent_settles_send_one_callback(sandbox, receiver) -> None:
    created = await sandbox.create_invoice(REQUEST)
    results = await asyncio.gather(
        *(sandbox.settle(created.track_id, "pay") for _ in range(5)), return_exceptions=True
    )
    assert results.count(200) == 1 and sum(isinstance(r, ValueError) for r in results) == 4
    assert len(receiver.requests) == 1


async def test_an_unpaid_invoice_past_its_expiry_reads_expired(sandbox, receiver, clock) -> None:
    created = await sandbox.create_invoice(REQUEST)
    clock.now = created.expires_at - timedelta(seconds=1)
    assert (await sandbox.invoice_state(created.track_id)).status is PaymentStatus.WAITING
    clock.now = created.expires_at
    state = await sandbox.invoice_state(created.track_id)
    assert (state.status, state.received_cents) == (PaymentStatus.EXPIRED, 0)
    # Oxapay takes no payment after the expiry; the Expired callback can still be sent.
    for outcome in ("pay", "pay_less"):
        with pytest.raises(ValueError, match="expired"):
            await sandbox.settle(created.track_id, outcome)
    assert await sandbox.settle(created.track_id, "expire") == 200
    assert json.loads(receiver.bodies[0])["status"] == "Expired"


async def test_a_paid_invoice_stays_paid_past_its_expiry(sandbox, clock) -> None:
    created = await sandbox.create_invoice(REQUEST)
    await sandbox.settle(created.track_id, "pay")
    clock.now = created.expires_at + timedelta(days=1)
    assert (await sandbox.invoice_state(created.track_id)).status is PaymentStatus.PAID


async def test_unknown_track_id_and_outcome_are_refused(sandbox, receiver) -> None:
    with pytest.raises(PaymentRejected, match="unknown invoice") as caught:
        await sandbox.invoice_state("sbx-nope")
    assert caught.value.message == "unknown invoice"
    with pytest.raises(PaymentRejected):
        await sandbox.settle("sbx-nope", "pay")
    created = await sandbox.create_invoice(REQUEST)
    with pytest.raises(ValueError, match="unknown outcome"):
        await sandbox.settle(created.track_id, "refund")
    assert receiver.requests == []


# --- the page ------------------------------------------------------------------------------------


@asynccontextmanager
async def page_browser(provider: SandboxPayments) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(payment_page_router(provider))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield client


@pytest.fixture
async def browser(sandbox):
    async with page_browser(sandbox) as client:
        yield client


def buttons(html: str) -> list[str]:
    return [b for b in ('id="pay"', 'id="pay-less"', 'id="expire"') if b in html]


async def test_the_page_shows_the_invoice_and_three_buttons(sandbox, browser) -> None:
    created = await sandbox.create_invoice(REQUEST)
    page = await browser.get(created.payment_url)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "SANDBOX — no real money" in page.text
    assert "$12.35" in page.text and "Balance top-up $12.35" in page.text
    assert "2025-03-03 16:00 UTC" in page.text
    assert '<strong id="status">Waiting for payment</strong>' in page.text
    assert buttons(page.text) == ['id="pay"', 'id="pay-less"', 'id="expire"']
    assert f'action="/sandbox/pay/{created.track_id}/pay_less"' in page.text
    assert ">Pay<" in page.text and ">Pay less<" in page.text and ">Let expire<" in page.text


async def test_pay_redirects_back_to_a_page_without_buttons(sandbox, browser, receiver) -> None:
    created = await sandbox.create_invoice(REQUEST)
    paid = await browser.post(f"{created.payment_url}/pay")
    assert paid.status_code == 303
    assert paid.headers["location"] == f"/sandbox/pay/{created.track_id}"
    assert len(receiver.requests) == 1
    page = await browser.get(paid.headers["location"])
    assert '<strong id="status">Paid</strong>' in page.text
    assert "$12.35 of $12.35 paid" in page.text and "accepted the callback" in page.text
    assert buttons(page.text) == [] and "<button" not in page.text
    assert 'href="https://t.me/shipbot"' in page.text


async def test_a_second_settle_shows_it_was_already_settled(sandbox, browser, receiver) -> None:
    created = await sandbox.create_invoice(REQUEST)
    await browser.post(f"{created.payment_url}/pay_less")
    again = await browser.post(f"{created.payment_url}/pay")
    assert again.status_code == 409
    assert (
        "already settled" in again.text and '<strong id="status">Underpaid</strong>' in again.text
    )
    assert "<button" not in again.text
    assert len(receiver.requests) == 1


async def test_the_page_says_when_the_bot_refused_the_callback(sandbox, browser, receiver) -> None:
    receiver.answers = [httpx.Response(401)] * 4
    created = await sandbox.create_invoice(REQUEST)
    await browser.post(f"{created.payment_url}/expire")
    page = await browser.get(created.payment_url)
    assert '<strong id="status">Expired</strong>' in page.text
    assert "refused the callback (HTTP 401)" in page.text


async def test_past_its_expiry_the_page_offers_only_the_expired_callback(
    sandbox, browser, clock
) -> None:
    created = await sandbox.create_invoice(REQUEST)
    clock.now = created.expires_at
    page = await browser.get(created.payment_url)
    assert '<strong id="status">Expired</strong>' in page.text
    assert buttons(page.text) == ['id="expire"']
    late = await browser.post(f"{created.payment_url}/pay")
    assert late.status_code == 409 and "has expired" in late.text


async def test_the_description_is_escaped(sandbox, browser) -> None:
    request = InvoiceRequest("inv-9", 1000, CALLBACK, description="<script>x()</script>")
    created = await sandbox.create_invoice(request)
    page = await browser.get(created.payment_url)
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/sandbox/pay/sbx-nope"),
        ("POST", "/sandbox/pay/sbx-nope/pay"),
        ("POST", "/sandbox/pay/{track_id}/refund"),
    ],
)
async def test_unknown_invoices_and_outcomes_are_404(
    sandbox, browser, receiver, method, path
) -> None:
    created = await sandbox.create_invoice(REQUEST)
    answer = await browser.request(method, path.format(track_id=created.track_id))
    assert answer.status_code == 404 and "Unknown invoice" in answer.text
    assert receiver.requests == []


# --- one database, several instances -------------------------------------------------------------


@ON_BOTH
async def test_another_instance_shows_pays_and_settles_an_invoice(
    database, open_database, make_sandbox, receiver, oxapay
) -> None:
    creator = make_sandbox(database)
    replica = make_sandbox(open_database())  # its own connections, as another process has
    created = await creator.create_invoice(REQUEST)
    async with page_browser(replica) as browser:
        page = await browser.get(created.payment_url)
        assert '<strong id="status">Waiting for payment</strong>' in page.text
        assert (await browser.post(f"{created.payment_url}/pay")).status_code == 303
    [body] = receiver.bodies
    assert oxapay.parse_callback(body).status is PaymentStatus.PAID
    invoice = await creator.invoice(created.track_id)
    assert (invoice.status, invoice.settled, invoice.callback_status) == (
        PaymentStatus.PAID,
        True,
        200,
    )
    with pytest.raises(ValueError, match="already settled"):
        await creator.settle(created.track_id, "pay")
    assert len(receiver.requests) == 1


async def both_read(clock: Clock, readings: int) -> None:
    while clock.readings < readings + 2:
        await asyncio.sleep(0.01)


@ON_BOTH
async def test_concurrent_settles_on_two_instances_send_one_callback(
    database, open_database, make_sandbox, receiver, oxapay, clock
) -> None:
    first, second = make_sandbox(database), make_sandbox(open_database())
    created = await first.create_invoice(REQUEST)
    # A third process writes the row and holds it until both settles have read the invoice
    # unsettled: only the claim itself can then refuse one of them.
    async with open_database().engine.connect() as other_process:
        await other_process.execute(
            text("UPDATE sandbox_invoices SET order_id = order_id WHERE track_id = :track_id"),
            {"track_id": created.track_id},
        )
        readings = clock.readings
        settles = [
            asyncio.create_task(first.settle(created.track_id, "pay")),
            asyncio.create_task(second.settle(created.track_id, "pay_less")),
        ]
        await asyncio.wait_for(both_read(clock, readings), 10)
        await other_process.commit()
    results = await asyncio.gather(*settles, return_exceptions=True)
    [refused] = [result for result in results if isinstance(result, Exception)]
    assert isinstance(refused, ValueError) and "already settled" in str(refused)
    assert 200 in results
    [body] = receiver.bodies
    # What the one callback said is what the invoice holds: the loser wrote nothing.
    assert await first.invoice_state(created.track_id) == oxapay.parse_callback(body)


@ON_BOTH
async def test_invoices_survive_a_restart(database, open_database, make_sandbox, receiver) -> None:
    before = make_sandbox(database)
    settled = await before.create_invoice(REQUEST)
    waiting = await before.create_invoice(InvoiceRequest("inv-43", 500, CALLBACK))
    receiver.answers = [httpx.Response(500)] * 4
    assert await before.settle(settled.track_id, "pay") == 500
    settled_before = await before.invoice(settled.track_id)
    await database.dispose()

    after = make_sandbox(open_database())
    assert await after.invoice(settled.track_id) == settled_before
    assert settled_before.callback_status == 500 and settled_before.settled
    with pytest.raises(ValueError, match="already settled"):
        await after.settle(settled.track_id, "pay")
    assert await after.settle(waiting.track_id, "pay_less") == 200
    assert (await after.invoice_state(waiting.track_id)).received_cents == 250


async def test_the_callback_is_sent_after_the_claim_commits_and_outside_any_transaction(
    database, clock
) -> None:
    seen = []

    async def bot_endpoint(request: httpx.Request) -> httpx.Response:
        # The bot's endpoint, here in the same process, reads the invoice and writes to the
        # database before it answers: a settle holding SQLite's write gate would deadlock here.
        seen.append(await sandbox.invoice(json.loads(request.content)["track_id"]))
        await sandbox.create_invoice(InvoiceRequest("inv-44", 100, CALLBACK))
        return httpx.Response(200, text="ok")

    sandbox = SandboxPayments(
        database,
        public_base_url=BASE,
        merchant_key=SANDBOX_MERCHANT_KEY,
        transport=httpx.MockTransport(bot_endpoint),
        clock=clock,
    )
    try:
        created = await sandbox.create_invoice(REQUEST)
        assert await asyncio.wait_for(sandbox.settle(created.track_id, "pay"), 10) == 200
    finally:
        await sandbox.close()
    [during] = seen
    assert (during.status, during.settled, during.callback_status) == (
        PaymentStatus.PAID,
        True,
        None,
    )
