"""G4: one reply per input, one live keyboard, stale buttons answered and ignored."""

from __future__ import annotations

from tests.support.dialogue import button_texts
from tests.support.inprocess import STALE


async def test_each_input_gets_one_reply_and_one_live_keyboard(emulator, bot):
    chat = emulator.create_user("Ann")
    for text in ("/start", "hello there", "/help", "🙂 <b>html</b> שלום", "/cancel", "x" * 4096):
        before = len(chat.bot_messages())
        chat.send(text)
        await emulator.wait_idle()
        assert len(chat.bot_messages()) == before + 1, text
        assert len(chat.live_keyboards()) == 1, text


async def test_buttons_of_the_live_prompt_edit_it_in_place(emulator, bot):
    chat = emulator.create_user("Ann")
    chat.send("/start")
    menu = await chat.wait_for_text("Hello, Ann!")

    chat.press("❓ Help")
    await emulator.wait_idle()
    assert len(chat.bot_messages()) == 1
    assert "How it works" in chat.last_bot_message()["text"]
    chat.press("⬅️ Back to menu")
    await emulator.wait_idle()
    assert chat.last_bot_message()["message_id"] == menu["message_id"]
    assert "Hello, Ann!" in chat.last_bot_message()["text"]
    assert all(answer.get("text") in (None, "") for answer in chat.callback_answers())


async def test_a_button_from_an_old_message_is_answered_and_changes_nothing(emulator, bot, db):
    chat = emulator.create_user("Ann")
    chat.send("/start")
    old_menu = await chat.wait_for_text("Hello, Ann!")
    chat.send("/help")
    await emulator.wait_idle()
    assert (
        chat.messages()[-1]["text"].startswith("<b>How it works")
        or "How it works" in chat.last_bot_message()["text"]
    )
    # The old menu lost its keyboard; a client that still shows it can press it anyway.
    retired = next(m for m in chat.bot_messages() if m["message_id"] == old_menu["message_id"])
    assert not (retired.get("reply_markup") or {}).get("inline_keyboard")
    state_before = await db.rows("SELECT state, data FROM fsm_states")
    transcript_before = chat.messages()

    chat.press("🌐 Language", message=old_menu)
    await emulator.wait_idle()

    assert chat.callback_answers()[-1]["text"] == STALE
    assert chat.messages() == transcript_before
    assert await db.rows("SELECT state, data FROM fsm_states") == state_before


async def test_language_switch_changes_every_text(emulator, bot):
    chat = emulator.create_user("Ann", language_code="en")
    chat.send("/start")
    await chat.wait_for_text("Hello, Ann!")
    chat.press("🌐 Language")
    await emulator.wait_idle()
    chat.press("Русский")
    await emulator.wait_idle()
    assert "Здравствуйте, Ann!" in chat.last_bot_message()["text"]
    chat.send("/help")
    assert "Как это работает" in (await chat.wait_for_text("Команды"))["text"]


async def test_russian_telegram_users_are_greeted_in_russian(emulator, bot):
    chat = emulator.create_user("Иван", language_code="ru")
    chat.send("/start")
    message = await chat.wait_for_text("Здравствуйте, Иван!")
    assert button_texts(message) == [
        "📦 Новая этикетка",
        "📋 Мои заказы",
        "💰 Баланс ($0.00)",
        "📒 Адресная книга",
        "↩️ Возвраты",
        "❓ Помощь",
        "🌐 Язык",
    ]
