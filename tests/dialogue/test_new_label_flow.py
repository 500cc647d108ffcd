"""The new label flow (SPEC §3.1): pasted, typed field by field, mixed with a saved address;
edits from the review; Back and Cancel. (A restart mid-flow: tests/integration/.)"""

from __future__ import annotations

import json

from tests.dialogue.steps import RECIPIENT, SENDER, fsm, reach_review_by_pasting
from tests.support.inprocess import STALE, Dialogue


async def test_pasting_both_addresses_reaches_the_review_in_4_messages_and_3_presses(
    emulator, bot, db
):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    review = await reach_review_by_pasting(talk)

    assert (talk.messages_sent, talk.buttons_pressed) == (4, 3)
    text = review["text"]
    assert "Review" in text
    for line in (
        "John Smith",
        "215 Clayton St",
        "Apt 4",
        "San Francisco, CA 94117",
        "+1 415-555-0100",
    ):
        assert line in text
    for line in ("Jane Doe", "350 5th Ave", "Suite 200", "New York, NY 10118"):
        assert line in text
    assert "2 lb 8 oz" in text and "12 × 10 × 8 in" in text
    state, data = await fsm(db, talk.chat.user_id)
    assert state == "Label:review"
    assert data["draft"]["addresses"]["sender"]["phone"] == "+14155550100"
    assert data["draft"]["addresses"]["recipient"]["phone"] is None
    assert data["draft"]["ounces"] == "40.00"


async def test_field_by_field_with_transliteration_zip_city_and_skips(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ivan"))
    await talk.say("/new")
    confirm = await talk.say("Иван Петров")
    assert "Ivan Petrov" in confirm["text"]
    await talk.press("✅ Correct")
    rejected = await talk.say("Clayton Street")
    assert "house number" in rejected["text"]
    await talk.say("215 Clayton St")
    await talk.press("⏭ Skip")
    wrong = await talk.say("9411")
    assert "5 digits" in wrong["text"]
    city = await talk.say("10001")
    assert "New York, NY" in city["text"]
    elsewhere = await talk.say("Boston")
    assert "“Boston” is not a city of ZIP code 10001" in elsewhere["text"]
    assert "New York, NY" in str(elsewhere["reply_markup"])  # the ZIP's cities, still offered
    await talk.press("New York, NY")
    bad_phone = await talk.say("12345")
    assert "US phone" in bad_phone["text"]
    recipient = await talk.press("⏭ Skip")
    assert "Recipient" in recipient["text"]

    state, data = await fsm(db, talk.chat.user_id)
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


async def test_a_rejected_answer_changes_nothing(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await talk.say("/new")
    await talk.say(SENDER)
    await talk.press("✅ Correct")
    before = await fsm(db, talk.chat.user_id)
    reply = await talk.say("12 Elm St, Dover, DE 19901\n350 5th Ave, New York, NY 10118")
    assert "I found two addresses in this message" in reply["text"]
    assert await fsm(db, talk.chat.user_id) == before


async def test_edits_from_the_review_return_straight_to_it(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await reach_review_by_pasting(talk)

    await talk.press("✏️ Recipient")
    await talk.press("Phone")
    review = await talk.say("(212) 555-0199")
    assert "Review" in review["text"] and "+1 212-555-0199" in review["text"]

    await talk.press("✏️ Sender")
    await talk.press("ZIP code")
    await talk.say("10118")
    review = await talk.press("New York, NY")
    assert "New York, NY 10118" in review["text"].split("To")[0]

    await talk.press("✏️ Parcel")
    await talk.press("Weight")
    review = await talk.say("32 oz")
    assert "2 lb" in review["text"] and "Review" in review["text"]

    await talk.press("✏️ Parcel")
    await talk.press("Dimensions")
    review = await talk.say("30x20x10 cm")
    assert "Review" in review["text"]
    state, data = await fsm(db, talk.chat.user_id)
    assert state == "Label:review"
    assert data["draft"]["ounces"] == "32.00"


async def test_back_and_cancel_at_several_steps(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await talk.say("/new")
    await talk.say("John Smith")
    await talk.say("215 Clayton St")
    street1 = await talk.press("⬅️ Back")
    assert "street address" in street1["text"]
    name = await talk.press("⬅️ Back")
    assert "Paste the whole sender address" in name["text"]

    await talk.say(SENDER)
    await talk.press("✅ Correct")
    await talk.say(RECIPIENT)
    await talk.press("✅ Correct")
    weight = await talk.say("2")
    assert "size" in weight["text"]
    back = await talk.press("⬅️ Back")
    assert "How much does the parcel weigh" in back["text"]

    confirm = await talk.press("✖️ Cancel")
    assert "Discard this label draft?" in confirm["text"]
    again = await talk.press("↩️ No, continue")
    assert "How much does the parcel weigh" in again["text"]
    await talk.press("✖️ Cancel")
    menu = await talk.press("🗑 Yes, discard")
    assert "discarded" in menu["text"]
    assert await fsm(db, talk.chat.user_id) == (None, {})

    await talk.say("/new")
    await talk.say("John Smith")
    asked = await talk.say("/cancel")
    assert "Discard this label draft?" in asked["text"]
    street1 = await talk.press("↩️ No, continue")
    assert "street address" in street1["text"]
    _, data = await fsm(db, talk.chat.user_id)
    assert data["fields"]["name"] == "John Smith"
    await talk.say("/cancel")
    await talk.press("🗑 Yes, discard")
    assert await fsm(db, talk.chat.user_id) == (None, {})
    nothing_yet = await talk.say("/new")
    assert "Paste the whole sender address" in nothing_yet["text"]
    cancelled = await talk.say("/cancel")
    assert "Cancelled" in cancelled["text"]
    assert await fsm(db, talk.chat.user_id) == (None, {})


async def test_a_stale_button_is_answered_and_changes_nothing(emulator, bot, db):
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    await talk.say("/new")
    check = await talk.say(SENDER)
    await talk.press("✅ Correct")
    before = await fsm(db, chat.user_id)
    transcript = chat.messages()
    chat.press("✏️ Edit", message=check)
    await emulator.wait_idle()
    assert chat.callback_answers()[-1]["text"] == STALE
    assert chat.messages() == transcript
    assert await fsm(db, chat.user_id) == before


async def test_an_idle_draft_is_discarded_after_24_hours(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await talk.say("/new")
    await talk.say(SENDER)
    _, data = await fsm(db, talk.chat.user_id)
    data["draft"]["updated_at"] = "2000-01-01T00:00:00+00:00"
    await db.rows("UPDATE fsm_states SET data = ?", (json.dumps(data),))
    notice = await talk.press("✅ Correct")
    assert "discarded after 24 hours" in notice["text"]
    assert await fsm(db, talk.chat.user_id) == (None, {})


async def test_the_flow_speaks_russian(emulator, bot):
    talk = Dialogue(emulator, emulator.create_user("Иван", language_code="ru"))
    first = await talk.say("/new")
    assert "Отправитель" in first["text"]
    await talk.say(SENDER)
    await talk.press("✅ Верно")
    await talk.say(RECIPIENT)
    await talk.press("✅ Верно")
    rejected = await talk.say("200 lb")
    assert "150 lb" in rejected["text"]
    await talk.say("2")
    review = await talk.press("Средняя коробка 12 × 10 × 8 in")
    assert "Проверьте" in review["text"] or "Проверка" in review["text"]


async def test_pasting_again_while_checking_replaces_the_parsed_address(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await talk.say("/new")
    first = await talk.say("Jon Smith, 215 Clayton St, San Francisco, CA 94117")
    assert "Jon Smith" in first["text"]
    again = await talk.say(
        "John Smith\nAcme Trading LLC\n215 Clayton St\nSan Francisco CA 94117-1234"
    )
    assert "is everything correct" in again["text"]
    assert "John Smith" in again["text"] and "Acme Trading LLC" in again["text"]
    await talk.press("✅ Correct")
    _, data = await fsm(db, talk.chat.user_id)
    assert data["draft"]["addresses"]["sender"]["zip"] == "94117-1234"
    assert data["draft"]["addresses"]["sender"]["company"] == "Acme Trading LLC"
    back = await talk.press("⬅️ Back")
    assert "John Smith" in back["text"] and "is everything correct" in back["text"]
