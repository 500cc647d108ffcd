"""The webhook answer carries the update's last tidy-up call, and only once it is committed."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest
from aiogram import Bot
from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup, SendMessage
from fastapi import FastAPI
from sqlalchemy import select

from shipbot.bot.runtime.chats import ChatTurns
from shipbot.bot.runtime.processor import UpdateProcessor
from shipbot.bot.runtime.webhook_reply import ReplyInWebhookAnswer
from shipbot.bot.ui.i18n import build_i18n
from shipbot.config import WEBHOOK_PATH
from shipbot.db.database import Database
from shipbot.db.models import ProcessedUpdate
from shipbot.web import webhook
from shipbot.web.draining import Drain
from tests.support.recording_bot import TOKEN, RecordingSession

SECRET = "webhook-secret-for-the-test"


def button_update(update_id: int) -> dict:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"q{update_id}",
            "chat_instance": "c",
            "data": "menu:help",
            "from": {"id": 42, "is_bot": False, "first_name": "A"},
            "message": {
                "message_id": 3,
                "date": 0,
                "chat": {"id": 42, "type": "private"},
                "text": "menu",
            },
        },
    }


class Dispatcher:
    """Stands in for aiogram's: runs the test's handler, which records what it saw."""

    def __init__(self, handler) -> None:
        self.handler = handler
        self.calls = 0

    async def feed_update(self, bot: Bot, update) -> None:
        self.calls += 1
        await self.handler(bot, update)


class Webhook:
    def __init__(self, database: Database, handler) -> None:
        self.bot_api = RecordingSession()
        self.bot_api.middleware(ReplyInWebhookAnswer())
        self.bot = Bot(TOKEN, session=self.bot_api)
        self.dispatcher = Dispatcher(handler)
        processor = UpdateProcessor(self.dispatcher, ChatTurns(database, self.bot, build_i18n()))
        app = FastAPI()
        app.include_router(webhook.router)
        app.state.runtime = SimpleNamespace(
            settings=SimpleNamespace(require=lambda name: SECRET), bot=self.bot, processor=processor
        )
        app.state.drain = Drain()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self.client = httpx.AsyncClient(transport=transport, base_url="http://bot")

    async def deliver(self, update: dict) -> httpx.Response:
        headers = {webhook.SECRET_HEADER: SECRET}
        return await self.client.post(WEBHOOK_PATH, json=update, headers=headers)

    def sent(self, method_type) -> list:
        return [method for method in self.bot_api.sent if isinstance(method, method_type)]


@pytest.fixture
async def database(migrated_url):
    db = Database(migrated_url)
    yield db
    await db.dispose()


async def processed(database: Database) -> list[int]:
    async with database.sessions() as session:
        return list(await session.scalars(select(ProcessedUpdate.update_id)))


async def test_the_first_tidy_up_call_rides_in_the_answer_instead_of_being_sent(database):
    async def handler(bot: Bot, update) -> None:
        await bot.edit_message_reply_markup(chat_id=42, message_id=2, reply_markup=None)
        await bot.send_message(42, "next question")
        await bot.answer_callback_query(update.callback_query.id, text="done")

    hook = Webhook(database, handler)
    answer = await hook.deliver(button_update(7))

    assert answer.status_code == 200
    assert answer.json() == {
        "method": "editMessageReplyMarkup",
        "chat_id": 42,
        "message_id": 2,
    }
    assert await processed(database) == [7]
    assert hook.sent(EditMessageReplyMarkup) == []
    # Only one call fits in the answer: the others were made as the handler asked.
    assert [m.text for m in hook.sent(SendMessage)] == ["next question"]
    assert [a.text for a in hook.sent(AnswerCallbackQuery)] == ["done"]


async def test_a_crash_before_the_commit_answers_no_call_and_the_redelivery_runs_again(
    database, monkeypatch
):
    async def handler(bot: Bot, update) -> None:
        await bot.answer_callback_query(update.callback_query.id)

    hook = Webhook(database, handler)
    commit = database.commit

    async def dies(session) -> None:
        raise RuntimeError("the process died before committing")

    monkeypatch.setattr(database, "commit", dies)
    crashed = await hook.deliver(button_update(8))
    assert crashed.status_code == 500
    assert b"answerCallbackQuery" not in crashed.content
    assert await processed(database) == []

    monkeypatch.setattr(database, "commit", commit)
    redelivered = await hook.deliver(button_update(8))
    assert redelivered.json() == {"method": "answerCallbackQuery", "callback_query_id": "q8"}
    assert hook.dispatcher.calls == 2
    assert await processed(database) == [8]


async def test_a_duplicate_is_answered_with_an_empty_body(database):
    async def handler(bot: Bot, update) -> None:
        await bot.answer_callback_query(update.callback_query.id)

    hook = Webhook(database, handler)
    first = await hook.deliver(button_update(9))
    again = await hook.deliver(button_update(9))

    assert first.json()["method"] == "answerCallbackQuery"
    assert (again.status_code, again.content) == (200, b"")
    assert hook.dispatcher.calls == 1


async def test_a_failed_handlers_call_is_dropped_and_the_apology_rides_instead(database):
    async def handler(bot: Bot, update) -> None:
        await bot.edit_message_reply_markup(chat_id=42, message_id=2, reply_markup=None)
        raise RuntimeError("boom")

    hook = Webhook(database, handler)
    answer = await hook.deliver(button_update(10))

    assert answer.json() == {
        "method": "answerCallbackQuery",
        "callback_query_id": "q10",
        "text": "Something went wrong, please try again.",
    }
    assert hook.bot_api.sent == []
