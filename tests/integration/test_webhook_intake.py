"""The webhook endpoint over real HTTP: authentication (G6), parsing, duplicates (G1)."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.integration.conftest import sqlite_rows
from tests.support.sandbox_client import SECRET

WEBHOOK = "/api/telegram/webhook"


def post_update(server, body, secret: str | None = SECRET, **kwargs) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    if isinstance(body, (bytes, str)):
        return httpx.post(server.url + WEBHOOK, content=body, headers=headers, timeout=30, **kwargs)
    return httpx.post(server.url + WEBHOOK, json=body, headers=headers, timeout=30, **kwargs)


@pytest.mark.parametrize("secret", [None, "", "wrong-secret-0123456789", SECRET[:-1], SECRET + "x"])
def test_missing_or_wrong_secret_is_401_and_nothing_happens(
    emulator, start_bot, sqlite_url, secret
):
    server = start_bot()
    chat = emulator.create_user()
    sends_before = len(emulator.calls("sendMessage"))

    response = post_update(server, chat.text_message_update(1, "/start"), secret=secret)

    assert response.status_code == 401
    assert len(emulator.calls("sendMessage")) == sends_before
    assert sqlite_rows(sqlite_url, "SELECT count(*) FROM processed_updates") == [(0,)]
    assert sqlite_rows(sqlite_url, "SELECT count(*) FROM users") == [(0,)]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'{"message": {"text": "no update id"}}',
        b'{"update_id": "x"}',
        "🙂" * 10,
    ],
)
def test_malformed_body_is_400_and_nothing_happens(emulator, start_bot, sqlite_url, body):
    server = start_bot()
    sends_before = len(emulator.calls("sendMessage"))

    response = post_update(server, body)

    assert response.status_code == 400
    assert len(emulator.calls("sendMessage")) == sends_before
    assert sqlite_rows(sqlite_url, "SELECT count(*) FROM processed_updates") == [(0,)]


def test_a_valid_update_is_processed_and_recorded(emulator, start_bot, sqlite_url):
    server = start_bot()
    chat = emulator.create_user("Ann")

    response = post_update(server, chat.text_message_update(7, "/start"))

    assert response.status_code == 200
    assert "Hello, Ann!" in chat.last_bot_message()["text"]
    assert sqlite_rows(sqlite_url, "SELECT update_id, outcome FROM processed_updates") == [
        (7, "handled")
    ]
    assert sqlite_rows(sqlite_url, "SELECT id, first_name FROM users") == [(chat.user_id, "Ann")]


@pytest.mark.parametrize("concurrent", [False, True], ids=["in-a-row", "concurrently"])
def test_a_redelivered_update_takes_effect_once(emulator, start_bot, concurrent):
    start_bot()
    chat = emulator.create_user()
    chat.send("/count")
    chat.wait_for_text("Count: 1")
    emulator.wait_idle()

    emulator.inject(chat.text_message_update(5_000, "/count"), copies=2, concurrent=concurrent)
    emulator.wait_idle()
    chat.send("/recall")
    chat.wait_for_text("count=")

    texts = [message["text"] for message in chat.bot_messages()]
    assert texts.count("Count: 2") == 1
    assert "Count: 3" not in texts
    assert "count=2" in texts[-1]
    deliveries = [d for d in emulator.deliveries() if d["update_id"] == 5_000]
    assert len(deliveries) == 2 and all(d["status"] == 200 for d in deliveries)


def test_one_chats_updates_are_processed_in_arrival_order(emulator, start_bot):
    start_bot()
    chat = emulator.create_user()
    for _ in range(10):
        chat.send("/count")
    emulator.wait_idle()

    counts = [m["text"] for m in chat.bot_messages() if m["text"].startswith("Count:")]
    assert counts == [f"Count: {n}" for n in range(1, 11)]


def test_a_failing_handler_apologises_keeps_the_step_and_answers_200(
    emulator, start_bot, sqlite_url
):
    server = start_bot()
    chat = emulator.create_user()
    chat.send("/remember before")
    chat.wait_for_text("Remembered: before")
    emulator.wait_idle()

    response = post_update(server, chat.text_message_update(9_000, "/boom"))

    assert response.status_code == 200
    assert chat.last_bot_message()["text"] == "Something went wrong, please try again."
    assert sqlite_rows(
        sqlite_url, "SELECT outcome FROM processed_updates WHERE update_id = 9000"
    ) == [("failed",)]
    chat.send("/recall")
    recalled = chat.wait_for_text("state=")
    assert "state=Diagnostics:remembering memo=before" in recalled["text"]
    assert "deliberate failure for tests" in server.log()
    assert "update_id=9000" in server.log()


def test_the_apology_speaks_the_users_language(emulator, start_bot):
    server = start_bot()
    chat = emulator.create_user("Иван", language_code="ru")
    update = chat.text_message_update(9_001, "/boom")
    update["message"]["from"]["language_code"] = "ru"

    assert post_update(server, update).status_code == 200
    assert chat.last_bot_message()["text"] == "Что-то пошло не так, попробуйте ещё раз."


def test_integers_beyond_64_bits_are_400_and_nothing_happens(emulator, start_bot, sqlite_url):
    server = start_bot()
    chat = emulator.create_user("Ann")
    beyond = [
        (("update_id",), 2**70),
        (("update_id",), -(2**63) - 1),
        (("message", "chat", "id"), 10**30),
        (("message", "from", "id"), 10**30),
        (("message", "message_id"), 2**64),
        # pydantic reads a string of digits as an int as well
        (("message", "chat", "id"), "1" + "0" * 30),
    ]
    sends_before = len(emulator.calls("sendMessage"))

    statuses = [
        post_update(server, with_value(chat, path, value)).status_code for path, value in beyond
    ]

    assert statuses == [400] * len(beyond)
    assert len(emulator.calls("sendMessage")) == sends_before
    assert sqlite_rows(sqlite_url, "SELECT count(*) FROM processed_updates") == [(0,)]
    assert "Traceback" not in server.log()
    largest = with_value(chat, ("update_id",), 2**63 - 1)
    assert post_update(server, largest).status_code == 200
    assert sqlite_rows(sqlite_url, "SELECT update_id FROM processed_updates") == [(2**63 - 1,)]


def with_value(chat, path: tuple[str, ...], value) -> dict:
    update = chat.text_message_update(1, "/start")
    *parents, name = path
    holder = update
    for key in parents:
        holder = holder[key]
    holder[name] = value
    return update


def wait_for_deliveries(emulator, update_id: int, count: int, timeout: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout
    while True:
        statuses = [d["status"] for d in emulator.deliveries() if d["update_id"] == update_id]
        if len(statuses) >= count:
            return statuses
        if time.monotonic() > deadline:
            raise TimeoutError(f"update {update_id} delivered {statuses}, wanted {count} times")
        time.sleep(0.05)


def test_a_bot_api_html_error_page_leaves_the_update_for_redelivery(
    emulator, start_bot, sqlite_url
):
    server = start_bot()
    chat = emulator.create_user("Ann")
    emulator.settings(html_error_methods=["sendMessage"])

    update_id = chat.send("/start")

    assert wait_for_deliveries(emulator, update_id, 2)[:2] == [503, 503]
    assert sqlite_rows(sqlite_url, "SELECT count(*) FROM processed_updates") == [(0,)]
    assert sqlite_rows(sqlite_url, "SELECT count(*) FROM users") == [(0,)]
    assert chat.bot_messages() == []

    emulator.settings(html_error_methods=[])
    emulator.wait_idle()

    statuses = [d["status"] for d in emulator.deliveries() if d["update_id"] == update_id]
    assert statuses[-1] == 200 and set(statuses[:-1]) == {503}
    texts = [m["text"] for m in chat.bot_messages()]
    assert len(texts) == 1 and "Hello, Ann!" in texts[0]
    assert sqlite_rows(sqlite_url, "SELECT update_id, outcome FROM processed_updates") == [
        (update_id, "handled")
    ]
    assert "Traceback" not in server.log()


def test_an_apology_the_bot_api_could_not_take_is_made_on_redelivery(
    emulator, start_bot, sqlite_url
):
    start_bot()
    chat = emulator.create_user("Ann")
    emulator.settings(html_error_methods=["sendMessage"])

    update_id = chat.send("/boom")  # the handler fails, and so does its apology

    assert wait_for_deliveries(emulator, update_id, 2)[:2] == [503, 503]
    assert sqlite_rows(sqlite_url, "SELECT count(*) FROM processed_updates") == [(0,)]

    emulator.settings(html_error_methods=[])
    emulator.wait_idle()
    statuses = [d["status"] for d in emulator.deliveries() if d["update_id"] == update_id]
    assert statuses[-1] == 200 and set(statuses[:-1]) == {503}
    assert [m["text"] for m in chat.bot_messages()] == ["Something went wrong, please try again."]
    assert sqlite_rows(sqlite_url, "SELECT update_id, outcome FROM processed_updates") == [
        (update_id, "failed")
    ]


def test_messages_without_a_person_as_sender_are_recorded_and_ignored(
    emulator, start_bot, sqlite_url
):
    server = start_bot()
    chat = emulator.create_user("Ann")
    group = {"id": -100_123, "type": "supergroup", "title": "Shipping"}
    channel = {"id": -100_999, "type": "channel", "title": "News"}
    anonymous_admin = {"id": 1_087_968_824, "is_bot": True, "first_name": "Group"}
    other_bot = {"id": 4_242, "is_bot": True, "first_name": "Other bot"}

    def message(update_id: int, chat_: dict, sender: dict | None, sender_chat: dict | None):
        update = chat.text_message_update(update_id, "/start")
        update["message"]["chat"] = chat_
        del update["message"]["from"]
        if sender is not None:
            update["message"]["from"] = sender
        if sender_chat is not None:
            update["message"]["sender_chat"] = sender_chat
        return update

    private = chat.text_message_update(0, "/start")["message"]["chat"]
    updates = [
        message(8_001, group, None, channel),  # posted in the group on behalf of a channel
        message(8_002, group, anonymous_admin, group),
        message(8_003, private, other_bot, None),
    ]
    for update in updates:
        emulator.inject(update)
    emulator.wait_idle()

    deliveries = [d for d in emulator.deliveries() if 8_001 <= d["update_id"] <= 8_003]
    assert [d["status"] for d in deliveries] == [200, 200, 200]
    rows = sqlite_rows(sqlite_url, "SELECT update_id, outcome FROM processed_updates ORDER BY 1")
    assert rows == [
        (8_001, "ignored"),
        (8_002, "ignored"),
        (8_003, "ignored"),
    ]
    assert emulator.calls("sendMessage") == []
    assert sqlite_rows(sqlite_url, "SELECT count(*) FROM users") == [(0,)]
    assert "Traceback" not in server.log()
