"""The Bot API routes, driven by aiogram itself so that requests and parsing are the real ones."""

import time

import httpx
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from tests.sandbox.support import TOKEN, Sandbox

KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[
        [InlineKeyboardButton(text="Pay $5.00", callback_data="pay:17")],
        [InlineKeyboardButton(text="Help", url="https://example.com/help")],
    ]
)
PDF = b"%PDF-1.4\n% a sandbox label\n%%EOF\n"


def markup(message: Message) -> dict | None:
    """The message's inline keyboard as JSON (parsed objects also carry aiogram's bot context)."""
    return message.reply_markup and message.reply_markup.model_dump(exclude_none=True)


SENT_KEYBOARD = KEYBOARD.model_dump(exclude_none=True)


@pytest.fixture
def user_id(sandbox: Sandbox) -> int:
    return sandbox.emulator.create_user("Ann", username="ann_test")["id"]


async def test_get_me_is_the_sandbox_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (4242, True, "shipbot_sandbox_bot")
    assert me.first_name == "shipbot (sandbox)"


async def test_a_wrong_token_is_unauthorized(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        response = await client.post("/sandbox/botapi/bot1:wrong/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}

    api = TelegramAPIServer.from_base(f"{sandbox.url}/sandbox/botapi")
    intruder = Bot("1:wrong-token", session=AiohttpSession(api=api))
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await intruder.get_me()
    finally:
        await intruder.session.close()


async def test_an_unknown_method_is_not_found(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        response = await client.post(
            f"/sandbox/botapi/bot{TOKEN}/sendHologram", json={"chat_id": 1}
        )
    assert response.status_code == 404
    assert response.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }


async def test_send_and_edit_messages(bot: Bot, sandbox: Sandbox, user_id: int) -> None:
    sent = await bot.send_message(
        user_id, "<b>Rates</b> for <i>you</i>", parse_mode="HTML", reply_markup=KEYBOARD
    )
    assert isinstance(sent, Message)
    assert sent.text == "Rates for you"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 5),
        ("italic", 10, 3),
    ]
    assert sent.from_user.is_bot and sent.from_user.username == "shipbot_sandbox_bot"
    assert (sent.chat.id, sent.chat.type, sent.chat.username) == (user_id, "private", "ann_test")
    assert markup(sent) == SENT_KEYBOARD

    with pytest.raises(
        TelegramBadRequest, match="message is not modified: specified new message content"
    ):
        await bot.edit_message_text(
            text=sent.html_text,
            chat_id=user_id,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=KEYBOARD,
        )

    edited = await bot.edit_message_text(
        text="Paid ✅", chat_id=user_id, message_id=sent.message_id, reply_markup=KEYBOARD
    )
    assert (edited.text, markup(edited), edited.message_id) == (
        "Paid ✅",
        SENT_KEYBOARD,
        sent.message_id,
    )
    assert edited.edit_date is not None

    cleared = await bot.edit_message_reply_markup(chat_id=user_id, message_id=sent.message_id)
    assert cleared.reply_markup is None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=user_id, message_id=sent.message_id)

    [record] = sandbox.emulator.messages(user_id)
    assert (record["text"], record["edit_count"], record["reply_markup"]) == ("Paid ✅", 2, None)


async def test_editing_text_without_markup_removes_the_keyboard(bot: Bot, user_id: int) -> None:
    sent = await bot.send_message(user_id, "Choose", reply_markup=KEYBOARD)
    edited = await bot.edit_message_text(text="Chosen", chat_id=user_id, message_id=sent.message_id)
    assert edited.reply_markup is None


async def test_callback_queries_are_answered_once(bot: Bot, sandbox: Sandbox, user_id: int) -> None:
    prompt = await bot.send_message(user_id, "Pay?", reply_markup=KEYBOARD)
    update_id = sandbox.emulator.press(user_id, prompt.message_id, "pay:17")

    [update] = await bot.get_updates()
    query = update.callback_query
    assert update.update_id == update_id
    assert (query.data, query.from_user.id, query.message.message_id) == (
        "pay:17",
        user_id,
        prompt.message_id,
    )
    assert markup(query.message) == SENT_KEYBOARD and query.chat_instance

    assert await bot.answer_callback_query(query.id, text="Paid", show_alert=True) is True
    with pytest.raises(TelegramBadRequest, match="query is too old and response timeout expired"):
        await bot.answer_callback_query(query.id)
    [answer] = sandbox.emulator.callback_answers(user_id)
    assert (answer["callback_query_id"], answer["text"], answer["show_alert"]) == (
        query.id,
        "Paid",
        True,
    )


async def test_documents_are_uploaded_downloaded_and_resent(
    bot: Bot, sandbox: Sandbox, user_id: int
) -> None:
    sent = await bot.send_document(
        user_id,
        BufferedInputFile(PDF, filename="9400100000000000000000.pdf"),
        caption="<b>USPS</b> Priority Mail",
        parse_mode="HTML",
        reply_markup=KEYBOARD,
    )
    document = sent.document
    assert (document.file_name, document.mime_type, document.file_size) == (
        "9400100000000000000000.pdf",
        "application/pdf",
        len(PDF),
    )
    assert (sent.caption, sent.caption_entities[0].type) == ("USPS Priority Mail", "bold")
    assert markup(sent) == SENT_KEYBOARD
    [call] = sandbox.emulator.calls("sendDocument")
    assert call["params"]["reply_markup"].startswith("{")  # multipart carries it as a JSON string

    file = await bot.get_file(document.file_id)
    downloaded = await bot.download_file(file.file_path)
    assert downloaded.read() == PDF

    again = await bot.send_document(user_id, document.file_id)
    assert again.document.file_unique_id == document.file_unique_id
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(user_id, "no-such-file-id")


async def test_deleted_messages_cannot_be_deleted_or_edited_again(
    bot: Bot, sandbox: Sandbox, user_id: int
) -> None:
    sent = await bot.send_message(user_id, "Fetching rates…")
    assert await bot.delete_message(user_id, sent.message_id) is True
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(user_id, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=user_id, message_id=sent.message_id)
    assert sandbox.emulator.messages(user_id)[0]["deleted"] is True


@pytest.mark.parametrize(
    ("text", "options", "error"),
    [
        ("", {}, "Bad Request: message text is empty"),
        ("   \n ", {}, "Bad Request: message text is empty"),
        ("x" * 4097, {}, "Bad Request: message is too long"),
        (
            "<b>unclosed",
            {"parse_mode": "HTML"},
            "Bad Request: can't parse entities: Can't find end tag",
        ),
        (
            "Ann <3 Bob",
            {"parse_mode": "HTML"},
            'Bad Request: can\'t parse entities: Unsupported start tag "3"',
        ),
        (
            "Too much data",
            {
                "reply_markup": InlineKeyboardMarkup(
                    inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="x" * 65)]]
                )
            },
            "Bad Request: BUTTON_DATA_INVALID",
        ),
    ],
)
async def test_bad_messages_get_telegrams_errors(
    bot: Bot, user_id: int, text: str, options: dict, error: str
) -> None:
    with pytest.raises(TelegramBadRequest) as caught:
        await bot.send_message(user_id, text, **options)
    assert caught.value.message.startswith(error)


async def test_limits_and_unknown_chats(bot: Bot, user_id: int) -> None:
    longest = await bot.send_message(user_id, "я" * 4096)
    assert len(longest.text) == 4096
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(123, "hello")
    assert await bot.send_chat_action(user_id, "typing") is True


async def test_reply_keyboards_stay_on_the_chat_not_the_message(
    bot: Bot, sandbox: Sandbox, user_id: int
) -> None:
    keyboard = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Skip")]], resize_keyboard=True)
    sent = await bot.send_message(user_id, "Street line 2?", reply_markup=keyboard)
    assert sent.reply_markup is None
    assert sandbox.emulator.transcript(user_id)["reply_keyboard"]["keyboard"] == [
        [{"text": "Skip"}]
    ]
    await bot.send_message(user_id, "Saved", reply_markup=ReplyKeyboardRemove())
    assert sandbox.emulator.transcript(user_id)["reply_keyboard"] is None


async def test_webhook_settings_round_trip(bot: Bot) -> None:
    assert await bot.set_webhook(
        "http://127.0.0.1:9/webhook",
        secret_token="abc_DEF-1",
        max_connections=5,
        allowed_updates=["message"],
    )
    info = await bot.get_webhook_info()
    assert (info.url, info.max_connections, info.allowed_updates) == (
        "http://127.0.0.1:9/webhook",
        5,
        ["message"],
    )
    assert (info.has_custom_certificate, info.pending_update_count) == (False, 0)
    with pytest.raises(TelegramConflictError):
        await bot.get_updates()
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).url == ""


async def test_commands_round_trip(bot: Bot) -> None:
    assert await bot.set_my_commands(
        [
            BotCommand(command="start", description="Main menu"),
            BotCommand(command="new", description="New label"),
        ]
    )
    assert await bot.set_my_commands(
        [BotCommand(command="start", description="Меню")], language_code="ru"
    )
    assert [(c.command, c.description) for c in await bot.get_my_commands()] == [
        ("start", "Main menu"),
        ("new", "New label"),
    ]
    assert [c.description for c in await bot.get_my_commands(language_code="ru")] == ["Меню"]
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == []


async def test_json_and_query_string_requests(sandbox: Sandbox, user_id: int) -> None:
    base = f"/sandbox/botapi/bot{TOKEN}"
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        by_query = await client.get(f"{base}/getMe")
        by_json = await client.post(
            f"{base}/sendMessage",
            json={"chat_id": user_id, "text": "hi", "reply_markup": SENT_KEYBOARD},
        )
    assert by_query.json()["result"]["username"] == "shipbot_sandbox_bot"
    assert by_json.json()["ok"] is True
    assert (
        by_json.json()["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        == "pay:17"
    )


async def test_api_delay_slows_every_call(bot: Bot, sandbox: Sandbox) -> None:
    sandbox.emulator.configure(api_delay_ms=150)
    started = time.monotonic()
    await bot.get_me()
    assert time.monotonic() - started >= 0.15


async def test_html_error_methods_answer_a_proxys_error_page(
    bot: Bot, sandbox: Sandbox, user_id: int
) -> None:
    sandbox.emulator.configure(html_error_methods=["SENDMESSAGE"])
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        page = await client.post(
            f"/sandbox/botapi/bot{TOKEN}/sendMessage", json={"chat_id": user_id, "text": "hi"}
        )
    assert page.status_code == 502 and page.headers["content-type"].startswith("text/html")
    with pytest.raises(ClientDecodeError):
        await bot.send_message(user_id, "hi")
    assert (await bot.get_me()).is_bot  # other methods still answer
    assert sandbox.emulator.messages(user_id) == []
    assert [call["error"] for call in sandbox.emulator.calls("sendMessage")] == [
        "Bad Gateway: sendMessage answered with an HTML error page"
    ] * 2

    sandbox.emulator.configure(html_error_methods=[])
    assert (await bot.send_message(user_id, "hi")).text == "hi"
