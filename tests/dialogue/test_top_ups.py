"""Top-ups (SPEC §3.4, §6.2, G5, G6): the sandbox payment page, signed callbacks credited once
per track_id however often and concurrently they arrive, signed reports that cannot be
credited held for review, and everything else refused or ignored. (The news a crash kept from
the user, told after a restart: tests/integration/.)"""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from tests.dialogue.steps import open_invoice, pay_url
from tests.support.inprocess import Dialogue
from tests.support.payments import callback_body, signature

CALLBACK = "/api/payments/oxapay/callback"
LEDGER = "SELECT kind, amount_cents, idempotency_key FROM ledger_entries ORDER BY id"


async def track_id(db) -> str:
    return (await db.rows("SELECT track_id FROM invoices"))[0][0]


async def track_id_of(db, invoice: dict) -> str:
    invoice_id = re.search(r"Invoice (T\w+)", invoice["text"]).group(1)
    return (await db.rows("SELECT track_id FROM invoices WHERE id = ?", (invoice_id,)))[0][0]


async def post_callback(server_url: str, body: bytes, hmac_header: str | None) -> httpx.Response:
    """Each on a connection of its own, as Oxapay's retries come."""
    headers = {"Content-Type": "application/json"}
    if hmac_header is not None:
        headers["HMAC"] = hmac_header
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.post(server_url + CALLBACK, content=body, headers=headers)


async def test_a_top_up_through_the_sandbox_payment_page(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    invoice = await open_invoice(talk)
    url = pay_url(invoice)
    async with httpx.AsyncClient(timeout=30, follow_redirects=True) as browser:
        page = await browser.get(url)
        assert page.status_code == 200 and "$25.00" in page.text
        paid = await browser.post(url + "/pay")
        assert paid.status_code == 200
    # The invoice, still the live prompt, shows the news and its new status, with its buttons.
    news = await talk.chat.wait_for_text("added to your balance")
    await emulator.wait_idle()
    assert news["message_id"] == invoice["message_id"]
    assert "$25.00 added to your balance. Balance: $25.00." in news["text"]
    assert "paid" in news["text"]
    assert [m["message_id"] for m in talk.chat.live_keyboards()] == [invoice["message_id"]]
    assert talk.buttons() == ["⬅️ Back", "🏠 Main menu"]
    assert await db.rows(LEDGER) == [("top_up", 2500, f"top_up:{await track_id(db)}")]
    balance = await talk.say("/balance")
    assert "Balance: $25.00" in balance["text"] and "Top-up · +$25.00" in balance["text"]
    assert "💰 Balance ($25.00)" in str((await talk.say("/start"))["reply_markup"])


async def test_one_callback_delivered_five_times_concurrently_credits_once(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await open_invoice(talk, "$50.00")
    body = callback_body(await track_id(db), "Paid", 5000, 5000)
    answers = await asyncio.gather(
        *(post_callback(bot.url, body, signature(body)) for _ in range(5))
    )
    assert [(a.status_code, a.text) for a in answers] == [(200, "ok")] * 5
    await emulator.wait_idle()
    assert await db.rows(LEDGER) == [("top_up", 5000, f"top_up:{await track_id(db)}")]
    news = [m for m in talk.chat.bot_messages() if "added to your balance" in (m["text"] or "")]
    assert len(news) == 1


@pytest.mark.parametrize("header", [None, "", "00" * 64, "not hex", "signed-with-another-key"])
async def test_a_callback_without_a_valid_hmac_is_refused_and_changes_nothing(
    emulator, bot, db, header
):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await open_invoice(talk)
    body = callback_body(await track_id(db), "Paid", 2500, 2500)
    if header == "signed-with-another-key":
        header = signature(body, key="another-merchant-key")
    answer = await post_callback(bot.url, body, header)
    assert answer.status_code == 401
    tampered = body.replace(b'"amount": 25.0', b'"amount": 2500.0')
    assert (await post_callback(bot.url, tampered, signature(body))).status_code == 401
    assert await db.rows(LEDGER) == []
    assert await db.rows("SELECT status FROM invoices") == [("waiting",)]


async def test_a_callback_for_an_unknown_track_id_credits_nothing(emulator, bot, db):
    body = callback_body("unknown-track-0001", "Paid", 2500, 2500)
    answer = await post_callback(bot.url, body, signature(body))
    assert (answer.status_code, answer.text) == (200, "ok")
    assert await db.rows(LEDGER) == []
    assert "unknown track_id unknown-track-0001" in bot.log()


async def test_underpaid_then_completed_and_expired_invoices(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    invoice = await open_invoice(talk)
    track = await track_id(db)
    under = callback_body(track, "Underpaid", 2500, 1250)
    assert (await post_callback(bot.url, under, signature(under))).status_code == 200
    await talk.chat.wait_for_text("$12.50 added to your balance")
    await emulator.wait_idle()
    edited = next(m for m in talk.chat.bot_messages() if m["message_id"] == invoice["message_id"])
    assert "Underpaid by $12.50: received $12.50 of $25.00" in edited["text"]
    assert "Pay the remaining $12.50 before" in edited["text"]
    assert "💳 Pay the remaining $12.50" in talk.buttons()
    assert pay_url(edited) == pay_url(invoice)  # the rest can still be paid
    # The payer completes the invoice: only the rest is credited, once.
    paid = callback_body(track, "Paid", 2500, 2500)
    for _ in range(2):
        assert (await post_callback(bot.url, paid, signature(paid))).status_code == 200
    await talk.chat.wait_for_text("$12.50 added to your balance. Balance: $25.00.")
    assert [row[1] for row in await db.rows(LEDGER)] == [1250, 1250]

    second = await open_invoice(talk, "$10.00")
    expired = callback_body(await track_id_of(db, second), "Expired", 1000, 0)
    assert (await post_callback(bot.url, expired, signature(expired))).status_code == 200
    await emulator.wait_idle()
    edited = next(m for m in talk.chat.bot_messages() if m["message_id"] == second["message_id"])
    assert "expired" in edited["text"] and talk.buttons() == ["⬅️ Back", "🏠 Main menu"]
    assert len(await db.rows(LEDGER)) == 2


async def test_signed_reports_of_too_much_or_another_currency_are_held_for_review(
    emulator, start_bot, db
):
    operator = emulator.create_user("Operator")
    bot = await start_bot(ADMIN_CHAT_ID=str(operator.user_id))
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await open_invoice(talk)
    track = await track_id(db)
    huge = callback_body(track, "Paid", 2500, 100_000_000_000).replace(b"1000000000.0", b"1e9")
    assert b'"value": 1e9' in huge
    for _ in range(2):  # readable, so answered ok: Oxapay's retries would say the same
        answer = await post_callback(bot.url, huge, signature(huge))
        assert (answer.status_code, answer.text) == (200, "ok")
    # The invoice's $25 and its $1 of tolerance are credited, once; the rest is held.
    await talk.chat.wait_for_text("$26.00 added to your balance. Balance: $26.00.")
    assert await db.rows(LEDGER) == [("top_up", 2600, f"top_up:{track}")]
    ((held, reason),) = await db.rows("SELECT held_cents, review_reason FROM invoices")
    assert held == 100_000_000_000 - 2600
    assert reason.startswith("received $1,000,000,000.00 on an invoice of $25.00")

    second = await open_invoice(talk, "$10.00")
    second_track = await track_id_of(db, second)
    euros = callback_body(second_track, "Paid", 1000, 1000).replace(
        b'"currency": "USD"', b'"currency": "EUR"'
    )
    answer = await post_callback(bot.url, euros, signature(euros))
    assert (answer.status_code, answer.text) == (200, "ok")
    # Not a number any payment can be: unreadable, refused.
    beyond = callback_body(second_track, "Paid", 1000, 1000).replace(
        b'"amount": 10.0', b'"amount": 1e400'
    )
    assert b"1e400" in beyond
    assert (await post_callback(bot.url, beyond, signature(beyond))).status_code == 400
    await emulator.wait_idle()
    assert await db.rows(LEDGER) == [("top_up", 2600, f"top_up:{track}")]
    query = "SELECT status, held_cents, review_reason FROM invoices WHERE track_id = ?"
    assert await db.rows(query, (second_track,)) == [
        ("waiting", 0, "reported in EUR, not USD: paid, 10.00 EUR received")
    ]
    # The operator is told each reason once; the user only of what was credited.
    told = [m["text"] for m in operator.bot_messages()]
    assert len(told) == 2 and all("Top-up held for review" in text for text in told)
    assert track in told[0] and "held $999,999,974.00" in told[0]
    assert second_track in told[1] and "reported in EUR" in told[1]
    news = [m for m in talk.chat.bot_messages() if "added to your balance" in (m["text"] or "")]
    assert len(news) == 1
    assert "Balance: $26.00" in (await talk.say("/balance"))["text"]


async def test_typed_amounts_are_checked(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await talk.say("/balance")
    await talk.press("➕ Top up")
    assert "smallest top-up is $10.00" in (await talk.say("5"))["text"]
    assert "largest top-up is $10,000.00" in (await talk.say("20000"))["text"]
    assert "digits only" in (await talk.say("twenty"))["text"]
    assert await db.rows("SELECT COUNT(*) FROM invoices") == [(0,)]
    invoice = await talk.say("12.50")
    assert "Top-up $12.50" in invoice["text"]
