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
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import (
    TO_REVIEW,
    argument_parser,
    bot_api,
    markdown_table,
    new_users,
    percentile_ms,
    report_header,
    run_from_command_line,
    shipbot_serve,
    sqlite_url,
    step,
)
from shipbot.sandbox.emulator import BotApiEmulator


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


async def run_level(emulator, deliveries, latency, chats, presses) -> Level:
    users = new_users(emulator, "Rates", chats)
    timings: dict[str, list[float]] = {"progress": [], "rates": [], "cached": []}
    await asyncio.gather(*(run_chat(emulator, deliveries, u, presses, timings) for u in users))
    return Level(
        carrier_latency_s=latency,
        chats=chats,
        samples=len(timings["rates"]),
        progress_p50_ms=percentile_ms(timings["progress"], 0.5),
        progress_p99_ms=percentile_ms(timings["progress"], 0.99),
        rates_p50_ms=percentile_ms(timings["rates"], 0.5),
        rates_p99_ms=percentile_ms(timings["rates"], 0.99),
        cached_p50_ms=round(1000 * statistics.median(timings["cached"]), 1),
    )


async def benchmark(args: argparse.Namespace) -> list[Level]:
    log_dir = Path(tempfile.mkdtemp(prefix="shipbot-rates-bench-"))
    levels = []
    async with bot_api(api_delay_ms=args.api_delay) as botapi:
        for latency in args.latencies:
            # The carrier latency is a server setting: a server (and database) for each.
            env = {"SANDBOX_CARRIER_LATENCY": str(latency)}
            async with shipbot_serve(botapi, log_dir, sqlite_url(log_dir), env):
                for chats in args.chats:
                    level = await run_level(
                        botapi.emulator, botapi.deliveries, latency, chats, args.presses
                    )
                    print(level, flush=True)
                    levels.append(level)
    return levels


def report(levels: list[Level], args: argparse.Namespace) -> str:
    lines = [
        *report_header("benchmarks.rates_latency", args),
        f"Bot API answers after {args.api_delay} ms; SQLite; each chat: Show rates once, "
        f"Refresh {args.presses} times, then Show rates from a cached quote.",
        "",
        *markdown_table(
            [
                "carrier latency",
                "chats",
                "samples",
                "progress p50 / p99 ms",
                "rates p50 / p99 ms",
                "cached quote p50 ms",
            ],
            (
                [
                    f"{level.carrier_latency_s:g} s",
                    level.chats,
                    level.samples,
                    f"{level.progress_p50_ms} / {level.progress_p99_ms}",
                    f"{level.rates_p50_ms} / {level.rates_p99_ms}",
                    level.cached_p50_ms,
                ]
                for level in levels
            ),
        ),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--latencies", nargs="+", type=float, default=[0.0, 1.5])
    parser.add_argument("--chats", nargs="+", type=int, default=[1, 20])
    parser.add_argument("--presses", type=int, default=10, help="Refresh presses per chat")
    parser.add_argument("--api-delay", type=int, default=0, help="Bot API delay, ms")
    run_from_command_line(parser, benchmark, report)


if __name__ == "__main__":
    main()
