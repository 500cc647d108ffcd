"""The carrier's check of the recipient before rates (issue 11): a correction is shown for
confirmation, used or refused, and a checked recipient is not asked about again."""

from __future__ import annotations

from tests.dialogue.steps import fsm, rate_buttons, reach_review_by_pasting
from tests.support.dialogue import button_texts
from tests.support.inprocess import Dialogue

# The sandbox carrier abbreviates the street suffix, as USPS does.
LONG_SUFFIX = "Jane Doe\n350 Fifth Avenue\nNew York, NY 10118"


async def test_a_corrected_recipient_is_confirmed_before_the_rates(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await reach_review_by_pasting(talk, LONG_SUFFIX)
    correction = await talk.press("💲 Show rates")
    text = correction["text"]
    assert "The carrier corrected the recipient address" in text
    assert "⚠️ Street: 350 Fifth Ave" in text and "350 Fifth Avenue" in text.split("You wrote")[1]
    assert "✅ Use the corrected address" in button_texts(correction)

    rates = await talk.press("✅ Use the corrected address")
    assert rate_buttons(rates)
    _, data = await fsm(db, talk.chat.user_id)
    assert data["draft"]["addresses"]["recipient"]["street1"] == "350 Fifth Ave"
    assert data["draft"]["residential"] is True
    review = await talk.press("⬅️ Back")
    assert "Review" in review["text"] and "350 Fifth Ave\n" in review["text"]
    again = await talk.press("💲 Show rates")
    assert rate_buttons(again)  # checked already: no second question


async def test_keeping_the_address_as_written_goes_on_to_the_rates(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await reach_review_by_pasting(talk, LONG_SUFFIX)
    await talk.press("💲 Show rates")
    rates = await talk.press("✍️ Keep mine")
    assert rate_buttons(rates)
    _, data = await fsm(db, talk.chat.user_id)
    assert data["draft"]["addresses"]["recipient"]["street1"] == "350 Fifth Avenue"
    review = await talk.press("⬅️ Back")
    assert "Review" in review["text"]
    assert rate_buttons(await talk.press("💲 Show rates"))


async def test_back_from_the_correction_returns_to_the_review_unchanged(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await reach_review_by_pasting(talk, LONG_SUFFIX)
    await talk.press("💲 Show rates")
    review = await talk.press("⬅️ Back")
    assert "Review" in review["text"] and "350 Fifth Avenue" in review["text"]
    _, data = await fsm(db, talk.chat.user_id)
    assert data["draft"]["checked_recipient"] is None


async def test_a_recipient_the_carrier_has_nothing_to_correct_goes_straight_to_rates(emulator, bot):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await reach_review_by_pasting(talk, "Jane Doe\n350 5th Ave\nNew York, NY 10118")
    assert rate_buttons(await talk.press("💲 Show rates"))
