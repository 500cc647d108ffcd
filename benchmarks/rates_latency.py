"""Rates screen latency: from pressing "Show rates" (or "Refresh") to the rates on screen.

`shipbot serve` runs with the sandbox carrier, answering at once or after a simulated carrier
latency; the Bot API emulator runs in this process and timestamps every Bot API call. For each
press we measure when the progress message ("Fetching rates…") and when the rates arrived.
Chats are first driven through the new label flow to the review screen.

    .venv/bin/python -m benchmarks.rates_latency --out benchmarks/results/rates_latency.md
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from benchmarks.webhook_load import (
    MAX_CONNECTIONS,
    SECRET,
    TOKEN,
    WEBHOOK,
    Deliveries,
    live_prompt_id,
    machine,
    percentile,
    set_webhook,
)
from shipbot.sandbox.app import create_emulator_app
from shipbot.sandbox.emulator import BotApiEmulator
from tests.support.net import free_port
from tests.support.processes import ServerProcess

SENDER = "John Smith, 215 Clayton St Apt 4, San Francisco, CA 94117, 415-555-0100"
RECIPIENT = "Jane Doe\n350 5th Ave Suite 200\nNew York, NY 10118"
TO_REVIEW = ["/new", SENDER, ("✅ Correct",), RECIPIENT, ("✅ Correct",), "2.5 lb", ("Medium box",)]


@dataclass
class Level:
    carrier_latency_s: float
    chats: int
    samples: int
    progress_p50_ms: float
    progress_p99_ms: float
    rates_p50_ms: float
    rates_p99_ms: float
    cached_p50_ms: float


def button(emulator: BotApiEmulator, chat_id: int, prefix: str) -> tuple[int, str]:
    message_id = live_prompt_id(emulator, chat_id)
    message = next(m for m in emulator.messages(chat_id) if m["message_id"] == message_id)
    for row in message["reply_markup"]["inline_keyboard"]:
        for candidate in row:
            if candidate["text"].startswith(prefix):
                return message_id, candidate["callback_data"]
    raise RuntimeError(f"no button {prefix!r} in chat {chat_id}")


async def step(emulator, deliveries, chat_id, action) -> float:
    """Send one input; returns when the webhook acknowledged it, with the press time."""
    pressed_at = time.time()
    if isinstance(action, str):
        update_id = emulator.send_text(chat_id, action)
    else:
        update_id = emulator.press(chat_id, *button(emulator, chat_id, action[0]))
    await asyncio.wait_for(deliveries.expect(update_id), timeout=120)
    return pressed_at


def edit_time(emulator: BotApiEmulator, chat_id: int, after: float, fragment: str) -> float:
    for call in emulator.calls("editMessageText"):
        params = call["params"]
        mine = str(params["chat_id"]) == str(chat_id) and call["at"] >= after
        if mine and fragment in params["text"]:
            return call["at"]
    raise RuntimeError(f"no edit with {fragment!r} in chat {chat_id}")


async def run_chat(emulator, deliveries, chat_id, presses, timings) -> None:
    for action in TO_REVIEW:
        await step(emulator, deliveries, chat_id, action)
    first = await step(emulator, deliveries, chat_id, ("💲 Show rates",))
    timings["rates"].append(edit_time(emulator, chat_id, first, "<b>Rates</b>") - first)
    for _ in range(presses):
        pressed = await step(emulator, deliveries, chat_id, ("🔁 Refresh",))
        timings["progress"].append(edit_time(emulator, chat_id, pressed, "Fetching") - pressed)
        timings["rates"].append(edit_time(emulator, chat_id, pressed, "<b>Rates</b>") - pressed)
    # Back to the review and "Show rates" again: the quote is still valid, so no carrier call.
    await step(emulator, deliveries, chat_id, ("✏️ Edit shipment",))
    cached = await step(emulator, deliveries, chat_id, ("💲 Show rates",))
    timings["cached"].append(edit_time(emulator, chat_id, cached, "<b>Rates</b>") - cached)


def ms(values: list[float], fraction: float) -> float:
    return round(1000 * percentile(values, fraction), 1)


async def run_level(emulator, deliveries, latency, chats, presses) -> Level:
    emulator.reset()
    users = [emulator.create_user(f"Rates{n}")["id"] for n in range(chats)]
    timings: dict[str, list[float]] = {"progress": [], "rates": [], "cached": []}
    await asyncio.gather(*(run_chat(emulator, deliveries, u, presses, timings) for u in users))
    return Level(
        carrier_latency_s=latency,
        chats=chats,
        samples=len(timings["rates"]),
        progress_p50_ms=ms(timings["progress"], 0.5),
        progress_p99_ms=ms(timings["progress"], 0.99),
        rates_p50_ms=ms(timings["rates"], 0.5),
        rates_p99_ms=ms(timings["rates"], 0.99),
        cached_p50_ms=round(1000 * statistics.median(timings["cached"]), 1),
    )


def start_server(botapi_url: str, log_dir: Path, latency: float) -> ServerProcess:
    server = ServerProcess("shipbot", ["shipbot", "serve"], {}, log_dir)
    server.env = {
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": botapi_url,
        "WEBHOOK_BASE_URL": server.url,
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
        "DATABASE_URL": f"sqlite:///{tempfile.mkdtemp(dir=log_dir)}/bench.db",
        "SANDBOX_CARRIER_LATENCY": str(latency),
        "LOG_LEVEL": "WARNING",
    }
    return server.start()


async def benchmark(args: argparse.Namespace) -> list[Level]:
    log_dir = Path(tempfile.mkdtemp(prefix="shipbot-rates-bench-"))
    emulator = BotApiEmulator(token=TOKEN, api_delay_ms=args.api_delay)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_emulator_app(emulator), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    botapi_url = f"http://127.0.0.1:{port}/sandbox/botapi"
    deliveries = Deliveries(emulator)
    levels = []
    try:
        for latency in args.latencies:
            process = await asyncio.to_thread(start_server, botapi_url, log_dir, latency)
            try:
                await set_webhook(botapi_url, process.url + WEBHOOK)
                for chats in args.chats:
                    level = await run_level(emulator, deliveries, latency, chats, args.presses)
                    print(level, flush=True)
                    levels.append(level)
            finally:
                process.stop()
    finally:
        server.should_exit = True
        await serving
    return levels


def report(levels: list[Level], args: argparse.Namespace) -> str:
    lines = [
        f"Machine: {machine()}",
        f"Command: python -m benchmarks.rates_latency {' '.join(args.argv)}".rstrip(),
        f"Bot API answers after {args.api_delay} ms; SQLite; each chat: Show rates once, "
        f"Refresh {args.presses} times, then Show rates from a cached quote.",
        "",
        "| carrier latency | chats | samples | progress p50 / p99 ms | rates p50 / p99 ms "
        "| cached quote p50 ms |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {level.carrier_latency_s:g} s | {level.chats} | {level.samples} "
        f"| {level.progress_p50_ms} / {level.progress_p99_ms} "
        f"| {level.rates_p50_ms} / {level.rates_p99_ms} | {level.cached_p50_ms} |"
        for level in levels
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--latencies", nargs="+", type=float, default=[0.0, 1.5])
    parser.add_argument("--chats", nargs="+", type=int, default=[1, 20])
    parser.add_argument("--presses", type=int, default=10, help="Refresh presses per chat")
    parser.add_argument("--api-delay", type=int, default=0, help="Bot API delay, ms")
    parser.add_argument("--out", type=Path, help="also write the report (Markdown) here")
    args = parser.parse_args()
    args.argv = sys.argv[1:]
    text = report(asyncio.run(benchmark(args)), args)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
