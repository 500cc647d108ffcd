"""Maintenance mode in the bot (SPEC §3.7): a user is told once per period and nothing they
send is handled, while admins use the bot; payments are still credited and a purchase already
running is delivered; after it ends, those turned away may be told, and each goes on at the
step they were at."""

from __future__ import annotations

import asyncio
from typing import Any

from shipbot.bot.maintenance_news import tell_back
from shipbot.services import maintenance
from shipbot.services.admin_accounts import Role, create_account
from shipbot.services.audit import COMMAND_LINE
from tests.dialogue.steps import (
    SENDER,
    fsm,
    open_invoice,
    pay_button,
    rate_buttons,
    reach_review_by_pasting,
    top_up,
)
from tests.dialogue.test_top_ups import post_callback, track_id
from tests.support.inprocess import Dialogue
from tests.support.payments import callback_body, signature

DOWN = "down for maintenance"
BACK = "back from maintenance"


async def processed(db, chat_id: int) -> int:
    rows = await db.rows("SELECT COUNT(*) FROM processed_updates WHERE chat_id = ?", (chat_id,))
    return rows[0][0]


async def test_maintenance_turns_users_away_once_lets_admins_in_and_keeps_drafts(
    emulator, start_bot, db
):
    operator = emulator.create_user("Operator")
    owner = emulator.create_user("Olga")
    bot = await start_bot(ADMIN_CHAT_ID=str(operator.user_id))
    database = bot.runtime.database
    await create_account(
        database,
        "olga",
        "correct horse battery staple",
        Role.OWNER,
        COMMAND_LINE,
        telegram_id=owner.user_id,
    )
    ann = emulator.create_user("Ann")
    talk = Dialogue(emulator, ann)
    await open_invoice(talk, "$25.00")
    await talk.say("/new")
    confirm = await talk.say(SENDER)
    draft = await fsm(db, ann.user_id)
    await maintenance.switch(database, COMMAND_LINE, on=True, note="14:00 UTC")
    seen = await processed(db, ann.user_id)

    notice = await talk.say("2.5 lb")
    assert DOWN in notice["text"] and "14:00 UTC" in notice["text"]
    shown = len(ann.bot_messages())
    ann.send("/start")
    ann.press("✅ Correct", message=confirm)
    await emulator.wait_idle()
    assert len(ann.bot_messages()) == shown  # told once per period, not once per message
    assert ann.callback_answers()[-1].get("text") in (None, "")  # the spinner stopped
    assert await fsm(db, ann.user_id) == draft
    assert await processed(db, ann.user_id) == seen + 3

    for admin in (operator, owner):
        menu = await Dialogue(emulator, admin).say("/start")
        assert DOWN not in menu["text"] and menu.get("reply_markup")

    body = callback_body(await track_id(db), "Paid", 2500, 2500)
    assert (await post_callback(bot.url, body, signature(body))).status_code == 200
    await ann.wait_for_text("added to your balance")
    assert await db.rows("SELECT kind, amount_cents FROM ledger_entries") == [("top_up", 2500)]

    switched = await maintenance.switch(database, COMMAND_LINE, on=False)
    assert switched.turned_away == [ann.user_id]
    tell_back(bot.runtime, switched.turned_away)
    await ann.wait_for_text(BACK)
    assert not [m for m in operator.bot_messages() if BACK in m["text"]]

    ann.press("✅ Correct", message=confirm)  # the step they were at when it began
    await emulator.wait_idle()
    edited = next(m for m in ann.bot_messages() if m["message_id"] == confirm["message_id"])
    assert "Recipient" in edited["text"]

    await maintenance.switch(database, COMMAND_LINE, on=True)  # a new period: told again
    assert DOWN in (await talk.say("hello"))["text"]


class HeldCarrier:
    """The sandbox carrier, holding each label purchase until the test lets it go."""

    def __init__(self, carrier: Any) -> None:
        self._carrier = carrier
        self.buying = asyncio.Event()
        self.release = asyncio.Event()

    async def buy_label(self, *args: Any, **kwargs: Any) -> Any:
        self.buying.set()
        await self.release.wait()
        return await self._carrier.buy_label(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._carrier, name)


async def test_a_purchase_started_before_maintenance_is_delivered(emulator, bot, db):
    ann = emulator.create_user("Ann")
    talk = Dialogue(emulator, ann)
    await top_up(talk, "$100.00")
    await reach_review_by_pasting(talk)
    payment = await talk.press(rate_buttons(await talk.press("💲 Show rates"))[0])
    carrier = HeldCarrier(bot.runtime.purchases.carrier)
    bot.runtime.purchases.carrier = carrier
    ann.press(pay_button(payment), message=payment)
    await asyncio.wait_for(carrier.buying.wait(), 60)
    await maintenance.switch(bot.runtime.database, COMMAND_LINE, on=True)

    carrier.release.set()
    label = await ann.wait_for_document()
    await emulator.wait_idle()
    ((tracking, status),) = await db.rows("SELECT tracking_number, status FROM orders")
    assert status == "purchased" and label["document"]["file_name"] == f"{tracking}.pdf"
    assert not [m for m in ann.bot_messages() if DOWN in (m["text"] or "")]
