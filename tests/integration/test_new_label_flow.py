"""The new label flow through the emulator over HTTP (SPEC §3.1): pasted, typed field by field,
mixed with a saved address; edits from the review; Back and Cancel; a restart mid-flow."""

from __future__ import annotations

import json
import sqlite3

from tests.integration.conftest import sqlite_rows
from tests.support.dialogue import RECIPIENT, SENDER, Dialogue


def fsm(sqlite_url: str, chat_id: int) -> tuple[str | None, dict]:
    rows = sqlite_rows(sqlite_url, f"SELECT state, data FROM fsm_states WHERE chat_id = {chat_id}")
    state, data = rows[0]
    return state, json.loads(data)


def reach_review_by_pasting(talk: Dialogue) -> dict:
    talk.say("/new")
    talk.say(SENDER)
    talk.press("✅ Correct")
    talk.say(RECIPIENT)
    talk.press("✅ Correct")
    talk.say("2.5 lb")
    return talk.press("Medium box 12 × 10 × 8 in")


def test_pasting_both_addresses_reaches_the_review_in_4_messages_and_3_presses(
    emulator, start_bot, sqlite_url
):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    review = reach_review_by_pasting(talk)

    assert (talk.messages_sent, talk.buttons_pressed) == (4, 3)
    text = review["text"]
    assert "Review" in text
    for line in (
        "John Smith",
        "215 Clayton St",
        "Apt 4",
        "San Francisco, CA 94117",
        "+14155550100",
    ):
        assert line in text
    for line in ("Jane Doe", "350 5th Ave", "Suite 200", "New York, NY 10118"):
        assert line in text
    assert "2 lb 8 oz" in text and "12 × 10 × 8 in" in text
    state, data = fsm(sqlite_url, talk.chat.user_id)
    assert state == "Label:review"
    assert data["draft"]["addresses"]["sender"]["phone"] == "+14155550100"
    assert data["draft"]["addresses"]["recipient"]["phone"] is None
    assert data["draft"]["ounces"] == "40.00"


def test_field_by_field_with_transliteration_zip_city_and_skips(emulator, start_bot, sqlite_url):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ivan"))
    talk.say("/new")
    confirm = talk.say("Иван Петров")
    assert "Ivan Petrov" in confirm["text"]
    talk.press("✅ Correct")
    rejected = talk.say("Clayton Street")
    assert "house number" in rejected["text"]
    talk.say("215 Clayton St")
    talk.press("⏭ Skip")
    wrong = talk.say("9411")
    assert "5 digits" in wrong["text"]
    city = talk.say("10001")
    assert "New York, NY" in city["text"]
    talk.press("New York, NY")
    bad_phone = talk.say("12345")
    assert "US phone" in bad_phone["text"]
    recipient = talk.press("⏭ Skip")
    assert "Recipient" in recipient["text"]

    state, data = fsm(sqlite_url, talk.chat.user_id)
    assert state == "Label:address"
    assert data["draft"]["addresses"]["sender"] == {
        "name": "Ivan Petrov",
        "company": None,
        "street1": "215 Clayton St",
        "street2": None,
        "city": "New York",
        "state": "NY",
        "zip": "10001",
        "phone": None,
    }


def test_a_rejected_answer_changes_nothing(emulator, start_bot, sqlite_url):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    talk.say("/new")
    talk.say(SENDER)
    talk.press("✅ Correct")
    before = fsm(sqlite_url, talk.chat.user_id)
    reply = talk.say("John Smith, 215 Clayton St, San Francisco, NY 94117")
    assert "94117 is in CA, not NY" in reply["text"]
    assert fsm(sqlite_url, talk.chat.user_id) == before


def test_edits_from_the_review_return_straight_to_it(emulator, start_bot, sqlite_url):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    reach_review_by_pasting(talk)

    talk.press("✏️ Recipient")
    talk.press("Phone")
    review = talk.say("(212) 555-0199")
    assert "Review" in review["text"] and "+12125550199" in review["text"]

    talk.press("✏️ Sender")
    talk.press("ZIP code")
    talk.say("10118")
    review = talk.press("New York, NY")
    assert "New York, NY 10118" in review["text"].split("To")[0]

    talk.press("✏️ Parcel")
    talk.press("Weight")
    review = talk.say("32 oz")
    assert "2 lb" in review["text"] and "Review" in review["text"]

    talk.press("✏️ Parcel")
    talk.press("Dimensions")
    review = talk.say("30x20x10 cm")
    assert "Review" in review["text"]
    state, data = fsm(sqlite_url, talk.chat.user_id)
    assert state == "Label:review"
    assert data["draft"]["ounces"] == "32.00"


def test_back_and_cancel_at_several_steps(emulator, start_bot, sqlite_url):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    talk.say("/new")
    talk.say("John Smith")
    talk.say("215 Clayton St")
    street1 = talk.press("⬅️ Back")
    assert "street address" in street1["text"]
    name = talk.press("⬅️ Back")
    assert "Paste the whole sender address" in name["text"]

    talk.say(SENDER)
    talk.press("✅ Correct")
    talk.say(RECIPIENT)
    talk.press("✅ Correct")
    weight = talk.say("2")
    assert "size" in weight["text"]
    back = talk.press("⬅️ Back")
    assert "How much does the parcel weigh" in back["text"]

    confirm = talk.press("✖️ Cancel")
    assert "Discard this label draft?" in confirm["text"]
    again = talk.press("↩️ No, continue")
    assert "How much does the parcel weigh" in again["text"]
    talk.press("✖️ Cancel")
    menu = talk.press("🗑 Yes, discard")
    assert "discarded" in menu["text"]
    assert fsm(sqlite_url, talk.chat.user_id) == (None, {})

    talk.say("/new")
    talk.say("John Smith")
    cancelled = talk.say("/cancel")
    assert "Cancelled" in cancelled["text"]
    assert fsm(sqlite_url, talk.chat.user_id) == (None, {})


def test_a_restart_mid_flow_resumes_the_step(emulator, start_bot, sqlite_url):
    server = start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    talk.say("/new")
    talk.say(SENDER)
    talk.press("✅ Correct")
    talk.say("Jane Doe")
    server.kill()
    start_bot()
    street = talk.say("350 5th Ave")
    assert "apartment, suite or floor" in street["text"]
    talk.say("Suite 200")
    talk.say("10118")
    talk.press("New York, NY")
    talk.press("⏭ Skip")
    talk.say("1 lb 4 oz")
    review = talk.press("Small box 8 × 6 × 4 in")
    assert "Review" in review["text"] and "Suite 200" in review["text"]

    # Leaving for the menu and coming back offers the draft, which resumes where it was.
    talk.say("/start")
    offer = talk.press("📦 New label")
    assert "unfinished label" in offer["text"]
    resumed = talk.press("▶️ Continue the draft")
    assert "Review" in resumed["text"]


def test_a_stale_button_is_answered_and_changes_nothing(emulator, start_bot, sqlite_url):
    start_bot()
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    talk.say("/new")
    check = talk.say(SENDER)
    talk.press("✅ Correct")
    before = fsm(sqlite_url, chat.user_id)
    transcript = chat.messages()
    chat.press("✏️ Edit", message=check)
    emulator.wait_idle()
    assert chat.callback_answers()[-1]["text"] == "This button is no longer active"
    assert chat.messages() == transcript
    assert fsm(sqlite_url, chat.user_id) == before


def test_an_idle_draft_is_discarded_after_24_hours(emulator, start_bot, sqlite_url):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    talk.say("/new")
    talk.say(SENDER)
    _, data = fsm(sqlite_url, talk.chat.user_id)
    data["draft"]["updated_at"] = "2000-01-01T00:00:00+00:00"
    path = sqlite_url.split("///", 1)[1]
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE fsm_states SET data = ?", (json.dumps(data),))
    notice = talk.press("✅ Correct")
    assert "discarded after 24 hours" in notice["text"]
    assert fsm(sqlite_url, talk.chat.user_id) == (None, {})


def test_the_flow_speaks_russian(emulator, start_bot):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Иван", language_code="ru"))
    first = talk.say("/new")
    assert "Отправитель" in first["text"]
    talk.say(SENDER)
    talk.press("✅ Верно")
    talk.say(RECIPIENT)
    talk.press("✅ Верно")
    rejected = talk.say("200 lb")
    assert "150 lb" in rejected["text"]
    talk.say("2")
    review = talk.press("Средняя коробка 12 × 10 × 8 in")
    assert "Проверьте" in review["text"] or "Проверка" in review["text"]


def test_pasting_again_while_checking_replaces_the_parsed_address(emulator, start_bot, sqlite_url):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    talk.say("/new")
    first = talk.say("Jon Smith, 215 Clayton St, San Francisco, CA 94117")
    assert "Jon Smith" in first["text"]
    again = talk.say("John Smith\nAcme Trading LLC\n215 Clayton St\nSan Francisco CA 94117-1234")
    assert "is everything correct" in again["text"]
    assert "John Smith" in again["text"] and "Acme Trading LLC" in again["text"]
    talk.press("✅ Correct")
    _, data = fsm(sqlite_url, talk.chat.user_id)
    assert data["draft"]["addresses"]["sender"]["zip"] == "94117-1234"
    assert data["draft"]["addresses"]["sender"]["company"] == "Acme Trading LLC"
    back = talk.press("⬅️ Back")
    assert "John Smith" in back["text"] and "is everything correct" in back["text"]
