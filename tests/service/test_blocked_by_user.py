"""A 403 "bot was blocked by the user" on any send marks the user (shown in the panel), the
error still reaching the caller; other refusals and other chats mark no one; the user's next
message clears the mark."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import SendDocument, SendMessage
from aiogram.types import User as TelegramUser

from shipbot.bot.blocked_by_user import BlockedByUser
from shipbot.db.database import Database
from shipbot.db.models import User, utcnow
from shipbot.services.users import register_user

USER = 4242
BOT = Bot("123456789:TESTtestTESTtestTESTtestTESTtestTES")


@pytest.fixture
async def database(migrated_url):
    db = Database(migrated_url)
    async with db.transaction() as session:
        session.add(User(id=USER, first_name="Ann", is_blocked=False, created_at=utcnow()))
    yield db
    await db.dispose()


def refusing(error_class, text: str):
    async def make_request(bot, method):
        raise error_class(method=method, message=text)

    return make_request


async def blocked_bot_at(database: Database):
    async with database.transaction() as session:
        return (await session.get(User, USER)).blocked_bot_at


@pytest.mark.parametrize(
    "method",
    [SendMessage(chat_id=USER, text="hi"), SendDocument(chat_id=USER, document="file-id")],
)
async def test_any_send_refused_as_blocked_marks_the_user_and_still_fails(database, method):
    middleware = BlockedByUser(database)
    refused = refusing(TelegramForbiddenError, "Forbidden: bot was blocked by the user")
    with pytest.raises(TelegramForbiddenError):
        await middleware(refused, BOT, method)
    assert await blocked_bot_at(database) is not None


@pytest.mark.parametrize(
    ("error_class", "text", "chat_id"),
    [
        (TelegramForbiddenError, "Forbidden: bot was kicked from the group chat", USER),
        (TelegramBadRequest, "Bad Request: chat not found", USER),
        (TelegramForbiddenError, "Forbidden: bot was blocked by the user", -100123),
    ],
)
async def test_other_refusals_mark_no_one(database, error_class, text, chat_id):
    with pytest.raises(error_class):
        await BlockedByUser(database)(
            refusing(error_class, text), BOT, SendMessage(chat_id=chat_id, text="hi")
        )
    assert await blocked_bot_at(database) is None


async def test_writing_again_clears_the_mark(database):
    with pytest.raises(TelegramForbiddenError):
        await BlockedByUser(database)(
            refusing(TelegramForbiddenError, "Forbidden: bot was blocked by the user"),
            BOT,
            SendMessage(chat_id=USER, text="hi"),
        )
    async with database.transaction() as session:
        known = await session.get(User, USER)
        register_user(session, TelegramUser(id=USER, is_bot=False, first_name="Ann"), known)
    assert await blocked_bot_at(database) is None
