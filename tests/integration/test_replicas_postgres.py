"""G1/G3 across processes: two `shipbot serve` on one PostgreSQL behave as one."""

from __future__ import annotations

import pytest

from tests.support.dialogue import Dialogue, reach_review_by_pasting

pytestmark = pytest.mark.postgres
WEBHOOK = "/api/telegram/webhook"


def test_one_chat_alternating_between_two_processes_with_concurrent_duplicates(
    emulator, start_bot, postgres_url
):
    first = start_bot(database_url=postgres_url)
    second = start_bot(database_url=postgres_url)
    emulator.set_targets([first.url + WEBHOOK, second.url + WEBHOOK])
    chat = emulator.create_user("Ann")

    chat.send("/start")
    chat.press("❓ Help", message=chat.wait_for_text("Hello, Ann!"))
    emulator.wait_idle()
    chat.press("⬅️ Back to menu")
    chat.send("/remember replicas")
    for _ in range(10):
        chat.send("/count")
    emulator.wait_idle()
    for update_id in (70_001, 70_002):
        emulator.inject(chat.text_message_update(update_id, "/count"), copies=4, concurrent=True)
        emulator.wait_idle()
    chat.send("/recall")
    recalled = chat.wait_for_text("state=")

    texts = [m["text"] for m in chat.bot_messages()]
    counts = [text for text in texts if text.startswith("Count:")]
    assert counts == [f"Count: {n}" for n in range(1, 13)]
    assert "memo=replicas count=12" in recalled["text"]
    assert len(chat.live_keyboards()) <= 1
    targets = {d["url"] for d in emulator.deliveries()}
    assert {first.url + WEBHOOK, second.url + WEBHOOK} <= targets
    duplicates = [d for d in emulator.deliveries() if d["update_id"] in (70_001, 70_002)]
    assert len(duplicates) == 8 and all(d["status"] == 200 for d in duplicates)


def test_many_chats_across_two_processes_each_proceed_in_order(emulator, start_bot, postgres_url):
    first = start_bot(database_url=postgres_url)
    second = start_bot(database_url=postgres_url)
    emulator.set_targets([first.url + WEBHOOK, second.url + WEBHOOK])
    chats = [emulator.create_user(f"User{n}") for n in range(8)]

    for _ in range(5):
        for chat in chats:
            chat.send("/count")
    emulator.wait_idle()

    for chat in chats:
        counts = [m["text"] for m in chat.bot_messages()]
        assert counts == [f"Count: {n}" for n in range(1, 6)]


def test_a_replica_killed_mid_update_releases_the_chat_to_the_other(
    emulator, start_bot, postgres_url, tmp_path
):
    gate = tmp_path / "gate"
    hooks = {"TEST_GATE_FILE": str(gate), "TEST_SLOW_SECONDS": "120"}
    first = start_bot(database_url=postgres_url, **hooks)
    second = start_bot(database_url=postgres_url, **hooks)
    emulator.set_targets([first.url + WEBHOOK])
    chat = emulator.create_user("Ann")
    chat.send("/remember before the crash")
    chat.wait_for_text("Remembered: before the crash")
    emulator.wait_idle()

    slow = chat.send("/slow")
    chat.wait_for_text("Working…")  # the first replica holds the chat's advisory lock
    emulator.set_targets([second.url + WEBHOOK])
    first.kill()
    gate.touch()
    emulator.wait_idle()  # only returns if PostgreSQL released the dead replica's lock

    attempts = [d for d in emulator.deliveries() if d["update_id"] == slow]
    assert attempts[-1]["status"] == 200 and attempts[-1]["url"] == second.url + WEBHOOK
    chat.send("/recall")
    recalled = chat.wait_for_text("state=")["text"]
    assert "memo=before the crash count=0 slow_runs=1" in recalled
    assert [m["text"] for m in chat.bot_messages()].count("Slow step done (run 1)") == 1


def test_the_label_flow_and_address_book_across_two_processes(emulator, start_bot, postgres_url):
    first = start_bot(database_url=postgres_url)
    second = start_bot(database_url=postgres_url)
    emulator.set_targets([first.url + WEBHOOK, second.url + WEBHOOK])
    talk = Dialogue(emulator, emulator.create_user("Ann"))

    review = reach_review_by_pasting(talk)
    assert "John Smith" in review["text"] and "Jane Doe" in review["text"]
    talk.press("💾 Save sender")
    talk.say("Home")
    talk.say("/addresses")
    talk.press("Home")
    talk.press("⭐ Make default sender")
    talk.say("/new")
    recipient = talk.press("⭐ Send from “Home”")
    assert "Recipient" in recipient["text"]
    targets = {d["url"] for d in emulator.deliveries()}
    assert {first.url + WEBHOOK, second.url + WEBHOOK} <= targets
