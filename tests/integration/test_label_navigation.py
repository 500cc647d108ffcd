"""Back, Cancel, resume and commands inside the label flow and the address book: each goes
where a user expects and keeps what was typed."""

from __future__ import annotations

from tests.integration.conftest import sqlite_rows
from tests.integration.test_address_book import save_both
from tests.integration.test_new_label_flow import fsm
from tests.support.dialogue import SENDER, Dialogue


def test_back_after_an_edit_leaves_the_screen_the_edit_returned_to(emulator, start_bot):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    talk.say("/new")
    talk.say(SENDER)
    talk.press("✏️ Edit")
    talk.press("ZIP code")
    talk.say("94118")
    check = talk.press("San Francisco, CA")
    assert "94118" in check["text"] and "is everything correct" in check["text"]
    back = talk.press("⬅️ Back")
    assert "Paste the whole sender address" in back["text"]


def test_back_from_a_transliteration_keeps_the_way_back(emulator, start_bot):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    talk.say("/new")
    assert "Ivan Petrov" in talk.say("Иван Петров")["text"]
    assert "Paste the whole sender address" in talk.press("⬅️ Back")["text"]
    talk.say("John Smith")
    back = talk.press("⬅️ Back")
    assert "Paste the whole sender address" in back["text"]


def test_continue_the_draft_resumes_the_exact_step_with_what_was_typed(
    emulator, start_bot, sqlite_url
):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    talk.say("/new")
    talk.say("John Smith")
    talk.say("215 Clayton St")
    nothing = talk.say("/start")
    assert "Hello, Ann!" in nothing["text"]
    assert "Nothing" not in nothing["text"]
    assert "nothing to cancel" in talk.say("/cancel")["text"].lower()
    talk.press("📦 New label")
    resumed = talk.press("▶️ Continue the draft")
    assert "apartment, suite or floor" in resumed["text"]
    talk.press("⏭ Skip")
    talk.say("94117")
    talk.press("San Francisco, CA")
    talk.press("⏭ Skip")
    _, data = fsm(sqlite_url, talk.chat.user_id)
    assert data["draft"]["addresses"]["sender"]["name"] == "John Smith"
    assert data["draft"]["addresses"]["sender"]["street1"] == "215 Clayton St"


def test_cancel_then_continue_during_an_edit_returns_to_the_field(emulator, start_bot):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    talk.say("/new")
    talk.say(SENDER)
    talk.press("✏️ Edit")
    talk.press("Phone")
    talk.press("✖️ Cancel")
    field = talk.press("↩️ No, continue")
    assert "phone number" in field["text"]
    check = talk.say("415 555 0111")
    assert "+14155550111" in check["text"] and "is everything correct" in check["text"]


def test_commands_are_never_taken_as_answers(emulator, start_bot, sqlite_url):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    save_both(talk)
    talk.say("/addresses")
    talk.press("Home")
    talk.press("🏷 Rename")
    offer = talk.say("/new")
    assert "unfinished label" in offer["text"]
    labels = [row[0] for row in sqlite_rows(sqlite_url, "SELECT label FROM saved_addresses")]
    assert "/new" not in labels
    talk.press("🆕 Start a new label")
    unknown = talk.say("/frobnicate")
    assert "Please answer with the buttons" in unknown["text"]
    assert fsm(sqlite_url, talk.chat.user_id)[1]["fields"] == {}


def test_cancel_in_the_address_book_keeps_the_label_draft(emulator, start_bot, sqlite_url):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    save_both(talk)
    talk.say("/addresses")
    talk.press("Home")
    talk.press("✏️ Edit")
    talk.press("Name")
    view = talk.press("✖️ Cancel")
    assert "Home" in view["text"] and "Ship from here" in str(view["reply_markup"])
    talk.say("/cancel")
    _, data = fsm(sqlite_url, talk.chat.user_id)
    assert data["draft"]["addresses"]["recipient"]["name"] == "Jane Doe"


def test_deleting_needs_the_confirmation_step(emulator, start_bot, sqlite_url):
    start_bot()
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    save_both(talk)
    talk.say("/addresses")
    view = talk.press("Home")
    address_id = sqlite_rows(sqlite_url, "SELECT id FROM saved_addresses WHERE label = 'Home'")
    emulator.http.post(
        f"/chats/{chat.user_id}/press",
        json={
            "message_id": view["message_id"],
            "callback_data": f"book:confirm_delete:{address_id[0][0]}",
        },
    ).raise_for_status()
    emulator.wait_idle()
    assert chat.callback_answers()[-1]["text"] == "This button is no longer active"
    assert len(sqlite_rows(sqlite_url, "SELECT id FROM saved_addresses")) == 2
