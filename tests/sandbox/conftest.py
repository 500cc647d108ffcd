"""Fixtures for the sandbox tests: the emulator, its HTTP app, real webhook receivers, aiogram."""

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from shipbot.sandbox.app import create_emulator_app
from shipbot.sandbox.emulator import BotApiEmulator
from tests.sandbox.support import TOKEN, Receiver, Sandbox, running_receiver, serve


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as running:
        yield running


@pytest.fixture
async def second_receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as running:
        yield running


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """An emulator driven in-process, with fast retries."""
    emulator = BotApiEmulator(TOKEN, retry_backoff_s=0.02, first_update_id=1000, first_user_id=5000)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.close()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """The standalone emulator app served over real HTTP."""
    emulator = BotApiEmulator(TOKEN, retry_backoff_s=0.02, first_update_id=1000, first_user_id=5000)
    async with serve(create_emulator_app(emulator)) as base:
        yield Sandbox(emulator, base)


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[Bot]:
    api = TelegramAPIServer.from_base(f"{sandbox.url}/sandbox/botapi")
    bot = Bot(TOKEN, session=AiohttpSession(api=api))
    try:
        yield bot
    finally:
        await bot.session.close()
