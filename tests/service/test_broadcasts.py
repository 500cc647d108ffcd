"""Broadcasts sent by the worker to the sandbox Bot API over real HTTP, on SQLite: audiences,
Telegram's flood limits (429 with retry_after), users who blocked the bot, retries, pause /
resume / cancel, and a crashed worker's claim taken over."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import select, update

from shipbot.db.database import Database
from shipbot.db.models import (
    AuditEntry,
    Balance,
    BroadcastRecipient,
    Order,
    User,
    utcnow,
)
from shipbot.domain.broadcast import (
    Audience,
    AudienceKind,
    BroadcastError,
    Button,
    Content,
    Media,
    MediaKind,
)
from shipbot.sandbox.app import create_emulator_app
from shipbot.sandbox.emulator import BotApiEmulator
from shipbot.services import broadcasts
from shipbot.services.audit import Actor
from shipbot.services.broadcast_sender import BroadcastWorker
from tests.sandbox.support import TOKEN, serve

OWNER = Actor(account_id=1, username="olga", client_address="127.0.0.1")
EVERYONE = Audience(AudienceKind.ALL)
HELLO = Content("<b>New</b> rates &amp; more")
WAIT = 120  # bounds a broken run only: every wait below ends on the work being done


@dataclass
class Shop:
    database: Database
    emulator: BotApiEmulator
    bot: Bot

    async def add_users(self, count: int, **fields) -> list[int]:
        ids = [self.emulator.create_user(f"U{n}")["id"] for n in range(count)]
        async with self.database.transaction() as session:
            session.add_all([User(id=i, first_name="U", **fields) for i in ids])
        return ids

    def worker(self, rate: float = 200, **options) -> BroadcastWorker:
        return BroadcastWorker(self.database, self.bot, rate, **options)

    def received(self, text: str = "New rates & more") -> Counter[int]:
        return Counter(
            chat_id
            for chat_id in self.emulator.store.chats
            for message in self.emulator.messages(chat_id)
            if message["direction"] == "bot" and text in (message["text"] or message["caption"])
        )

    async def recipients(self, broadcast_id: int) -> dict[int, BroadcastRecipient]:
        async with self.database.sessions() as session:
            rows = await session.scalars(
                select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == broadcast_id)
            )
            return {row.user_id: row for row in rows}


@pytest.fixture
async def shop(migrated_url: str) -> AsyncIterator[Shop]:
    database = Database(migrated_url)
    emulator = BotApiEmulator(TOKEN, first_user_id=5000)
    async with serve(create_emulator_app(emulator)) as base:
        api = TelegramAPIServer.from_base(f"{base}/sandbox/botapi")
        bot = Bot(TOKEN, session=AiohttpSession(api=api))
        try:
            yield Shop(database, emulator, bot)
        finally:
            await bot.session.close()
            await database.dispose()


async def send_all(*workers: BroadcastWorker) -> None:
    """Run the workers until none finds anything to send."""

    async def drain(worker: BroadcastWorker) -> None:
        while await worker.run_once():
            pass

    async with asyncio.timeout(WAIT):
        await asyncio.gather(*(drain(w) for w in workers))


async def test_audiences_are_counted_before_sending(shop: Shop) -> None:
    old = utcnow() - timedelta(days=40)
    everyone = await shop.add_users(6, last_seen_at=old)
    recent, russian, rich, buyer, blocked_shop, blocked_bot = everyone
    async with shop.database.transaction() as session:
        await session.execute(update(User).where(User.id == recent).values(last_seen_at=utcnow()))
        await session.execute(
            update(User).where(User.id == russian).values(telegram_language="ru-RU")
        )
        await session.execute(update(User).where(User.id == blocked_shop).values(is_blocked=True))
        await session.execute(
            update(User).where(User.id == blocked_bot).values(blocked_bot_at=utcnow())
        )
        session.add(Balance(user_id=rich, cents=500))
        session.add(
            Order(
                id="ord1",
                user_id=buyer,
                status="purchased",
                shipment={},
                rate={},
                price_cents=900,
                quote_id="q",
                quote_expires_at=utcnow(),
            )
        )

    async def count(kind: str, days=None, language=None) -> int:
        return await broadcasts.recipient_count(shop.database, Audience.of(kind, days, language))

    assert await count("all") == 4  # not the one the shop blocked, nor who blocked the bot
    assert await count("active", days=7) == 1
    assert await count("balance") == 1
    assert await count("buyers") == 1
    assert await count("language", language="ru") == 1
    assert await count("language", language="en") == 0


def test_bad_audiences_and_content_are_refused_by_name() -> None:
    with pytest.raises(BroadcastError, match="days"):
        Audience.of("active", "0", None)
    with pytest.raises(BroadcastError, match="language"):
        Audience.of("language", None, "")
    with pytest.raises(BroadcastError, match="unknown audience"):
        Audience.of("friends", None, None)


async def test_invalid_html_or_links_start_nothing(shop: Shop) -> None:
    await shop.add_users(2)
    with pytest.raises(BroadcastError, match="Unsupported start tag"):
        await broadcasts.start(shop.database, OWNER, Content("<div>hi</div>"), EVERYONE)
    with pytest.raises(BroadcastError, match="https:// link"):
        await broadcasts.start(
            shop.database, OWNER, Content("hi", (Button("Go", "javascript:x"),)), EVERYONE
        )
    assert await broadcasts.latest(shop.database) == []


async def test_everyone_gets_it_once_and_429s_are_waited_out(shop: Shop) -> None:
    """2,000 users, the worker asked to go faster than the emulator's (scaled-down) limit."""
    users = await shop.add_users(2000)
    blocked = users[::97]
    for user in blocked:
        shop.emulator.set_blocked_bot(user, True)
    shop.emulator.configure(global_per_second=150, chat_per_second=1)
    broadcast = await broadcasts.start(shop.database, OWNER, HELLO, EVERYONE)
    assert broadcast.total == 2000

    await send_all(shop.worker(rate=200))

    limits = shop.emulator.settings()
    assert limits["rate_limited"] > 0  # the limit was met...
    assert limits["early_sends"] == 0  # ...and nothing was sent before its retry_after passed
    received = shop.received()
    assert set(received) == set(users) - set(blocked)
    assert set(received.values()) == {1}
    _, progress = await broadcasts.find(shop.database, broadcast.id)
    assert (progress.state, progress.sent, progress.blocked, progress.failed, progress.left) == (
        "done",
        len(received),
        len(blocked),
        0,
        0,
    )
    async with shop.database.sessions() as session:
        marked = set(await session.scalars(select(User.id).where(User.blocked_bot_at.is_not(None))))
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "broadcast.send")
        )
    assert marked == set(blocked)
    assert (entry.admin_username, entry.after["recipients"]) == ("olga", 2000)
    assert entry.after["text"] == HELLO.text


async def test_at_the_default_rate_telegram_never_refuses(shop: Shop) -> None:
    users = await shop.add_users(60)
    shop.emulator.configure(global_per_second=30, chat_per_second=1)
    await broadcasts.start(shop.database, OWNER, HELLO, EVERYONE)
    await send_all(shop.worker(rate=25))
    assert shop.emulator.settings()["rate_limited"] == 0
    assert set(shop.received()) == set(users)


async def drain_with_retries(worker: BroadcastWorker, broadcast_id: int) -> None:
    async with asyncio.timeout(WAIT):
        while (await broadcasts.find(worker.database, broadcast_id))[1].state == "sending":
            await worker.run_once()
            await asyncio.sleep(0.02)


async def test_a_chat_not_found_is_marked_and_skipped(shop: Shop) -> None:
    async with shop.database.transaction() as session:  # no such chat in the sandbox
        session.add(User(id=42, first_name="Gone", telegram_language="en"))
    broadcast = await broadcasts.start(shop.database, OWNER, HELLO, EVERYONE)
    await drain_with_retries(shop.worker(), broadcast.id)
    row = (await shop.recipients(broadcast.id))[42]
    assert (row.state, row.error) == ("blocked", "Bad Request: chat not found")
    async with shop.database.sessions() as session:
        assert (await session.get(User, 42)).blocked_bot_at is not None
    assert await broadcasts.failures(shop.database, broadcast.id) == [
        (42, "blocked", "Bad Request: chat not found")
    ]


async def test_other_errors_are_retried_with_backoff_then_failed_with_the_reason(
    shop: Shop,
) -> None:
    users = await shop.add_users(2)
    shop.emulator.configure(html_error_methods=["sendmessage"])
    broadcast = await broadcasts.start(shop.database, OWNER, HELLO, EVERYONE)
    await drain_with_retries(shop.worker(retry_base=timedelta(milliseconds=20)), broadcast.id)
    rows = await shop.recipients(broadcast.id)
    assert {(rows[u].state, rows[u].attempts) for u in users} == {("failed", 4)}
    assert rows[users[0]].error.startswith("ClientDecodeError")  # the proxy's HTML page
    assert len(shop.emulator.calls("sendMessage")) == 8
    _, progress = await broadcasts.find(shop.database, broadcast.id)
    assert (progress.state, progress.failed, progress.sent) == ("done", 2, 0)


async def test_a_failure_then_success_is_sent_once(shop: Shop) -> None:
    users = await shop.add_users(3)
    shop.emulator.configure(html_error_methods=["sendmessage"])
    broadcast = await broadcasts.start(shop.database, OWNER, HELLO, EVERYONE)
    worker = shop.worker(retry_base=timedelta(milliseconds=20))
    await worker.run_once()  # every send fails once
    shop.emulator.configure(html_error_methods=[])
    await drain_with_retries(worker, broadcast.id)
    rows = await shop.recipients(broadcast.id)
    assert {(rows[u].state, rows[u].attempts) for u in users} == {("sent", 2)}
    assert set(shop.received().values()) == {1}


async def test_a_photo_with_buttons_is_uploaded_once_then_sent_by_file_id(shop: Shop) -> None:
    await shop.add_users(3)
    content = Content(
        "<i>New</i> rates &amp; more",
        (Button("Open", "https://example.com/rates"),),
        Media(MediaKind.PHOTO, "rates.png", "image/png", b"\x89PNG a picture"),
    )
    await broadcasts.start(shop.database, OWNER, content, EVERYONE)
    await send_all(shop.worker())
    photos = [call for call in shop.emulator.calls("sendPhoto") if not call["error"]]
    assert len(photos) == 3
    (file_id,) = shop.emulator.store.files  # one upload...
    by_id = [call for call in photos if call["params"].get("photo") == file_id]
    assert len(by_id) == 2  # ...and the others sent the file_id Telegram gave the first
    message = next(iter(shop.emulator.store.chats.values())).messages[1]
    assert message.caption == "New rates & more"
    assert message.reply_markup == {
        "inline_keyboard": [[{"text": "Open", "url": "https://example.com/rates"}]]
    }


async def test_pause_stops_sending_resume_continues_cancel_ends(shop: Shop) -> None:
    users = await shop.add_users(5)
    broadcast = await broadcasts.start(shop.database, OWNER, HELLO, EVERYONE)
    assert await broadcasts.control(shop.database, OWNER, broadcast.id, "pause") == "paused"
    worker = shop.worker()
    assert await worker.run_once() is False
    assert shop.received() == Counter()
    with pytest.raises(BroadcastError, match="cannot pause"):
        await broadcasts.control(shop.database, OWNER, broadcast.id, "pause")

    await broadcasts.control(shop.database, OWNER, broadcast.id, "resume")
    await send_all(worker)
    assert set(shop.received()) == set(users)

    second = await broadcasts.start(shop.database, OWNER, Content("Second news"), EVERYONE)
    await broadcasts.control(shop.database, OWNER, second.id, "cancel")
    assert await worker.run_once() is False
    assert shop.received("Second news") == Counter()
    _, progress = await broadcasts.find(shop.database, second.id)
    assert (progress.state, progress.left) == ("cancelled", 5)
    async with shop.database.sessions() as session:
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == [
        "broadcast.send",
        "broadcast.pause",
        "broadcast.resume",
        "broadcast.send",
        "broadcast.cancel",
    ]


async def test_a_dead_workers_claim_is_taken_over_when_it_expires(shop: Shop) -> None:
    users = await shop.add_users(10)
    broadcast = await broadcasts.start(shop.database, OWNER, HELLO, EVERYONE)
    dead = shop.worker(rate=5)
    claim = await dead._claim(broadcast.id)  # it claims a batch, then dies before sending
    assert len(claim.recipients) == 5
    alive = shop.worker()
    await send_all(alive)
    assert set(shop.received()) == set(users) - {user for _, user, _ in claim.recipients}

    async with shop.database.transaction() as session:  # the dead claim's lease runs out
        await session.execute(
            update(BroadcastRecipient)
            .where(BroadcastRecipient.claimed_by == dead.name)
            .values(claimed_until=utcnow() - timedelta(seconds=1))
        )
    await send_all(alive)
    received = shop.received()
    assert set(received) == set(users) and set(received.values()) == {1}
    assert (await broadcasts.find(shop.database, broadcast.id))[1].state == "done"
