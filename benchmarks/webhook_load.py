"""Webhook load harness: N emulated chats run a multi-step flow against `shipbot serve`.

The Bot API emulator runs in a process of its own (benchmarks/emulator_process.py), which
this one drives over HTTP: it delivers updates to the server's webhook with
Telegram's semantics (one update in flight per chat, at most max_connections overall) and
answers the bot's Bot API calls, optionally after a delay like real Telegram's. Each chat
sends its next step as soon as the previous one was acknowledged, for a fixed time per level.

    .venv/bin/python -m benchmarks.webhook_load                # everything, ~5 minutes
    .venv/bin/python -m benchmarks.webhook_load --targets sqlite --chats 200 --delays 0

Figures: updates/s, webhook latency percentiles (the time from POSTing an update to its
2xx answer, which shipbot sends only after the update's effects are committed) and the
server's CPU milliseconds per update (user + system from /proc/<pid>/stat over the measured
window, its worker processes included), the least noisy of them on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import aiohttp

from benchmarks.harness import (
    MAX_CONNECTIONS,
    STEP_TIMEOUT,
    RemoteBotApi,
    argument_parser,
    cpu_seconds,
    markdown_table,
    percentile,
    process_tree,
    remote_bot_api,
    report_header,
    run_from_command_line,
    shipbot_process,
    sqlite_url,
    webhook_server,
)
from tests.support.postgres import PostgresCluster
from tests.support.processes import ServerProcess

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
    cpu_ms_per_update: float  # the server's, user + system, from /proc
    bot_api_requests_per_update: float  # HTTP requests the bot made (webhook answers aside)
    failed_attempts: int


def step_body(chat_id: int, step: str | tuple[str]) -> dict:
    if isinstance(step, str):
        return {"chat_id": chat_id, "text": step}
    return {"chat_id": chat_id, "callback_data": step[0]}


async def run_chat(client, control_url, chat_id, flow, deadline, done) -> None:
    """Play the flow over and over until the deadline; `done` gets (acknowledged at, latency)."""
    while time.monotonic() < deadline:
        for step in flow:
            async with client.post(f"{control_url}/step", json=step_body(chat_id, step)) as reply:
                reply.raise_for_status()
                latency = (await reply.json())["latency_ms"]
            done.append((time.monotonic(), latency))


async def counts(client, control_url) -> dict:
    async with client.get(f"{control_url}/counts") as reply:
        return await reply.json()


async def measure(client, control_url, pid, warmup_end, deadline) -> tuple[float, dict]:
    """The server's CPU seconds (its process and any workers) between the two instants, and
    how the emulator's counts grew meanwhile."""
    await asyncio.sleep(warmup_end - time.monotonic())
    pids = process_tree(pid)
    before, counted_before = cpu_seconds(pids), await counts(client, control_url)
    await asyncio.sleep(deadline - time.monotonic())
    cpu, counted = cpu_seconds(pids) - before, await counts(client, control_url)
    return cpu, {name: counted[name] - counted_before[name] for name in counted}


async def run_level(botapi, server, target, delay, chats, flow, warmup, seconds) -> Level:
    timeout = aiohttp.ClientTimeout(total=STEP_TIMEOUT + 10)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as client:
        async with client.post(f"{botapi.control_url}/chats", json={"count": chats}) as reply:
            users = (await reply.json())["ids"]
        done: list[tuple[float, float]] = []
        start = time.monotonic()
        warmup_end, deadline = start + warmup, start + warmup + seconds
        (cpu, counted), *_ = await asyncio.gather(
            measure(client, botapi.control_url, server.process.pid, warmup_end, deadline),
            *(run_chat(client, botapi.control_url, user, flow, deadline, done) for user in users),
        )
    latencies = [latency for at, latency in done if warmup_end <= at <= deadline]
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
        cpu_ms_per_update=round(1000 * cpu / len(latencies), 2),
        bot_api_requests_per_update=round(counted["bot_api_requests"] / len(latencies), 2),
        failed_attempts=counted["failed"],
    )


def target_process(
    target: str, botapi: RemoteBotApi, log_dir: Path, postgres: PostgresCluster | None
) -> ServerProcess:
    """Each run gets an empty database: two emulator runs may hand out the same user ids."""
    if target == "bare":
        return ServerProcess("bare", ["benchmarks.bare_endpoint"], {}, log_dir)
    if target == "postgres":
        postgres.reset_database()
        return shipbot_process(botapi, log_dir, postgres.url)
    return shipbot_process(botapi, log_dir, sqlite_url(log_dir))


async def benchmark(args: argparse.Namespace) -> list[Level]:
    log_dir = Path(tempfile.mkdtemp(prefix="shipbot-bench-"))
    postgres = PostgresCluster(fsync=True).start() if "postgres" in args.targets else None
    levels: list[Level] = []
    try:
        for delay in args.delays:
            async with remote_bot_api(log_dir, api_delay_ms=delay) as botapi:
                for target in args.targets:
                    process = target_process(target, botapi, log_dir, postgres)
                    async with webhook_server(botapi, process):
                        flow = BARE_FLOW if target == "bare" else SHIPBOT_FLOW
                        for chats in args.chats:
                            level = await run_level(
                                botapi,
                                process,
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
        if postgres:
            postgres.stop()
    return levels


def report(levels: list[Level], args: argparse.Namespace) -> str:
    lines = [
        *report_header("benchmarks.webhook_load", args),
        f"Each level: {args.warmup:g} s warm-up, then {args.seconds:g} s measured; "
        f"max_connections={MAX_CONNECTIONS}.",
        "",
        *markdown_table(
            [
                "Bot API delay",
                "target",
                "chats",
                "updates/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "max ms",
                "server CPU ms/update",
                "Bot API requests/update",
                "failed",
            ],
            (
                [
                    f"{level.api_delay_ms} ms",
                    level.target,
                    level.chats,
                    level.updates_per_s,
                    level.p50_ms,
                    level.p95_ms,
                    level.p99_ms,
                    level.max_ms,
                    level.cpu_ms_per_update,
                    level.bot_api_requests_per_update,
                    level.failed_attempts,
                ]
                for level in levels
            ),
        ),
    ]
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
    parser = argument_parser(__doc__)
    parser.add_argument("--targets", nargs="+", default=["bare", "sqlite", "postgres"])
    parser.add_argument("--chats", nargs="+", type=int, default=[1, 50, 200])
    parser.add_argument("--delays", nargs="+", type=int, default=[0, 100], help="Bot API delay, ms")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    run_from_command_line(parser, benchmark, report)


if __name__ == "__main__":
    main()
