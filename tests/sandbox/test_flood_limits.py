"""Telegram's flood limits and "bot was blocked by the user", as the emulator answers them,
read through aiogram so that the envelope is the one the real client parses."""

import httpx
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import BufferedInputFile

from shipbot.sandbox.limits import FloodLimits
from tests.sandbox.support import TOKEN, Sandbox

PNG = b"\x89PNG\r\n\x1a\n a sandbox picture"


def test_the_global_limit_counts_every_chat_within_one_second() -> None:
    limits = FloodLimits(global_per_second=3)
    assert [limits.check(chat, now=10.0 + chat / 100) for chat in range(3)] == [None] * 3
    assert limits.check(99, now=10.5) == 1
    assert limits.check(99, now=11.01) is None  # the first send left the window
    assert limits.rate_limited == 1


def test_the_chat_limit_leaves_other_chats_alone() -> None:
    limits = FloodLimits(chat_per_second=1)
    assert limits.check(1, now=5.0) is None
    assert limits.check(1, now=5.2) == 1
    assert limits.check(2, now=5.2) is None


def test_a_send_before_retry_after_has_passed_is_counted_as_early() -> None:
    limits = FloodLimits(chat_per_second=1)
    limits.check(1, now=5.0)
    retry_after = limits.check(1, now=5.5)
    assert retry_after == 1
    limits.check(1, now=6.2)  # 0.7 s after the 429, before its retry_after
    limits.check(1, now=6.6)  # waited the whole second: no longer early
    assert limits.early_sends == 1


def test_the_retry_after_is_whole_seconds_until_the_window_has_room() -> None:
    limits = FloodLimits(global_per_second=2)
    limits.check(1, now=0.0)
    limits.check(2, now=0.1)
    assert limits.check(3, now=0.95) == 1


async def test_over_the_chat_limit_telegram_answers_429_with_retry_after(sandbox: Sandbox) -> None:
    sandbox.emulator.configure(chat_per_second=1)
    user = sandbox.emulator.create_user("Ann")["id"]
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        first = await client.post(
            f"/sandbox/botapi/bot{TOKEN}/sendMessage", json={"chat_id": user, "text": "one"}
        )
        second = await client.post(
            f"/sandbox/botapi/bot{TOKEN}/sendMessage", json={"chat_id": user, "text": "two"}
        )
    assert first.status_code == 200
    assert second.status_code == 429
    assert second.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert [m["text"] for m in sandbox.emulator.messages(user)] == ["one"]
    assert sandbox.emulator.settings()["rate_limited"] == 1


async def test_aiogram_reads_the_429_as_retry_after(sandbox: Sandbox, bot: Bot) -> None:
    sandbox.emulator.configure(global_per_second=2)
    users = [sandbox.emulator.create_user(f"U{n}")["id"] for n in range(3)]
    await bot.send_message(users[0], "a")
    await bot.send_message(users[1], "b")
    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_message(users[2], "c")
    assert refused.value.retry_after == 1


async def test_limits_are_off_by_default_and_can_be_turned_off(sandbox: Sandbox, bot: Bot) -> None:
    user = sandbox.emulator.create_user("Ann")["id"]
    for n in range(5):
        await bot.send_message(user, f"quick {n}")
    sandbox.emulator.configure(chat_per_second=1)
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(user, "too quick")
    sandbox.emulator.configure(unlimited=True)
    await bot.send_message(user, "fine again")
    assert sandbox.emulator.settings()["chat_per_second"] is None


async def test_a_user_who_blocked_the_bot_answers_403(sandbox: Sandbox, bot: Bot) -> None:
    user = sandbox.emulator.create_user("Ann")["id"]
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        marked = await client.post(f"/sandbox/api/users/{user}/blocked-bot", json={"blocked": True})
        assert marked.status_code == 200 and marked.json()["blocked_bot"] is True
        refused = await client.post(
            f"/sandbox/botapi/bot{TOKEN}/sendMessage", json={"chat_id": user, "text": "hi"}
        )
    assert refused.status_code == 403
    assert refused.json()["description"] == "Forbidden: bot was blocked by the user"
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_photo(user, BufferedInputFile(PNG, "p.png"))
    assert sandbox.emulator.messages(user) == []


async def test_writing_to_the_bot_again_unblocks_it(sandbox: Sandbox, bot: Bot) -> None:
    user = sandbox.emulator.create_user("Ann")["id"]
    sandbox.emulator.set_blocked_bot(user, True)
    sandbox.emulator.send_text(user, "/start")
    await bot.send_message(user, "welcome back")
    assert sandbox.emulator.messages(user)[-1]["text"] == "welcome back"


async def test_blocking_an_unknown_user_is_404(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        response = await client.post("/sandbox/api/users/1/blocked-bot", json={"blocked": True})
    assert response.status_code == 404


async def test_send_photo_keeps_the_picture_and_its_caption(sandbox: Sandbox, bot: Bot) -> None:
    user = sandbox.emulator.create_user("Ann")["id"]
    sent = await bot.send_photo(
        user, BufferedInputFile(PNG, "p.png"), caption="<b>New</b> rates", parse_mode="HTML"
    )
    assert sent.caption == "New rates"
    assert sent.caption_entities[0].type == "bold"
    again = await bot.send_photo(user, sent.photo[-1].file_id)
    assert again.photo[-1].file_id == sent.photo[-1].file_id
    view = sandbox.emulator.messages(user)[0]["photo"]
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        assert (await client.get(view["url"])).content == PNG
