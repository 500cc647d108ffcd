"""How a purchase job tells the user (G1, G4): in a turn of the chat, after any update of the
chat in flight has committed; on the progress message only while it is still the live prompt;
and what was told is recorded by the same commit."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import EditMessageText, SendDocument, SendMessage

from shipbot.bot.purchases import PurchaseJobs
from shipbot.bot.runtime.chats import ChatTurns
from shipbot.bot.ui.i18n import build_i18n
from shipbot.db.models import ActivePrompt, Order
from shipbot.providers.carriers.sandbox import SandboxCarrier
from shipbot.services import purchase
from shipbot.services.label_files import LabelFiles
from tests.service.test_purchase import prepare
from tests.support.recording_bot import TOKEN, RecordingSession
from tests.support.shop import SHOP

CHAT = 1  # the user's private chat: its id is the user's
PROGRESS = 70  # the "buying your label" message
BOT_ID = int(TOKEN.split(":")[0])


class RefusingSession(RecordingSession):
    async def make_request(self, bot, method, timeout=None):
        self.sent.append(method)
        raise TelegramBadRequest(method, "Bad Request: chat not found")


@pytest.fixture
async def purchasing(tmp_path):
    """A paid order in `purchasing`, a live prompt, and the jobs that finish it."""
    carrier = SandboxCarrier()
    database, order_id, _ = await prepare(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", 100_00, carrier
    )
    assert (await purchase.start_purchase(database, 1, order_id)).started

    def jobs(session: RecordingSession) -> PurchaseJobs:
        bot = Bot(TOKEN, session=session)
        return PurchaseJobs(
            ChatTurns(database, bot, build_i18n()),
            carrier,
            LabelFiles(tmp_path / "labels"),
            admin_chat_id=None,
            shop_defaults=SHOP,
        )

    async with database.transaction() as session:
        session.add(ActivePrompt(bot_id=BOT_ID, chat_id=CHAT, message_id=PROGRESS))
    yield database, order_id, jobs
    await database.dispose()


async def finish(jobs: PurchaseJobs) -> None:
    await asyncio.wait(list(jobs.running))


async def told_at(database, order_id):
    async with database.transaction() as session:
        return (await session.get(Order, order_id)).told_at


async def live_prompt(database) -> int:
    async with database.transaction() as session:
        return (await session.get(ActivePrompt, (BOT_ID, CHAT))).message_id


async def test_the_result_replaces_the_progress_message_while_it_is_the_live_prompt(purchasing):
    database, order_id, make_jobs = purchasing
    telegram = RecordingSession()
    jobs = make_jobs(telegram)
    jobs.start(order_id, CHAT, PROGRESS)
    await finish(jobs)
    edit, document = telegram.sent
    assert isinstance(edit, EditMessageText) and edit.message_id == PROGRESS
    assert "bought" in edit.text
    assert isinstance(document, SendDocument)
    assert await told_at(database, order_id) is not None


async def test_after_the_user_moved_on_the_result_comes_as_a_new_message(purchasing):
    database, order_id, make_jobs = purchasing
    async with database.transaction() as session:
        (await session.get(ActivePrompt, (BOT_ID, CHAT))).message_id = 99
    telegram = RecordingSession()
    jobs = make_jobs(telegram)
    jobs.start(order_id, CHAT, PROGRESS)
    await finish(jobs)
    assert [type(method) for method in telegram.sent] == [SendMessage, SendDocument]
    assert await live_prompt(database) == 99  # the screen the user is on stays live
    assert await told_at(database, order_id) is not None


async def test_the_result_waits_for_the_update_of_the_chat_in_flight(purchasing):
    database, order_id, make_jobs = purchasing
    telegram = RecordingSession()
    jobs = make_jobs(telegram)
    async with jobs.chats.locks.hold(CHAT):  # an update of the chat is being handled
        jobs.start(order_id, CHAT, PROGRESS)
        # Ample time for the job to buy the label and, were it not waiting, to tell the user.
        await asyncio.sleep(1)
        assert telegram.sent == []
        async with database.transaction() as session:
            assert (await session.get(Order, order_id)).status == "purchased"
    await finish(jobs)
    assert len(telegram.sent) == 2


async def test_a_result_telegram_refused_stays_owed(purchasing):
    database, order_id, make_jobs = purchasing
    telegram = RefusingSession()
    jobs = make_jobs(telegram)
    jobs.start(order_id, CHAT, PROGRESS)
    await finish(jobs)
    assert telegram.sent  # it tried
    assert await told_at(database, order_id) is None  # so the reconciler tells them later
