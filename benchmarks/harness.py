"""What every benchmark harness shares: the Bot API emulator, `shipbot serve` and the report.

A harness runs the Bot API emulator in-process, on its own event loop (`bot_api()`), starts
`shipbot serve` as a child process pointed at it, with the webhook set (`shipbot_serve()`),
and drives chats through the emulator, waiting for each update's delivery (`step()`). What it
measures and reports is its own; `run_from_command_line()` parses the command line, runs the
benchmark and prints the report (and with --out writes it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import uvicorn

from shipbot.sandbox.app import create_emulator_app
from shipbot.sandbox.emulator import BotApiEmulator
from tests.support.net import free_port
from tests.support.payments import SANDBOX_KEY
from tests.support.processes import ServerProcess

TOKEN = "123456789:BENCHbenchBENCHbenchBENCHbenchBENCH"
SECRET = "benchmark-secret-0123456789abcdef"
MAX_CONNECTIONS = 100
WEBHOOK = "/api/telegram/webhook"
STEP_TIMEOUT = 120  # seconds for one update's delivery, however loaded the server is

# The new label flow from /new to the review screen; a tuple is a button press by its label.
SENDER = "John Smith, 215 Clayton St Apt 4, San Francisco, CA 94117, 415-555-0100"
RECIPIENT = "Jane Doe\n350 5th Ave Suite 200\nNew York, NY 10118"
TO_REVIEW = ["/new", SENDER, ("✅ Correct",), RECIPIENT, ("✅ Correct",), "2.5 lb", ("Medium box",)]


# -- the Bot API emulator ----------------------------------------------------------------------


class Deliveries:
    """Resolves a future when an update's delivery is acknowledged with a 2xx."""

    def __init__(self, emulator: BotApiEmulator) -> None:
        self.waiting: dict[int, asyncio.Future] = {}
        self.failed = 0
        emulator.delivery.attempt_listeners.append(self._on_attempt)

    def _on_attempt(self, record: dict) -> None:
        if record["error"]:
            self.failed += 1
            return
        future = self.waiting.pop(record["update_id"], None)
        if future is not None and not future.done():
            future.set_result(record["latency_ms"])

    def expect(self, update_id: int) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self.waiting[update_id] = future
        return future


@dataclass
class BotApi:
    """The running emulator, the deliveries it reports and the Bot API URL the bot calls."""

    emulator: BotApiEmulator
    deliveries: Deliveries
    url: str


@asynccontextmanager
async def bot_api(api_delay_ms: float = 0) -> AsyncIterator[BotApi]:
    """Serve the emulator on a free port in this event loop, answering after `api_delay_ms`.

    In-process rather than a child process, so that the harness reads the emulator's chats,
    calls and deliveries directly, timestamped by the same clock as its own presses.
    """
    emulator = BotApiEmulator(token=TOKEN, api_delay_ms=api_delay_ms)
    port = free_port()
    config = uvicorn.Config(
        create_emulator_app(emulator),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if serving.done():  # it could not start (e.g. the port was taken meanwhile)
                await serving
                raise RuntimeError("the Bot API emulator stopped before it started")
            await asyncio.sleep(0.05)
        url = f"http://127.0.0.1:{port}/sandbox/botapi"
        yield BotApi(emulator, Deliveries(emulator), url)
    finally:
        server.should_exit = True
        await serving


def new_users(emulator: BotApiEmulator, name: str, count: int) -> list[int]:
    """Forget the previous level's chats and create `count` users: name0, name1, …"""
    emulator.reset()
    return [emulator.create_user(f"{name}{n}")["id"] for n in range(count)]


@dataclass
class RemoteBotApi:
    """The emulator in a child process (benchmarks/emulator_process.py), driven over HTTP."""

    process: ServerProcess
    url: str  # the Bot API URL the bot calls

    @property
    def control_url(self) -> str:
        return self.process.url + "/bench"


@asynccontextmanager
async def remote_bot_api(log_dir: Path, api_delay_ms: float = 0) -> AsyncIterator[RemoteBotApi]:
    """Start the emulator in a process of its own, answering after `api_delay_ms`."""
    process = ServerProcess(
        "emulator",
        ["benchmarks.emulator_process", "--api-delay-ms", str(api_delay_ms)],
        {},
        log_dir,
    )
    await asyncio.to_thread(process.start, "/sandbox/api/settings")
    try:
        yield RemoteBotApi(process, f"{process.url}/sandbox/botapi")
    finally:
        process.stop()


# -- the server under test ---------------------------------------------------------------------


def sqlite_url(log_dir: Path) -> str:
    """An empty database of its own: two emulator runs may hand out the same user ids."""
    return f"sqlite:///{tempfile.mkdtemp(dir=log_dir)}/bench.db"


def labels_dir(log_dir: Path) -> str:
    return tempfile.mkdtemp(prefix="labels-", dir=log_dir)


def shipbot_process(
    botapi: BotApi | RemoteBotApi,
    log_dir: Path,
    database_url: str,
    env: dict[str, str] | None = None,
) -> ServerProcess:
    """`shipbot serve` (not started yet) talking to the emulator; `env` adds to its settings."""
    process = ServerProcess("shipbot", ["shipbot", "serve"], {}, log_dir)
    # The webhook base URL names the process's own port, which it picks when created.
    process.env = {
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": botapi.url,
        "WEBHOOK_BASE_URL": process.url,
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "PAYMENT_PROVIDER": "sandbox",
        "CARRIER_PROVIDER": "sandbox",
        "SANDBOX_MERCHANT_KEY": SANDBOX_KEY,
        # A benchmark chat answers as fast as the server does: far above any person's pace.
        # The gate still runs (its query is part of the cost measured), it just never drops.
        "FLOOD_LIMIT": "1000",
        "FLOOD_WINDOW_SECONDS": "1",
        **(env or {}),
    }
    return process


async def set_webhook(botapi_url: str, url: str) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{botapi_url}/bot{TOKEN}/setWebhook",
            json={"url": url, "secret_token": SECRET, "max_connections": MAX_CONNECTIONS},
        )
        response.raise_for_status()


@asynccontextmanager
async def webhook_server(
    botapi: BotApi | RemoteBotApi, process: ServerProcess
) -> AsyncIterator[ServerProcess]:
    """Start `process`, make the emulator deliver updates to its webhook; stop it afterwards."""
    try:
        # In a thread: start() blocks until the server answers, and the emulator, which it
        # may call while starting, runs on this event loop.
        await asyncio.to_thread(process.start)
        # shipbot sets its webhook itself while starting; the bare endpoint cannot.
        await set_webhook(botapi.url, process.url + WEBHOOK)
        yield process
    finally:
        process.stop()


@asynccontextmanager
async def shipbot_serve(
    botapi: BotApi, log_dir: Path, database_url: str, env: dict[str, str] | None = None
) -> AsyncIterator[ServerProcess]:
    """`shipbot serve` running against the emulator with its webhook set; see shipbot_process."""
    process = shipbot_process(botapi, log_dir, database_url, env)
    async with webhook_server(botapi, process):
        yield process


# -- driving chats -----------------------------------------------------------------------------


def live_prompt(emulator: BotApiEmulator, chat_id: int) -> dict:
    """The bot's latest message with inline buttons: the one the user answers."""
    for message in reversed(emulator.messages(chat_id)):
        if message["direction"] == "bot" and (message["reply_markup"] or {}).get("inline_keyboard"):
            return message
    raise RuntimeError(f"chat {chat_id} has no live prompt")


def live_prompt_id(emulator: BotApiEmulator, chat_id: int) -> int:
    return live_prompt(emulator, chat_id)["message_id"]


def buttons(message: dict) -> Iterator[dict]:
    """A message's inline buttons, row by row."""
    for row in message["reply_markup"]["inline_keyboard"]:
        yield from row


def button(emulator: BotApiEmulator, chat_id: int, prefix: str) -> tuple[int, str]:
    """The live prompt's id and the callback data of its button labelled `prefix`…"""
    message = live_prompt(emulator, chat_id)
    for candidate in buttons(message):
        if candidate["text"].startswith(prefix):
            return message["message_id"], candidate["callback_data"]
    raise RuntimeError(f"no button {prefix!r} in chat {chat_id}")


def invoice_pay_url(emulator: BotApiEmulator, chat_id: int) -> str:
    """The Pay URL of the top-up invoice the chat's live prompt shows."""
    invoice = live_prompt(emulator, chat_id)
    assert "Pay before" in invoice["text"], invoice["text"]
    return next(b["url"] for b in buttons(invoice) if b.get("url"))


async def step(emulator, deliveries, chat_id, action) -> float:
    """Send one input; returns when the webhook acknowledged it, with the press time.

    `action` is text to send, or a one-element tuple: press the live prompt's button so labelled.
    """
    pressed_at = time.time()
    if isinstance(action, str):
        update_id = emulator.send_text(chat_id, action)
    else:
        update_id = emulator.press(chat_id, *button(emulator, chat_id, action[0]))
    await asyncio.wait_for(deliveries.expect(update_id), timeout=STEP_TIMEOUT)
    return pressed_at


# -- figures and the report --------------------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (a server's worker processes)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # it ended meanwhile
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        tree.append(current := todo.pop())
        todo.extend(children.get(current, []))
    return tree


def cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU time the processes used so far, from /proc/<pid>/stat."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return ticks / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def percentile_ms(seconds: list[float], fraction: float) -> float:
    """The `fraction` percentile of durations in seconds, in milliseconds to 0.1."""
    return round(1000 * percentile(seconds, fraction), 1)


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return (
        f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, {platform.system()}"
    )


def report_header(module: str, args: argparse.Namespace) -> list[str]:
    """The report's first lines: where it ran and the command that reproduces it."""
    return [
        f"Machine: {machine()}",
        f"Command: python -m {module} {' '.join(args.argv)}".rstrip(),
    ]


def markdown_table(columns: list[str], rows: Iterable[Iterable[object]]) -> list[str]:
    """A Markdown table's lines: the column names, the separator, then one line per row."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def argument_parser(doc: str) -> argparse.ArgumentParser:
    """A parser whose --help shows the harness's module docstring as written."""
    return argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )


Result = TypeVar("Result")  # what a benchmark returns and its report reads


def run_from_command_line(
    parser: argparse.ArgumentParser,
    benchmark: Callable[[argparse.Namespace], Awaitable[Result]],
    report: Callable[[Result, argparse.Namespace], str],
) -> None:
    """Parse the command line, run the benchmark and print its report; --out also writes it."""
    parser.add_argument("--out", type=Path, help="also write the report (Markdown) here")
    args = parser.parse_args()
    args.argv = sys.argv[1:]  # for the report's Command line
    text = report(asyncio.run(benchmark(args)), args)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
