"""The address book (SPEC §3.6): save from the review, use, edit, rename, default sender,
delete with confirmation, and nobody reaches another user's addresses."""

from __future__ import annotations

from tests.dialogue.steps import paste_to_review, reach_review_by_pasting, save_both
from tests.support.inprocess import Dialogue

BOOK = "SELECT user_id, label, name, street1, is_default_sender FROM saved_addresses ORDER BY id"


async def test_saved_addresses_are_listed_used_and_mixed_into_a_new_label(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await save_both(talk)
    assert [row[1] for row in await db.rows(BOOK)] == ["Home", "Office"]

    book = await talk.say("/addresses")
    assert "2 of 20" in book["text"]
    await talk.press("Home")
    view = await talk.press("⭐ Make default sender")
    assert "default sender" in view["text"]
    assert (await db.rows(BOOK))[0][4] == 1

    offer = await talk.say("/new")
    assert "unfinished label" in offer["text"]
    await talk.press("⭐ Send from “Home”")
    recipient_step = talk.prompt()
    assert "Recipient" in recipient_step["text"]
    await talk.press("📒 From the address book")
    await talk.press("Office")
    await talk.say("3 lb")
    review = await talk.press("Large box 18 × 14 × 12 in")
    assert "John Smith" in review["text"] and "Jane Doe" in review["text"]
    assert "3 lb" in review["text"]
    # Both came from the book: neither is offered for saving again.
    assert not [b for b in talk.buttons() if b.startswith("💾")]


async def test_edit_rename_and_delete_with_confirmation(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await save_both(talk)
    await talk.say("/addresses")
    await talk.press("Office")
    await talk.press("✏️ Edit")
    await talk.press("Street")
    rejected = await talk.say("Fifth Avenue")
    assert "house number" in rejected["text"]
    view = await talk.say("20 W 34th St")
    assert "20 W 34th St" in view["text"] and "Office" in view["text"]

    asked = await talk.press("🏷 Rename")
    assert "Send a new name for “Office”" in asked["text"]  # a name: the product sells labels
    empty = await talk.say(" " * 31 + "x" * 31)
    assert "Address name must be 1 to 30 characters long" in empty["text"]
    view = await talk.say("Work")
    assert "Work" in view["text"]
    await talk.press("🗑 Delete")
    kept = await talk.press("↩️ No, keep it")
    assert "Work" in kept["text"]
    await talk.press("🗑 Delete")
    listing = await talk.press("🗑 Yes, delete")
    assert "“Work” was deleted" in listing["text"]
    assert [row[1:4] for row in await db.rows(BOOK)] == [("Home", "John Smith", "215 Clayton St")]


async def test_another_users_address_is_not_found(emulator, bot, db):
    owner = Dialogue(emulator, emulator.create_user("Ann"))
    await save_both(owner)
    before = await db.rows(BOOK)
    address_id = (await db.rows("SELECT id FROM saved_addresses ORDER BY id"))[0][0]

    intruder_chat = emulator.create_user("Eve")
    intruder = Dialogue(emulator, intruder_chat)
    await intruder.say("/addresses")
    for forged in (
        f"book:open:{address_id}",
        f"book:edit:{address_id}",
        f"book:rename:{address_id}",
        f"book:confirm_delete:{address_id}",
        f"book:ship_from:{address_id}",
    ):
        intruder_chat.press_data(intruder.prompt(), forged)
        await emulator.wait_idle()
        reply = intruder_chat.bot_messages()[-1]
        assert "was not found in your address book" in reply["text"], forged
        assert "John Smith" not in reply["text"]

    # The entry screen takes a saved address id (the default sender button): forge Ann's.
    await intruder.say("/new")
    await intruder.say("Eve Adams")
    offer = await intruder.say("/new")
    assert "unfinished label" in offer["text"]
    intruder_chat.press_data(offer, f"use:{address_id}")
    await emulator.wait_idle()
    reply = intruder_chat.bot_messages()[-1]
    assert "was not found in your address book" in reply["text"]
    assert "215 Clayton St" not in reply["text"]
    assert await db.rows(BOOK) == before


async def test_the_same_address_is_not_saved_twice(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await reach_review_by_pasting(talk)
    await talk.press("💾 Save sender")
    await talk.say("Home")
    assert "💾 Save sender" not in talk.buttons() and "💾 Save recipient" in talk.buttons()
    # A new draft with the same sender: only the recipient can be saved.
    await talk.say("/new")
    await talk.press("🆕 Start a new label")
    await paste_to_review(talk)
    assert "💾 Save sender" not in talk.buttons() and "💾 Save recipient" in talk.buttons()
    assert [row[1] for row in await db.rows(BOOK)] == ["Home"]
