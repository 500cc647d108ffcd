"""The update processor against a real SQLite database, with a stand-in dispatcher and Bot API."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import Update
from sqlalchemy import select

from shipbot.bot.runtime.chats import ChatTurns
from shipbot.bot.runtime.processor import Outcome, RetryLater, UpdateProcessor
from shipbot.bot.runtime.scope import current_scope
from shipbot.bot.ui.i18n import build_i18n
from shipbot.db.database import Database
from shipbot.db.models import ProcessedUpdate, User
from tests.support.recording_bot import TOKEN, RecordingSession


class ScriptedDispatcher:
    """Stands in for aiogram's dispatcher: stages a write, then does what the test says."""

    def __init__(self, then=None) -> None:
        self.then = then
        self.calls = 0

    async def feed_update(self, bot: Bot, update: Update) -> None:
        self.calls += 1
        scope = current_scope()
        scope.session.add(User(id=update.update_id, first_name="staged", is_blocked=False))
        if self.then is not None:
            await self.then(bot, update)


def text_update(update_id: int, chat_id: int = 42) -> Update:
    return Update.model_validate(
        {
            "update_id": update_id,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "A", "language_code": "ru"},
                "text": "hi",
            },
        }
    )


@pytest.fixture
async def database(migrated_url):
    db = Database(migrated_url)
    yield db
    await db.dispose()


def make_processor(database: Database, dispatcher: ScriptedDispatcher):
    session = RecordingSession()
    bot = Bot(TOKEN, session=session)
    return UpdateProcessor(dispatcher, ChatTurns(database, bot, build_i18n())), session


async def rows(database: Database, model) -> list:
    async with database.sessions() as session:
        return list(await session.scalars(select(model)))


async def test_a_handled_update_commits_its_writes_with_the_dedup_record(database):
    processor, _ = make_processor(database, ScriptedDispatcher())
    assert await processor.process(text_update(1)) is Outcome.HANDLED
    assert [(r.update_id, r.outcome) for r in await rows(database, ProcessedUpdate)] == [
        (1, "handled")
    ]
    assert [u.id for u in await rows(database, User)] == [1]


async def test_a_redelivery_is_dropped_without_running_handlers(database):
    dispatcher = ScriptedDispatcher()
    processor, _ = make_processor(database, dispatcher)
    await processor.process(text_update(1))
    assert await processor.process(text_update(1)) is Outcome.DUPLICATE
    assert dispatcher.calls == 1


async def test_a_failing_handler_rolls_back_apologises_and_is_done(database):
    async def fail(bot, update):
        raise RuntimeError("boom")

    processor, bot_api = make_processor(database, ScriptedDispatcher(then=fail))
    assert await processor.process(text_update(1)) is Outcome.FAILED
    assert await rows(database, User) == []  # the staged write was rolled back
    assert [(r.update_id, r.outcome) for r in await rows(database, ProcessedUpdate)] == [
        (1, "failed")
    ]
    # Told in the language Telegram reports, although the failure came before any handler.
    assert [m.text for m in bot_api.sent if isinstance(m, SendMessage)] == [
        "Что-то пошло не так, попробуйте ещё раз."
    ]


async def test_an_unreachable_bot_api_leaves_the_update_for_redelivery(database):
    async def network_down(bot, update):
        raise TelegramNetworkError(method=SendMessage(chat_id=42, text="x"), message="timeout")

    dispatcher = ScriptedDispatcher(then=network_down)
    processor, bot_api = make_processor(database, dispatcher)
    with pytest.raises(RetryLater):
        await processor.process(text_update(1))
    assert await rows(database, ProcessedUpdate) == []
    assert await rows(database, User) == []
    assert bot_api.sent == []

    dispatcher.then = None  # Telegram redelivers once the Bot API answers again
    assert await processor.process(text_update(1)) is Outcome.HANDLED


async def test_a_failing_button_is_answered_with_the_apology(database):
    async def fail(bot, update):
        raise RuntimeError("boom")

    processor, bot_api = make_processor(database, ScriptedDispatcher(then=fail))
    update = Update.model_validate(
        {
            "update_id": 5,
            "callback_query": {
                "id": "q1",
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
    )
    assert await processor.process(update) is Outcome.FAILED
    answers = [m for m in bot_api.sent if isinstance(m, AnswerCallbackQuery)]
    assert [a.text for a in answers] == ["Something went wrong, please try again."]


async def test_every_replica_counts_its_duplicates_on_the_updates_record(database):
    first, _ = make_processor(database, ScriptedDispatcher())
    second, _ = make_processor(database, ScriptedDispatcher())
    await first.process(text_update(1))
    assert await second.process(text_update(1)) is Outcome.DUPLICATE
    assert await first.process(text_update(1)) is Outcome.DUPLICATE
    [record] = await rows(database, ProcessedUpdate)
    assert (record.outcome, record.duplicates) == ("handled", 2)
