"""Purchase latency: from pressing "Pay $X from balance" to the label PDF in the chat.

`shipbot serve` runs as a child process with the sandbox carrier answering at once
(SANDBOX_CARRIER_LATENCY=0), the sandbox payment provider and LABELS_DIR in a temp dir; the
Bot API emulator runs in this process and timestamps every Bot API call it receives.

Each chat first tops up its balance through the real path: /balance → "➕ Top up" → a typed
amount → the invoice's sandbox payment page, whose POST …/pay sends the signed callback to
the server, which credits the balance and says so in the chat. Then, once per purchase, the
chat is driven through the new label flow to the review, "💲 Show rates", the first rate and
the payment screen, and presses "💳 Pay $X from balance". Measured per purchase:

- pay answered: from the press (the update is enqueued at the emulator, which POSTs it at
  once) to the webhook's 2xx answer — the Pay press only records the order and its hold;
- label delivered: from the press to the emulator receiving the `sendDocument` with the PDF
  for that chat, sent by the server's background purchase job.

Each level runs all chats, at most `concurrency` of them at a time, each one doing its whole
flow (top-up, reviews, rates, purchases), so the other chats' steps are the load.

    .venv/bin/python -m benchmarks.purchase_latency --out benchmarks/results/purchase_latency.md
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.harness import (
    TO_REVIEW,
    argument_parser,
    bot_api,
    button,
    buttons,
    invoice_pay_url,
    labels_dir,
    live_prompt,
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

TIMEOUT = 120  # seconds to wait for any one thing the server should do


@dataclass
class Level:
    concurrency: int
    chats: int
    samples: int
    seconds: float
    answered_p50_ms: float
    answered_p99_ms: float
    label_p50_ms: float
    label_p99_ms: float
    label_max_ms: float


def bot_messages(emulator: BotApiEmulator, chat_id: int) -> list[dict]:
    return [m for m in emulator.messages(chat_id) if m["direction"] == "bot"]


async def wait_for_message(emulator, chat_id, after: int, matches) -> dict:
    """The first bot message numbered above `after` that `matches`, once it is there."""

    def found() -> dict | None:
        return next(
            (m for m in bot_messages(emulator, chat_id) if m["message_id"] > after and matches(m)),
            None,
        )

    return await emulator.wait_for(found, timeout=TIMEOUT)


def last_message_id(emulator: BotApiEmulator, chat_id: int) -> int:
    return max((m["message_id"] for m in emulator.messages(chat_id)), default=0)


async def top_up(emulator, deliveries, browser: httpx.AsyncClient, chat_id, dollars: int) -> None:
    """Open an invoice in the bot and pay it on the sandbox payment page."""
    await step(emulator, deliveries, chat_id, "/balance")
    await step(emulator, deliveries, chat_id, ("➕ Top up",))
    await step(emulator, deliveries, chat_id, str(dollars))
    url = invoice_pay_url(emulator, chat_id)
    paid = await browser.post(url + "/pay")
    paid.raise_for_status()
    # The news edits the invoice message in place (it is the live prompt).
    await wait_for_message(
        emulator, chat_id, 0, lambda m: "added to your balance" in (m["text"] or "")
    )


async def press_first_rate(emulator, deliveries, chat_id) -> None:
    message = live_prompt(emulator, chat_id)
    data = next(
        b["callback_data"]
        for b in buttons(message)
        if b.get("callback_data", "").startswith("rate:")
    )
    update_id = emulator.press(chat_id, message["message_id"], data)
    await asyncio.wait_for(deliveries.expect(update_id), timeout=TIMEOUT)


def document_sent_at(emulator: BotApiEmulator, chat_id: int, after: float) -> float:
    for call in reversed(emulator.calls("sendDocument")):
        if str(call["params"]["chat_id"]) == str(chat_id) and call["at"] >= after:
            return call["at"]
    raise RuntimeError(f"no sendDocument for chat {chat_id}")


async def purchase(emulator, deliveries, chat_id, timings) -> None:
    for action in TO_REVIEW:
        await step(emulator, deliveries, chat_id, action)
    await step(emulator, deliveries, chat_id, ("💲 Show rates",))
    await press_first_rate(emulator, deliveries, chat_id)
    button(emulator, chat_id, "💳 Pay")  # the payment screen, with enough balance to pay
    before = last_message_id(emulator, chat_id)
    pressed = await step(emulator, deliveries, chat_id, ("💳 Pay",))
    timings["answered"].append(time.time() - pressed)
    await wait_for_message(emulator, chat_id, before, lambda m: m["document"] is not None)
    timings["label"].append(document_sent_at(emulator, chat_id, pressed) - pressed)


async def run_chat(emulator, deliveries, browser, slots, chat_id, purchases, timings) -> None:
    async with slots:
        await top_up(emulator, deliveries, browser, chat_id, dollars=100 * purchases)
        for _ in range(purchases):
            await purchase(emulator, deliveries, chat_id, timings)


async def run_level(emulator, deliveries, concurrency, chats, purchases) -> Level:
    users = new_users(emulator, "Buyer", chats)
    timings: dict[str, list[float]] = {"answered": [], "label": []}
    slots = asyncio.Semaphore(concurrency)
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=True) as browser:
        await asyncio.gather(
            *(run_chat(emulator, deliveries, browser, slots, u, purchases, timings) for u in users)
        )
    labels = len(emulator.calls("sendDocument"))
    if labels != chats * purchases:  # a purchase must deliver one label, never two
        raise RuntimeError(f"{labels} labels sent for {chats * purchases} purchases")
    return Level(
        concurrency=concurrency,
        chats=chats,
        samples=len(timings["label"]),
        seconds=round(time.monotonic() - started, 1),
        answered_p50_ms=percentile_ms(timings["answered"], 0.5),
        answered_p99_ms=percentile_ms(timings["answered"], 0.99),
        label_p50_ms=percentile_ms(timings["label"], 0.5),
        label_p99_ms=percentile_ms(timings["label"], 0.99),
        label_max_ms=percentile_ms(timings["label"], 1.0),
    )


async def benchmark(args: argparse.Namespace) -> list[Level]:
    log_dir = Path(tempfile.mkdtemp(prefix="shipbot-purchase-bench-"))
    env = {"SANDBOX_CARRIER_LATENCY": "0", "LABELS_DIR": labels_dir(log_dir)}
    levels = []
    async with (
        bot_api(api_delay_ms=args.api_delay) as botapi,
        shipbot_serve(botapi, log_dir, sqlite_url(log_dir), env),
    ):
        for concurrency in args.concurrency:
            level = await run_level(
                botapi.emulator, botapi.deliveries, concurrency, args.chats, args.purchases
            )
            print(level, flush=True)
            levels.append(level)
    return levels


def report(levels: list[Level], args: argparse.Namespace) -> str:
    lines = [
        *report_header("benchmarks.purchase_latency", args),
        f"Sandbox carrier with no simulated latency; SQLite; Bot API answers after "
        f"{args.api_delay} ms. Each level: {args.chats} chats, each topped up through the "
        f"sandbox payment page, then {args.purchases} purchases "
        "(review → Show rates → first rate → Pay); at most `concurrency` chats at a time.",
        "Pay answered: press → webhook 2xx. Label: press → the emulator receives the "
        "chat's sendDocument.",
        "",
        *markdown_table(
            [
                "concurrency",
                "samples",
                "level s",
                "pay answered p50 / p99 ms",
                "label p50 ms",
                "label p99 ms",
                "label max ms",
            ],
            (
                [
                    level.concurrency,
                    level.samples,
                    level.seconds,
                    f"{level.answered_p50_ms} / {level.answered_p99_ms}",
                    level.label_p50_ms,
                    level.label_p99_ms,
                    level.label_max_ms,
                ]
                for level in levels
            ),
        ),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--concurrency", nargs="+", type=int, default=[1, 10])
    parser.add_argument("--chats", type=int, default=20, help="chats per level")
    parser.add_argument("--purchases", type=int, default=10, help="purchases per chat")
    parser.add_argument("--api-delay", type=int, default=0, help="Bot API delay, ms")
    run_from_command_line(parser, benchmark, report)


if __name__ == "__main__":
    main()
