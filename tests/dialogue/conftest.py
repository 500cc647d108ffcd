"""Conversations with the real app in-process (tests/support/inprocess.py): one event loop
runs the bot, the Bot API emulator and the webhook; the test drives the emulator directly."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from tests.support.inprocess import (
    Emulator,
    RunningBot,
    SqliteFile,
    migrated_template,
    new_emulator,
    running_bot,
)

StartBot = Callable[..., Awaitable[RunningBot]]


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def db(tmp_path: Path, template_database: Path) -> SqliteFile:
    database = SqliteFile(tmp_path / "shipbot.db")
    database.copy_from(template_database)
    return database


@pytest.fixture
def labels(tmp_path: Path) -> Path:
    return tmp_path / "labels"


@pytest.fixture
def emulator() -> Emulator:
    return new_emulator()


@pytest.fixture
async def start_bot(
    emulator: Emulator, db: SqliteFile, labels: Path, request: pytest.FixtureRequest
) -> AsyncIterator[StartBot]:
    """`await start_bot(**env)`: the app with these settings over the tests' defaults, served
    until the test ends; env names are the environment's (ADMIN_CHAT_ID, MARKUP_PERCENT)."""
    async with AsyncExitStack() as stack:
        started: list[RunningBot] = []

        async def start(**env: str) -> RunningBot:
            assert not started, "one app per emulator: restarts are tests/integration's"
            bot = await stack.enter_async_context(running_bot(emulator, db, labels, **env))
            started.append(bot)
            return bot

        yield start
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            for bot in started:
                print(f"----- app log -----\n{bot.log()[-20000:]}")


@pytest.fixture
async def bot(start_bot: StartBot) -> RunningBot:
    """The app with the tests' default settings."""
    return await start_bot()
