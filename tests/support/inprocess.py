"""The whole sandbox in the test's own event loop: `create_sandbox_app` (the bot, the Bot API
emulator and the webhook in one ASGI app) served by uvicorn on a free 127.0.0.1 port, and
chats driven through the emulator object itself instead of its control API.

Both directions are real HTTP on loopback, as in `shipbot sandbox`: the bot's aiogram session
calls the emulator's Bot API, and the emulator POSTs every update to the bot's webhook. Only
the processes are gone, so the tests for kills, restarts and replicas stay in
tests/integration/.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import socket
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI

import shipbot.sandbox.run as sandbox_run
from shipbot.config import Settings, load_settings
from shipbot.db import migrate
from shipbot.db.database import Database
from shipbot.logs import TextFormatter
from shipbot.sandbox.admin_login import FILE_NAME as ADMIN_PASSWORD_FILE
from shipbot.sandbox.admin_login import password_file, sandbox_admin_password
from shipbot.sandbox.emulator import BotApiEmulator
from tests.support.dialogue import LiveKeyboard
from tests.support.payments import SANDBOX_KEY
from tests.support.sandbox_client import ADMIN_TOKEN, SECRET, TOKEN
from tests.support.tasks import settle

T = TypeVar("T")
# Generous: every wait ends on an event; the timeout only bounds a broken run.
WAIT = 60
WEBHOOK = "/api/telegram/webhook"
STALE = "This button is no longer active"


# -- the database ------------------------------------------------------------------------------


def migrated_template(directory: Path) -> Path:
    """A database at the migration head with the sandbox's admin account, made once per session
    and copied for each test: start-up then finds nothing to migrate and nothing to hash."""
    path = directory / "template.db"

    async def prepare() -> None:
        database = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await migrate.upgrade(database)
            await sandbox_admin_password(database)
        finally:
            await database.dispose()

    asyncio.run(prepare())
    return path


@dataclass
class SqliteFile:
    """The test's own database file, read and written as the old tests did, with sqlite3 — but
    in a thread, so a write waiting for the app's lock never blocks the loop the app runs on."""

    path: Path

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def copy_from(self, template: Path) -> None:
        shutil.copyfile(template, self.path)
        password = ADMIN_PASSWORD_FILE
        shutil.copyfile(template.with_name(password), self.path.with_name(password))

    def rows_now(self, query: str, params: tuple = ()) -> list[tuple]:
        with contextlib.closing(sqlite3.connect(self.path, timeout=30)) as connection, connection:
            return connection.execute(query, params).fetchall()

    async def rows(self, query: str, params: tuple = ()) -> list[tuple]:
        return await asyncio.to_thread(self.rows_now, query, params)


# -- chats ---------------------------------------------------------------------------------------


@dataclass
class Chat:
    """One test user's chat, read from and acted in through the emulator object."""

    emulator: Emulator
    user: dict

    @property
    def user_id(self) -> int:
        return self.user["id"]

    def send(self, text: str) -> int:
        return self.emulator.raw.send_text(self.user_id, text)

    def messages(self) -> list[dict]:
        return self.emulator.raw.messages(self.user_id)

    def bot_messages(self) -> list[dict]:
        return [m for m in self.messages() if m["direction"] == "bot" and not m.get("deleted")]

    def last_bot_message(self) -> dict:
        return self.bot_messages()[-1]

    def live_keyboards(self) -> list[dict]:
        return [
            m for m in self.bot_messages() if (m.get("reply_markup") or {}).get("inline_keyboard")
        ]

    def documents(self) -> list[dict]:
        return [m for m in self.bot_messages() if m.get("document")]

    def callback_answers(self) -> list[dict]:
        return self.emulator.raw.callback_answers(self.user_id)

    def press(self, button_text: str, message: dict | None = None) -> int:
        message = message or self.last_bot_message()
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if button["text"] == button_text:
                    return self.press_data(message, button["callback_data"])
        raise AssertionError(f"no button {button_text!r} on {message}")

    def press_data(self, message: dict, callback_data: str) -> int:
        """A press with any callback data on a real message, as a modified client can send."""
        return self.emulator.raw.press(self.user_id, message["message_id"], callback_data)

    async def wait_for(self, found: Callable[[], T], timeout: float = WAIT) -> T:
        try:
            return await self.emulator.raw.wait_for(found, timeout)
        except TimeoutError:
            raise TimeoutError(f"not found in time: {self.bot_messages()}") from None

    async def wait_for_text(self, fragment: str, timeout: float = WAIT) -> dict:
        def newest_with_fragment() -> dict | None:
            return next(
                (m for m in reversed(self.bot_messages()) if fragment in (m.get("text") or "")),
                None,
            )

        return await self.wait_for(newest_with_fragment, timeout)

    async def wait_for_document(self, timeout: float = WAIT) -> dict:
        """The label comes from a background job, after the Pay update was answered."""
        return await self.wait_for(lambda: next(iter(self.documents()), None), timeout)

    def text_message_update(self, update_id: int, text: str) -> dict:
        """A raw update as Telegram would send it, for injecting redeliveries."""
        entities = (
            [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
            if text.startswith("/")
            else None
        )
        message = {
            "message_id": 10_000 + update_id,
            "date": int(time.time()),
            "chat": {"id": self.user_id, "type": "private", "first_name": self.user["first_name"]},
            "from": {
                "id": self.user_id,
                "is_bot": False,
                "first_name": self.user["first_name"],
                "language_code": self.user.get("language_code", "en"),
            },
            "text": text,
        }
        if entities:
            message["entities"] = entities
        return {"update_id": update_id, "message": message}


@dataclass
class Emulator:
    """The Bot API emulator the app will mount, with the helpers the dialogue tests use."""

    raw: BotApiEmulator

    def create_user(self, first_name: str = "Ann", language_code: str = "en") -> Chat:
        return Chat(self, self.raw.create_user(first_name, language_code=language_code))

    async def wait_idle(self, timeout: float = WAIT) -> None:
        """No update queued or being delivered: every input so far has had its answer."""
        await self.raw.wait_idle(timeout)

    def calls(self, method: str | None = None) -> list[dict]:
        return self.raw.calls(method)

    def deliveries(self) -> list[dict]:
        return self.raw.deliveries()


class Dialogue(LiveKeyboard):
    """A person in a chat with the bot, one input at a time, checking G4 after every input:
    exactly one new bot message per message sent, and at most one live keyboard."""

    emulator: Emulator
    chat: Chat

    async def say(self, text: str) -> dict:
        """Send a message: exactly one new bot message answers it."""
        before = len(self.chat.bot_messages())
        self.chat.send(text)
        await self.emulator.wait_idle()
        replies = self.chat.bot_messages()
        assert len(replies) == before + 1, (text, replies[before:])
        self._check_one_live_keyboard()
        self.messages_sent += 1
        return replies[-1]

    async def press(self, button: str) -> dict:
        """Press a button of the live prompt: it is edited in place or one message follows."""
        before = len(self.chat.bot_messages())
        self.chat.press(button)
        await self.emulator.wait_idle()
        replies = self.chat.bot_messages()
        assert len(replies) in (before, before + 1), (button, replies[before:])
        self._check_one_live_keyboard()
        self.buttons_pressed += 1
        return replies[-1]



# -- the app -------------------------------------------------------------------------------------


class _Log(logging.Handler):
    """What the app logged at WARNING and above, formatted as `shipbot serve` writes it."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.setFormatter(TextFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@dataclass
class RunningBot:
    app: FastAPI
    settings: Settings
    url: str
    _log: _Log = field(repr=False)

    @property
    def runtime(self):
        return self.app.state.runtime

    def log(self) -> str:
        return "\n".join(self._log.lines)


def bot_settings(url: str, database: SqliteFile, labels: Path, **env: Any) -> Settings:
    """What tests/integration gives `shipbot serve`, aimed at this app's own port."""
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "telegram_api_url": url + "/sandbox/botapi",
        "webhook_base_url": url,
        "webhook_secret": SECRET,
        "database_url": database.url,
        "admin_api_token": ADMIN_TOKEN,
        "payment_provider": "sandbox",
        "carrier_provider": "sandbox",
        "sandbox_merchant_key": SANDBOX_KEY,
        "labels_dir": str(labels),
        # The tests type faster than a person; flood control's own tests set their limits.
        "flood_limit": 1000,
        **{name.lower(): value for name, value in env.items()},
    }
    return load_settings(_env_file=None, **values)


@contextlib.contextmanager
def _sandbox_parts(emulator: BotApiEmulator) -> Iterator[None]:
    """While the sandbox app is made and started: it takes `emulator`, made earlier so that a
    test can create users (an operator whose id goes into the settings) before the app; and
    its admin's password is read from the file the template left beside the database, not
    checked again with argon2 (tens of milliseconds of CPU per test, for a login no dialogue
    test uses; tests/sandbox/test_admin_login.py tests it)."""

    def the_emulator(token: str, **_: object) -> BotApiEmulator:
        assert token == emulator.token
        return emulator

    async def the_password(database: Database) -> str:
        return password_file(database.url).read_text().strip()

    originals = sandbox_run.BotApiEmulator, sandbox_run.sandbox_admin_password
    sandbox_run.BotApiEmulator, sandbox_run.sandbox_admin_password = the_emulator, the_password
    try:
        yield
    finally:
        sandbox_run.BotApiEmulator, sandbox_run.sandbox_admin_password = originals


def _loopback_socket() -> socket.socket:
    """Bound before the app exists, so its settings can name the port and no one can take it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


async def _first(done: asyncio.Task, waited: Awaitable[T]) -> T:
    """`waited`, unless `done` (the server) ends first, which then raises its error."""
    waiting = asyncio.ensure_future(waited)
    await asyncio.wait({done, waiting}, timeout=WAIT, return_when=asyncio.FIRST_COMPLETED)
    if waiting.done():
        return waiting.result()
    waiting.cancel()
    if done.done():
        done.result()
        raise RuntimeError("the app stopped while starting")
    raise TimeoutError("the app did not start in time")


@asynccontextmanager
async def running_bot(
    emulator: Emulator, database: SqliteFile, labels: Path, **env: Any
) -> AsyncIterator[RunningBot]:
    """The sandbox app around `emulator`, served until the block ends, webhook set."""
    sock = _loopback_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = bot_settings(url, database, labels, **env)
    log = _Log()
    root = logging.getLogger()
    root.addHandler(log)
    # Listening already: the app's first setWebhook waits in the backlog until uvicorn accepts,
    # instead of being refused and retried after a pause.
    sock.listen()
    webhook = url + WEBHOOK
    serving: asyncio.Task | None = None
    try:
        with _sandbox_parts(emulator.raw):
            app = sandbox_run.create_sandbox_app(settings)
            server = uvicorn.Server(
                uvicorn.Config(
                    app,
                    # Not uvicorn's own handlers: its errors reach the root logger, and the log.
                    log_config=None,
                    log_level="warning",
                    access_log=False,
                    lifespan="on",
                    timeout_graceful_shutdown=5,
                )
            )
            serving = asyncio.create_task(server.serve(sockets=[sock]), name="in-process app")
            await _first(
                serving,
                emulator.raw.wait_for(lambda: emulator.raw.webhook_info()["url"] == webhook, WAIT),
            )
        yield RunningBot(app, settings, url, log)
    finally:
        if serving is not None:
            server.should_exit = True
            # A server that failed to start has raised its error already.
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await serving
        sock.close()
        await settle()
        root.removeHandler(log)


def new_emulator() -> Emulator:
    # Failing deliveries are retried quickly, as Telegram does within seconds.
    return Emulator(BotApiEmulator(TOKEN, retry_backoff_s=0.2, delivery_timeout_s=30))


# -- hypothesis from an async test -------------------------------------------------------------


async def run_property(prop: Callable[[], None]) -> None:
    """Run a hypothesis test (sync, as hypothesis wants it) in a thread, so this loop keeps
    serving the app; its examples reach the loop through `on_loop`."""
    await asyncio.to_thread(prop)


def on_loop(loop: asyncio.AbstractEventLoop) -> Callable[[Awaitable[T]], T]:
    """From `run_property`'s thread: run a coroutine on the test's loop and wait for it."""

    def run(awaitable: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(_awaited(awaitable), loop).result(WAIT * 2)

    return run


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable
