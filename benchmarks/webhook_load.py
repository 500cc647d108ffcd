"""Webhook load harness: N emulated chats run a multi-step flow against `shipbot serve`.

The Bot API emulator runs in this process: it delivers updates to the server's webhook with
Telegram's semantics (one update in flight per chat, at most max_connections overall) and
answers the bot's Bot API calls, optionally after a delay like real Telegram's. Each chat
sends its next step as soon as the previous one was acknowledged, for a fixed time per level.

    .venv/bin/python -m benchmarks.webhook_load                # everything, ~5 minutes
    .venv/bin/python -m benchmarks.webhook_load --targets sqlite --chats 200 --delays 0

Figures: updates/s and webhook latency percentiles (the time from POSTing an update to its
2xx answer, which shipbot sends only after the update's effects are committed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import uvicorn

from shipbot.sandbox.app import create_emulator_app
from shipbot.sandbox.emulator import BotApiEmulator
from tests.support.net import free_port
from tests.support.postgres import PostgresCluster
from tests.support.processes import ServerProcess

TOKEN = "123456789:BENCHbenchBENCHbenchBENCHbenchBENCH"
SECRET = "benchmark-secret-0123456789abcdef"
MAX_CONNECTIONS = 100
WEBHOOK = "/api/telegram/webhook"
RESULTS = Path(__file__).with_name("results")

# The shipbot flow uses real handlers: commands, free text and buttons of the live prompt.
SHIPBOT_FLOW = [
    "/start",
    ("menu:help",),
    ("menu:home",),
    "hello",
    ("menu:language",),
    ("menu:home",),
]
# The bare endpoint sends no messages, so there is nothing to press: text only.
BARE_FLOW = ["/start", "hello", "/help"]


@dataclass
class Level:
    target: str
    api_delay_ms: int
    chats: int
    updates: int
    seconds: float
    updates_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    failed_attempts: int


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


def live_prompt_id(emulator: BotApiEmulator, chat_id: int) -> int:
    for message in reversed(emulator.messages(chat_id)):
        if message["direction"] == "bot" and (message["reply_markup"] or {}).get("inline_keyboard"):
            return message["message_id"]
    raise RuntimeError(f"chat {chat_id} has no live prompt")


async def run_chat(emulator, deliveries, chat_id, flow, warmup_end, deadline, latencies) -> None:
    while time.monotonic() < deadline:
        for step in flow:
            if isinstance(step, str):
                update_id = emulator.send_text(chat_id, step)
            else:
                update_id = emulator.press(chat_id, live_prompt_id(emulator, chat_id), step[0])
            started = time.monotonic()
            latency = await asyncio.wait_for(deliveries.expect(update_id), timeout=60)
            if started >= warmup_end and time.monotonic() <= deadline:
                latencies.append(latency)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def run_level(emulator, deliveries, target, delay, chats, flow, warmup, seconds) -> Level:
    emulator.reset()
    users = [emulator.create_user(f"Bench{n}")["id"] for n in range(chats)]
    latencies: list[float] = []
    failed_before = deliveries.failed
    start = time.monotonic()
    warmup_end, deadline = start + warmup, start + warmup + seconds
    await asyncio.gather(
        *(run_chat(emulator, deliveries, u, flow, warmup_end, deadline, latencies) for u in users)
    )
    return Level(
        target=target,
        api_delay_ms=delay,
        chats=chats,
        updates=len(latencies),
        seconds=seconds,
        updates_per_s=round(len(latencies) / seconds, 1),
        p50_ms=round(statistics.median(latencies), 1),
        p95_ms=round(percentile(latencies, 0.95), 1),
        p99_ms=round(percentile(latencies, 0.99), 1),
        max_ms=round(max(latencies), 1),
        failed_attempts=deliveries.failed - failed_before,
    )


def start_target(target: str, botapi_url: str, log_dir: Path, postgres: PostgresCluster | None):
    """Each run gets an empty database: two emulator runs may hand out the same user ids."""
    if target == "bare":
        return ServerProcess("bare", ["benchmarks.bare_endpoint"], {}, log_dir).start()
    if target == "postgres":
        postgres.reset_database()
        database = postgres.url
    else:
        database = f"sqlite:///{tempfile.mkdtemp(dir=log_dir)}/bench.db"
    server = ServerProcess("shipbot", ["shipbot", "serve"], {}, log_dir)
    server.env = {
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": botapi_url,
        "WEBHOOK_BASE_URL": server.url,
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
        "DATABASE_URL": database,
        "LOG_LEVEL": "WARNING",
    }
    return server.start()


async def set_webhook(botapi_url: str, url: str) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{botapi_url}/bot{TOKEN}/setWebhook",
            json={"url": url, "secret_token": SECRET, "max_connections": MAX_CONNECTIONS},
        )
        response.raise_for_status()


async def benchmark(args: argparse.Namespace) -> list[Level]:
    log_dir = Path(tempfile.mkdtemp(prefix="shipbot-bench-"))
    postgres = PostgresCluster(fsync=True).start() if "postgres" in args.targets else None
    levels: list[Level] = []
    try:
        for delay in args.delays:
            emulator = BotApiEmulator(token=TOKEN, api_delay_ms=delay)
            port = free_port()
            server = uvicorn.Server(
                uvicorn.Config(
                    create_emulator_app(emulator),
                    host="127.0.0.1",
                    port=port,
                    log_level="warning",
                    access_log=False,
                )
            )
            serving = asyncio.create_task(server.serve())
            while not server.started:
                await asyncio.sleep(0.05)
            botapi_url = f"http://127.0.0.1:{port}/sandbox/botapi"
            deliveries = Deliveries(emulator)
            try:
                for target in args.targets:
                    process = await asyncio.to_thread(
                        start_target, target, botapi_url, log_dir, postgres
                    )
                    try:
                        await set_webhook(botapi_url, process.url + WEBHOOK)
                        flow = BARE_FLOW if target == "bare" else SHIPBOT_FLOW
                        for chats in args.chats:
                            level = await run_level(
                                emulator,
                                deliveries,
                                target,
                                delay,
                                chats,
                                flow,
                                args.warmup,
                                args.seconds,
                            )
                            print(json.dumps(asdict(level)), flush=True)
                            levels.append(level)
                    finally:
                        process.stop()
            finally:
                server.should_exit = True
                await serving
    finally:
        if postgres:
            postgres.stop()
    return levels


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


def report(levels: list[Level], args: argparse.Namespace) -> str:
    lines = [
        f"Machine: {machine()}",
        f"Command: python -m benchmarks.webhook_load {' '.join(args.argv)}".rstrip(),
        f"Each level: {args.warmup:g} s warm-up, then {args.seconds:g} s measured; "
        f"max_connections={MAX_CONNECTIONS}.",
        "",
        "| Bot API delay | target | chats | updates/s | p50 ms | p95 ms | p99 ms | max ms "
        "| failed |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for level in levels:
        lines.append(
            f"| {level.api_delay_ms} ms | {level.target} | {level.chats} | {level.updates_per_s} "
            f"| {level.p50_ms} | {level.p95_ms} | {level.p99_ms} | {level.max_ms} "
            f"| {level.failed_attempts} |"
        )
    for delay in sorted({level.api_delay_ms for level in levels if level.api_delay_ms}):
        for target in ("sqlite", "postgres"):
            runs = [run for run in levels if (run.target, run.api_delay_ms) == (target, delay)]
            single = next((run for run in runs if run.chats == 1), None)
            busiest = max(runs, key=lambda run: run.chats, default=None)
            if single and busiest and busiest.chats > 1:
                bound = MAX_CONNECTIONS / (single.p50_ms / 1000)
                lines.append(
                    f"\n{target}, {delay} ms Bot API: bound = max_connections / time per update = "
                    f"{MAX_CONNECTIONS} / {single.p50_ms / 1000:.3f} s = {bound:.0f} updates/s; "
                    f"{busiest.chats} chats reached {busiest.updates_per_s} = "
                    f"{100 * busiest.updates_per_s / bound:.0f}% of it."
                )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--targets", nargs="+", default=["bare", "sqlite", "postgres"])
    parser.add_argument("--chats", nargs="+", type=int, default=[1, 50, 200])
    parser.add_argument("--delays", nargs="+", type=int, default=[0, 100], help="Bot API delay, ms")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
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
