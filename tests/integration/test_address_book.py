"""The address book (SPEC §3.6) over HTTP: save from the review, use, edit, rename, default
sender, delete with confirmation, and nobody reaches another user's addresses."""

from __future__ import annotations

from tests.integration.conftest import sqlite_rows
from tests.integration.test_new_label_flow import reach_review_by_pasting
from tests.support.dialogue import Dialogue

BOOK = "SELECT user_id, label, name, street1, is_default_sender FROM saved_addresses ORDER BY id"


def save_both(talk: Dialogue) -> None:
    reach_review_by_pasting(talk)
    talk.press("💾 Save sender")
    saved = talk.say("Home")
    assert "Saved to your address book as “Home”" in saved["text"] and "Review" in saved["text"]
    talk.press("💾 Save recipient")
    taken = talk.say("home")
    assert "already have an address called “home”" in taken["text"]
    talk.say("Office")


def test_saved_addresses_are_listed_used_and_mixed_into_a_new_label(
    emulator, start_bot, sqlite_url
):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    save_both(talk)
    assert [row[1] for row in sqlite_rows(sqlite_url, BOOK)] == ["Home", "Office"]

    book = talk.say("/addresses")
    assert "2 of 20" in book["text"]
    talk.press("Home")
    view = talk.press("⭐ Make default sender")
    assert "default sender" in view["text"]
    assert sqlite_rows(sqlite_url, BOOK)[0][4] == 1

    offer = talk.say("/new")
    assert "unfinished label" in offer["text"]
    talk.press("⭐ Send from “Home”")
    recipient_step = talk.prompt()
    assert "Recipient" in recipient_step["text"]
    talk.press("📒 From the address book")
    talk.press("Office")
    talk.say("3 lb")
    review = talk.press("Large box 18 × 14 × 12 in")
    assert "John Smith" in review["text"] and "Jane Doe" in review["text"]
    assert "3 lb" in review["text"]


def test_edit_rename_and_delete_with_confirmation(emulator, start_bot, sqlite_url):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    save_both(talk)
    talk.say("/addresses")
    talk.press("Office")
    talk.press("✏️ Edit")
    talk.press("Street")
    rejected = talk.say("Fifth Avenue")
    assert "house number" in rejected["text"]
    view = talk.say("20 W 34th St")
    assert "20 W 34th St" in view["text"] and "Office" in view["text"]

    talk.press("🏷 Rename")
    view = talk.say("Work")
    assert "Work" in view["text"]
    talk.press("🗑 Delete")
    kept = talk.press("↩️ No, keep it")
    assert "Work" in kept["text"]
    talk.press("🗑 Delete")
    listing = talk.press("🗑 Yes, delete")
    assert "“Work” was deleted" in listing["text"]
    assert [row[1:4] for row in sqlite_rows(sqlite_url, BOOK)] == [
        ("Home", "John Smith", "215 Clayton St")
    ]


def test_another_users_address_is_not_found(emulator, start_bot, sqlite_url):
    start_bot()
    owner = Dialogue(emulator, emulator.create_user("Ann"))
    save_both(owner)
    before = sqlite_rows(sqlite_url, BOOK)
    address_id = sqlite_rows(sqlite_url, "SELECT id FROM saved_addresses ORDER BY id")[0][0]

    intruder_chat = emulator.create_user("Eve")
    intruder = Dialogue(emulator, intruder_chat)
    intruder.say("/addresses")
    for forged in (
        f"book:open:{address_id}",
        f"book:edit:{address_id}",
        f"book:rename:{address_id}",
        f"book:confirm_delete:{address_id}",
        f"book:ship_from:{address_id}",
    ):
        live = intruder.prompt()
        emulator.http.post(
            f"/chats/{intruder_chat.user_id}/press",
            json={"message_id": live["message_id"], "callback_data": forged},
        ).raise_for_status()
        emulator.wait_idle()
        reply = intruder_chat.bot_messages()[-1]
        assert "was not found in your address book" in reply["text"], forged
        assert "John Smith" not in reply["text"]

    # The entry screen takes a saved address id (the default sender button): forge Ann's.
    intruder.say("/new")
    intruder.say("Eve Adams")
    offer = intruder.say("/new")
    assert "unfinished label" in offer["text"]
    emulator.http.post(
        f"/chats/{intruder_chat.user_id}/press",
        json={"message_id": offer["message_id"], "callback_data": f"use:{address_id}"},
    ).raise_for_status()
    emulator.wait_idle()
    reply = intruder_chat.bot_messages()[-1]
    assert "was not found in your address book" in reply["text"]
    assert "215 Clayton St" not in reply["text"]
    assert sqlite_rows(sqlite_url, BOOK) == before
