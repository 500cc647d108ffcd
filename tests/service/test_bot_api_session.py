"""Bot API calls go as one JSON body unless they upload a file."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web
from aiohttp.test_utils import TestServer

from shipbot.bot.runtime.bot_api_session import JsonBodySession
from tests.support.recording_bot import TOKEN

MESSAGE = {"message_id": 5, "date": 0, "chat": {"id": 42, "type": "private"}, "text": "hi"}


async def test_a_call_without_a_file_is_json_and_an_upload_is_a_form():
    received: list[tuple[str, dict]] = []

    async def bot_api(request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            received.append((request.content_type, await request.json()))
        else:
            form = await request.post()
            fields = {
                name: value.file.read() if isinstance(value, web.FileField) else value
                for name, value in form.items()
            }
            received.append((request.content_type, fields))
        return web.json_response({"ok": True, "result": MESSAGE})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", bot_api)
    async with TestServer(app) as server:
        session = JsonBodySession(api=TelegramAPIServer.from_base(str(server.make_url(""))))
        bot = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="go")]]
        )
        try:
            sent = await bot.send_message(42, "hi", reply_markup=keyboard)
            await bot.send_document(42, BufferedInputFile(b"%PDF", filename="label.pdf"))
        finally:
            await session.close()

    assert sent.message_id == 5
    (json_type, params), (form_type, form) = received
    assert json_type == "application/json"
    assert params == {
        "chat_id": 42,
        "text": "hi",
        "parse_mode": "HTML",
        "reply_markup": {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]},
    }
    assert form_type == "multipart/form-data"
    attached = form["document"].removeprefix("attach://")
    assert form[attached] == b"%PDF"
    assert form["chat_id"] == "42"
