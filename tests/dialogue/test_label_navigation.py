"""Back, Cancel, resume and commands inside the label flow and the address book: each goes
where a user expects and keeps what was typed."""

from __future__ import annotations

from tests.dialogue.steps import SENDER, fsm, save_both
from tests.support.inprocess import STALE, Dialogue


async def test_back_after_an_edit_leaves_the_screen_the_edit_returned_to(emulator, bot):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await talk.say("/new")
    await talk.say(SENDER)
    await talk.press("✏️ Edit")
    await talk.press("ZIP code")
    await talk.say("94118")
    check = await talk.press("San Francisco, CA")
    assert "94118" in check["text"] and "is everything correct" in check["text"]
    back = await talk.press("⬅️ Back")
    assert "Paste the whole sender address" in back["text"]


async def test_back_from_a_transliteration_keeps_the_way_back(emulator, bot):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await talk.say("/new")
    assert "Ivan Petrov" in (await talk.say("Иван Петров"))["text"]
    assert "Paste the whole sender address" in (await talk.press("⬅️ Back"))["text"]
    await talk.say("John Smith")
    back = await talk.press("⬅️ Back")
    assert "Paste the whole sender address" in back["text"]


async def test_continue_the_draft_resumes_the_exact_step_with_what_was_typed(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await talk.say("/new")
    await talk.say("John Smith")
    await talk.say("215 Clayton St")
    nothing = await talk.say("/start")
    assert "Hello, Ann!" in nothing["text"]
    assert "Nothing" not in nothing["text"]
    assert "nothing to cancel" in (await talk.say("/cancel"))["text"].lower()
    await talk.press("📦 New label")
    resumed = await talk.press("▶️ Continue the draft")
    assert "apartment, suite or floor" in resumed["text"]
    await talk.press("⏭ Skip")
    await talk.say("94117")
    await talk.press("San Francisco, CA")
    await talk.press("⏭ Skip")
    _, data = await fsm(db, talk.chat.user_id)
    assert data["draft"]["addresses"]["sender"]["name"] == "John Smith"
    assert data["draft"]["addresses"]["sender"]["street1"] == "215 Clayton St"


async def test_cancel_then_continue_during_an_edit_returns_to_the_field(emulator, bot):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await talk.say("/new")
    await talk.say(SENDER)
    await talk.press("✏️ Edit")
    await talk.press("Phone")
    await talk.press("✖️ Cancel")
    field = await talk.press("↩️ No, continue")
    assert "phone number" in field["text"]
    check = await talk.say("415 555 0111")
    assert "+1 415-555-0111" in check["text"] and "is everything correct" in check["text"]


async def test_commands_are_never_taken_as_answers(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await save_both(talk)
    await talk.say("/addresses")
    await talk.press("Home")
    await talk.press("🏷 Rename")
    offer = await talk.say("/new")
    assert "unfinished label" in offer["text"]
    labels = [row[0] for row in await db.rows("SELECT label FROM saved_addresses")]
    assert "/new" not in labels
    await talk.press("🆕 Start a new label")
    unknown = await talk.say("/frobnicate")
    assert "Please answer with the buttons" in unknown["text"]
    assert (await fsm(db, talk.chat.user_id))[1]["fields"] == {}


async def test_cancel_in_the_address_book_keeps_the_label_draft(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await save_both(talk)
    await talk.say("/addresses")
    await talk.press("Home")
    await talk.press("✏️ Edit")
    await talk.press("Name")
    view = await talk.press("✖️ Cancel")
    assert "Home" in view["text"] and "Ship from here" in str(view["reply_markup"])
    await talk.say("/cancel")
    _, data = await fsm(db, talk.chat.user_id)
    assert data["draft"]["addresses"]["recipient"]["name"] == "Jane Doe"


async def test_deleting_needs_the_confirmation_step(emulator, bot, db):
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    await save_both(talk)
    await talk.say("/addresses")
    view = await talk.press("Home")
    address_id = await db.rows("SELECT id FROM saved_addresses WHERE label = 'Home'")
    chat.press_data(view, f"book:confirm_delete:{address_id[0][0]}")
    await emulator.wait_idle()
    assert chat.callback_answers()[-1]["text"] == STALE
    assert len(await db.rows("SELECT id FROM saved_addresses")) == 2
