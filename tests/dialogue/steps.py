"""Steps the dialogue tests share: reaching the review, rates, top-ups, buying a label."""

from __future__ import annotations

import json

import httpx

from tests.support.dialogue import RECIPIENT, SENDER, pay_button, pay_url, rate_buttons
from tests.support.inprocess import Dialogue, SqliteFile

__all__ = [
    "RECIPIENT",
    "SENDER",
    "buy_a_label",
    "fsm",
    "open_invoice",
    "pay_button",
    "pay_the_invoice",
    "rate_buttons",
    "reach_review_by_pasting",
    "save_both",
    "top_up",
]


async def fsm(db: SqliteFile, chat_id: int) -> tuple[str | None, dict]:
    rows = await db.rows("SELECT state, data FROM fsm_states WHERE chat_id = ?", (chat_id,))
    state, data = rows[0]
    return state, json.loads(data)


async def reach_review_by_pasting(talk: Dialogue, recipient: str = RECIPIENT) -> dict:
    await talk.say("/new")
    return await paste_to_review(talk, recipient)


async def paste_to_review(talk: Dialogue, recipient: str = RECIPIENT) -> dict:
    """From the sender's address step to the review, both addresses pasted."""
    await talk.say(SENDER)
    await talk.press("✅ Correct")
    await talk.say(recipient)
    await talk.press("✅ Correct")
    await talk.say("2.5 lb")
    return await talk.press("Medium box 12 × 10 × 8 in")


async def save_both(talk: Dialogue) -> None:
    await reach_review_by_pasting(talk)
    await talk.press("💾 Save sender")
    saved = await talk.say("Home")
    assert "Saved to your address book as “Home”" in saved["text"] and "Review" in saved["text"]
    await talk.press("💾 Save recipient")
    taken = await talk.say("home")
    assert "already have an address called “home”" in taken["text"]
    await talk.say("Office")


async def open_invoice(talk: Dialogue, amount: str = "$25.00") -> dict:
    await talk.say("/balance")
    await talk.press("➕ Top up")
    invoice = await talk.press(amount)
    assert "Pay before" in invoice["text"]
    return invoice


async def pay_the_invoice(invoice: dict) -> None:
    """The payer presses Pay on the sandbox payment page the invoice links to."""
    async with httpx.AsyncClient(timeout=30, follow_redirects=True) as browser:
        assert (await browser.post(pay_url(invoice) + "/pay")).status_code == 200


async def top_up(talk: Dialogue, amount: str) -> None:
    await pay_the_invoice(await open_invoice(talk, amount))
    await talk.chat.wait_for_text("added to your balance")


async def buy_a_label(talk: Dialogue) -> None:
    await top_up(talk, "$100.00")
    await reach_review_by_pasting(talk)
    payment = await talk.press(rate_buttons(await talk.press("💲 Show rates"))[0])
    keyboard = payment["reply_markup"]["inline_keyboard"]
    await talk.press(next(b["text"] for row in keyboard for b in row if "Pay" in b["text"]))
    await talk.chat.wait_for_document()
    await talk.emulator.wait_idle()
