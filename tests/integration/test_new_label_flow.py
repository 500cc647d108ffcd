"""The new label flow across a crash: a `shipbot serve` killed mid-flow and a new process on the
same database resume the step. (The flow itself: tests/dialogue/test_new_label_flow.py.)"""

from __future__ import annotations

from tests.support.dialogue import SENDER, Dialogue


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
