"""G4: one reply per input, one live keyboard, stale buttons answered and ignored."""

from __future__ import annotations

from tests.integration.conftest import sqlite_rows

STALE = "This button is no longer active"


def test_each_input_gets_one_reply_and_one_live_keyboard(emulator, start_bot):
    start_bot()
    chat = emulator.create_user("Ann")
    for text in ("/start", "hello there", "/help", "🙂 <b>html</b> שלום", "/cancel", "x" * 4096):
        before = len(chat.bot_messages())
        chat.send(text)
        emulator.wait_idle()
        assert len(chat.bot_messages()) == before + 1, text
        assert len(chat.live_keyboards()) == 1, text


def test_buttons_of_the_live_prompt_edit_it_in_place(emulator, start_bot):
    start_bot()
    chat = emulator.create_user("Ann")
    chat.send("/start")
    menu = chat.wait_for_text("Hello, Ann!")

    chat.press("❓ Help")
    emulator.wait_idle()
    assert len(chat.bot_messages()) == 1
    assert "How it works" in chat.last_bot_message()["text"]
    chat.press("⬅️ Back to menu")
    emulator.wait_idle()
    assert chat.last_bot_message()["message_id"] == menu["message_id"]
    assert "Hello, Ann!" in chat.last_bot_message()["text"]
    assert all(answer.get("text") in (None, "") for answer in chat.callback_answers())


def test_a_button_from_an_old_message_is_answered_and_changes_nothing(
    emulator, start_bot, sqlite_url
):
    start_bot()
    chat = emulator.create_user("Ann")
    chat.send("/start")
    old_menu = chat.wait_for_text("Hello, Ann!")
    chat.send("/help")
    emulator.wait_idle()
    assert (
        chat.messages()[-1]["text"].startswith("<b>How it works")
        or "How it works" in chat.last_bot_message()["text"]
    )
    # The old menu lost its keyboard; a client that still shows it can press it anyway.
    retired = next(m for m in chat.bot_messages() if m["message_id"] == old_menu["message_id"])
    assert not (retired.get("reply_markup") or {}).get("inline_keyboard")
    state_before = sqlite_rows(sqlite_url, "SELECT state, data FROM fsm_states")
    transcript_before = chat.messages()

    chat.press("🌐 Language", message=old_menu)
    emulator.wait_idle()

    assert chat.callback_answers()[-1]["text"] == STALE
    assert chat.messages() == transcript_before
    assert sqlite_rows(sqlite_url, "SELECT state, data FROM fsm_states") == state_before


def test_language_switch_changes_every_text(emulator, start_bot):
    start_bot()
    chat = emulator.create_user("Ann", language_code="en")
    chat.send("/start")
    chat.wait_for_text("Hello, Ann!")
    chat.press("🌐 Language")
    emulator.wait_idle()
    chat.press("Русский")
    emulator.wait_idle()
    assert "Здравствуйте, Ann!" in chat.last_bot_message()["text"]
    chat.send("/help")
    assert "Как это работает" in chat.wait_for_text("Команды")["text"]


def test_russian_telegram_users_are_greeted_in_russian(emulator, start_bot):
    start_bot()
    chat = emulator.create_user("Иван", language_code="ru")
    chat.send("/start")
    message = chat.wait_for_text("Здравствуйте, Иван!")
    buttons = [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == [
        "📦 Новая этикетка",
        "📋 Мои заказы",
        "💰 Баланс ($0.00)",
        "📒 Адресная книга",
        "↩️ Возвраты",
        "❓ Помощь",
        "🌐 Язык",
    ]
