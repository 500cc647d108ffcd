"""Payment callback throughput: signed Oxapay-style callbacks per second that the server
verifies (HMAC-SHA512 of the raw body with the merchant key), records and credits.

`shipbot serve` runs as a child process on SQLite with the sandbox payment provider, whose
merchant key is the tests' SANDBOX_KEY; the Bot API emulator runs in this process, since the
server tells each user about the money (it edits the invoice message and sends a note)
before it answers the callback. The invoice poller is set to run hourly, so only the
callbacks credit.

Each level first opens K (--invoices) real invoices the way users do, one per emulated user:
/balance → "➕ Top up" → "$25.00", which creates the sandbox invoice and the `invoices` row;
its track_id is read from the invoice's Pay URL. Then, with `concurrency` requests in flight
(aiohttp), the level POSTs to /api/payments/oxapay/callback:

1. rejected: a "Paid" callback per invoice signed with a wrong key, each sent
   REJECTED_ROUNDS times (a 401 is cheap: K of them alone would last a fraction of a
   second) — each must get 401, and afterwards no ledger row may exist for any invoice;
2. credited: the "Paid" callback signed with the merchant key — each must get 200 "ok";
   afterwards every invoice must be credited exactly once: K `top_up` ledger rows, one per
   track_id, summing to K × $25.00, every invoice `paid`, one "added to your balance" note
   per chat;
3. replayed: the same signed callbacks again (providers retry) — 200 "ok", nothing credited.

Each row's rate is its callbacks divided by the wall time from the first POST to the last
answer. The client, the emulator and this harness share one process and event loop.

    .venv/bin/python -m benchmarks.callback_throughput \\
        --out benchmarks/results/callback_throughput.md
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from benchmarks.harness import (
    argument_parser,
    bot_api,
    invoice_pay_url,
    labels_dir,
    markdown_table,
    new_users,
    report_header,
    run_from_command_line,
    shipbot_serve,
    sqlite_url,
    step,
)
from shipbot.config import PAYMENT_CALLBACK_PATH
from tests.integration.conftest import sqlite_rows
from tests.support.payments import SANDBOX_KEY, callback_body, signature

AMOUNT_CENTS = 2500
AMOUNT_BUTTON = "$25.00"
SETUP_CHATS = 20  # chats opening their invoices at the same time, before the measurement
WRONG_KEY = "not-the-merchant-key-0123456789"
REJECTED_ROUNDS = 5  # each forged callback is sent this many times


@dataclass
class Invoice:
    chat_id: int
    track_id: str


@dataclass
class Row:
    kind: str
    concurrency: int
    callbacks: int
    seconds: float
    per_second: float
    answers: str  # e.g. "401 × 500"
    check: str  # what was verified afterwards


async def open_invoice(emulator, deliveries, slots, chat_id) -> Invoice:
    async with slots:
        await step(emulator, deliveries, chat_id, "/balance")
        await step(emulator, deliveries, chat_id, ("➕ Top up",))
        await step(emulator, deliveries, chat_id, (AMOUNT_BUTTON,))
    track_id = invoice_pay_url(emulator, chat_id).rsplit("/", 1)[1]
    return Invoice(chat_id, track_id)


async def post_all(server_url: str, requests: list[tuple[bytes, str]], concurrency: int):
    """POST every (body, HMAC) with `concurrency` in flight; the answers and the wall time.

    aiohttp rather than httpx: on this machine httpx.AsyncClient itself topped out at about
    150 requests/s with 50 in flight (about 550/s with 10), so it measured the client.
    """
    queue = list(reversed(requests))
    answers: list[tuple[int, str]] = []
    url = server_url + PAYMENT_CALLBACK_PATH
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as client:

        async def worker() -> None:
            while queue:
                body, hmac_header = queue.pop()
                headers = {"Content-Type": "application/json", "HMAC": hmac_header}
                async with client.post(url, data=body, headers=headers) as answer:
                    answers.append((answer.status, await answer.text()))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return answers, seconds


def describe(answers: list[tuple[int, str]]) -> str:
    counts = Counter(status for status, _text in answers)
    return ", ".join(f"{status} × {count}" for status, count in sorted(counts.items()))


def ledger_of(database_url: str, invoices: list[Invoice]) -> list[tuple]:
    keys = ", ".join(f"'top_up:{invoice.track_id}'" for invoice in invoices)
    return sqlite_rows(
        database_url,
        f"SELECT kind, amount_cents, idempotency_key FROM ledger_entries "
        f"WHERE idempotency_key IN ({keys})",
    )


def check_credited_once(emulator, database_url: str, invoices: list[Invoice]) -> str:
    """Every invoice credited exactly once with its amount, and its user told once."""
    count = len(invoices)
    rows = ledger_of(database_url, invoices)
    keys = Counter(key for _kind, _amount, key in rows)
    total = sum(amount for _kind, amount, _key in rows)
    problems = []
    if len(rows) != count or len(keys) != count or max(keys.values(), default=0) != 1:
        problems.append(f"{len(rows)} ledger rows for {count} invoices")
    if {kind for kind, _amount, _key in rows} != {"top_up"}:
        problems.append("ledger rows of another kind")
    if total != count * AMOUNT_CENTS:
        problems.append(f"sum {total} ≠ {count * AMOUNT_CENTS}")
    tracks = ", ".join(f"'{invoice.track_id}'" for invoice in invoices)
    statuses = sqlite_rows(
        database_url,
        f"SELECT status, credited_cents, COUNT(*) FROM invoices WHERE track_id IN ({tracks}) "
        "GROUP BY status, credited_cents",
    )
    if statuses != [("paid", AMOUNT_CENTS, count)]:
        problems.append(f"invoices {statuses}")
    notes = sum(
        1
        for invoice in invoices
        for message in emulator.messages(invoice.chat_id)
        if "added to your balance" in (message["text"] or "")
    )
    if notes != count:
        problems.append(f"{notes} balance notes for {count} invoices")
    if problems:
        raise RuntimeError("credited callbacks: " + "; ".join(problems))
    return f"{len(rows)} ledger rows (one per track_id), sum ${total / 100:,.2f}, {notes} notes"


async def measure(kind, server_url, requests, concurrency, expected) -> tuple[Row, list]:
    answers, seconds = await post_all(server_url, requests, concurrency)
    wrong = [answer for answer in answers if answer != expected]
    if wrong:
        raise RuntimeError(f"{kind}: {len(wrong)} unexpected answers, e.g. {wrong[:3]}")
    row = Row(
        kind=kind,
        concurrency=concurrency,
        callbacks=len(answers),
        seconds=round(seconds, 2),
        per_second=round(len(answers) / seconds, 1),
        answers=describe(answers),
        check="",
    )
    return row, answers


async def run_level(emulator, deliveries, server_url, database_url, count, concurrency):
    users = new_users(emulator, "Payer", count)
    slots = asyncio.Semaphore(SETUP_CHATS)
    invoices = await asyncio.gather(
        *(open_invoice(emulator, deliveries, slots, user) for user in users)
    )
    bodies = [callback_body(i.track_id, "Paid", AMOUNT_CENTS, AMOUNT_CENTS) for i in invoices]

    forged = [(body, signature(body, key=WRONG_KEY)) for body in bodies] * REJECTED_ROUNDS
    rejected, _ = await measure(
        "rejected (wrong HMAC)", server_url, forged, concurrency, (401, "invalid signature")
    )
    if ledger_of(database_url, invoices):
        raise RuntimeError("a callback with a wrong HMAC was credited")
    rejected.check = "no ledger row for any of them"

    signed = [(body, signature(body, key=SANDBOX_KEY)) for body in bodies]
    credited, _ = await measure(
        "credited (valid HMAC)", server_url, signed, concurrency, (200, "ok")
    )
    await emulator.wait_idle(timeout=60)
    credited.check = check_credited_once(emulator, database_url, invoices)

    replayed, _ = await measure(
        "replayed (already credited)", server_url, signed, concurrency, (200, "ok")
    )
    replayed.check = check_credited_once(emulator, database_url, invoices) + " (unchanged)"
    return [rejected, credited, replayed]


async def benchmark(args: argparse.Namespace) -> list[Row]:
    log_dir = Path(tempfile.mkdtemp(prefix="shipbot-callback-bench-"))
    # Known here, not only to the server: the checks read the ledger from it.
    database_url = sqlite_url(log_dir)
    # The poller would credit paid invoices too; hourly, only the callbacks do.
    env = {"LABELS_DIR": labels_dir(log_dir), "INVOICE_POLL_SECONDS": "3600"}
    rows: list[Row] = []
    async with (
        bot_api() as botapi,
        shipbot_serve(botapi, log_dir, database_url, env) as server,
    ):
        for concurrency in args.concurrency:
            level = await run_level(
                botapi.emulator,
                botapi.deliveries,
                server.url,
                database_url,
                args.invoices,
                concurrency,
            )
            for row in level:
                print(row, flush=True)
            rows += level
    return rows


def report(rows: list[Row], args: argparse.Namespace) -> str:
    lines = [
        *report_header("benchmarks.callback_throughput", args),
        f"SQLite; sandbox payment provider; each level: {args.invoices} invoices of "
        f"{AMOUNT_BUTTON}, opened by {args.invoices} users through the bot, then one "
        "callback per invoice for each row, in this order (the wrong-HMAC ones "
        f"{REJECTED_ROUNDS} times each). Rate = callbacks / wall time "
        "from the first POST to the last answer.",
        "",
        *markdown_table(
            [
                "callbacks",
                "concurrency",
                "count",
                "seconds",
                "callbacks/s",
                "answers",
                "verified after",
            ],
            (
                [
                    row.kind,
                    row.concurrency,
                    row.callbacks,
                    row.seconds,
                    row.per_second,
                    row.answers,
                    row.check,
                ]
                for row in rows
            ),
        ),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--invoices", type=int, default=500, help="invoices per level (K)")
    parser.add_argument(
        "--concurrency", nargs="+", type=int, default=[10, 50], help="requests in flight"
    )
    run_from_command_line(parser, benchmark, report)


if __name__ == "__main__":
    main()
