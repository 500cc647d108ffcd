"""A broadcast to many recipients by `shipbot serve`, against the Bot API emulator in its own
process with Telegram's limits (30 messages a second per bot, 1 a second per chat), and the
server SIGKILLed half-way and started again.

Reports the sustained sending rate as a share of BROADCAST_RATE (sends while the server ran,
downtime left out), the 429s the emulator answered, and the time from the kill, and from the
restarted server being ready, until sending resumed (the killed worker's claimed rows wait
for their lease, CLAIM_LEASE, to pass).

    python -m benchmarks.broadcast --recipients 10000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import argument_parser, report_header, run_from_command_line
from shipbot.config import Settings
from shipbot.db.database import Database
from shipbot.db.models import User
from shipbot.domain.broadcast import Audience, AudienceKind, Content
from shipbot.services import broadcasts
from shipbot.services.audit import Actor
from tests.integration.conftest import sqlite_rows
from tests.support.payments import SANDBOX_KEY
from tests.support.processes import ServerProcess
from tests.support.sandbox_client import SECRET, TOKEN, EmulatorClient

OWNER = Actor(account_id=1, username="bench", client_address="127.0.0.1")
POLL = 0.05  # seconds between looks at the progress
WAIT = 3600  # bounds a broken run only


@dataclass
class Result:
    recipients: int
    rate: float
    sustained: float  # messages a second while a server ran
    rate_limited: int
    early_sends: int
    resume_after_kill: float
    resume_after_ready: float
    duplicates: int
    total_seconds: float


def sent(url: str) -> int:
    query = "SELECT count(*) FROM broadcast_recipients WHERE state = 'sent'"
    return sqlite_rows(url, query)[0][0]


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(POLL)


def server(emulator: EmulatorClient, log_dir: Path, url: str, rate: float) -> ServerProcess:
    process = ServerProcess("shipbot", ["shipbot", "serve"], {}, log_dir)
    process.env = {
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": emulator.botapi_url,
        "WEBHOOK_BASE_URL": process.url,
        "WEBHOOK_SECRET": SECRET,
        "DATABASE_URL": url,
        "LOG_LEVEL": "WARNING",
        "PAYMENT_PROVIDER": "sandbox",
        "CARRIER_PROVIDER": "sandbox",
        "SANDBOX_MERCHANT_KEY": SANDBOX_KEY,
        "BROADCAST_RATE": str(rate),
    }
    return process.start()


async def start_broadcast(url: str, ids: list[int]) -> None:
    database = Database(Settings._database_url(url))
    try:
        async with database.transaction() as session:
            session.add_all([User(id=i, first_name="B") for i in ids])
        await broadcasts.start(database, OWNER, Content("Bench news"), Audience(AudienceKind.ALL))
    finally:
        await database.dispose()


async def benchmark(args: argparse.Namespace) -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = Path(tmp)
        url = f"sqlite:///{log_dir / 'shipbot.db'}"
        emulator_process = ServerProcess(
            "emulator", ["shipbot.sandbox", "--token", TOKEN], {}, log_dir
        )
        emulator_process.start(ready_path="/sandbox/api/webhook")
        servers: list[ServerProcess] = []
        try:
            emulator = EmulatorClient(emulator_process.url)
            emulator.settings(global_per_second=30, chat_per_second=1)
            servers.append(server(emulator, log_dir, url, args.rate))
            ids = [emulator.create_user(f"B{n}").user_id for n in range(args.recipients)]
            await start_broadcast(url, ids)
            began = time.monotonic()
            wait_for(lambda: sent(url) > 0, "the first send")
            first_send = time.monotonic()
            wait_for(lambda: sent(url) >= args.recipients // 2, "half of the broadcast")
            servers[0].kill()
            killed = time.monotonic()
            at_kill = sent(url)
            servers.append(server(emulator, log_dir, url, args.rate))
            ready = time.monotonic()
            wait_for(lambda: sent(url) > at_kill, "sending to resume")
            resumed = time.monotonic()
            wait_for(lambda: sent(url) == args.recipients, "the broadcast to finish")
            finished = time.monotonic()
            limits = emulator.http.get("/settings").json()
            accepted = [c for c in emulator.calls("sendMessage") if c["error"] is None]
        finally:
            for process in servers:
                process.stop()
            emulator_process.stop()
    sending_time = (killed - first_send) + (finished - resumed)
    return Result(
        recipients=args.recipients,
        rate=args.rate,
        sustained=(args.recipients - 1) / sending_time,
        rate_limited=limits["rate_limited"],
        early_sends=limits["early_sends"],
        resume_after_kill=resumed - killed,
        resume_after_ready=resumed - ready,
        duplicates=len(accepted) - args.recipients,
        total_seconds=finished - began,
    )


def report(result: Result, args: argparse.Namespace) -> str:
    lines = [
        f"## Broadcast: {result.recipients} recipients, BROADCAST_RATE {result.rate:g}",
        "",
        *report_header("benchmarks.broadcast", args),
        "",
        f"- sustained rate: {result.sustained:.1f}/s = "
        f"{100 * result.sustained / result.rate:.0f}% of the configured rate",
        f"- 429s received: {result.rate_limited} (sends before an announced retry_after: "
        f"{result.early_sends})",
        f"- resume after SIGKILL: {result.resume_after_kill:.1f} s from the kill; the restarted "
        f"server was ready {result.resume_after_kill - result.resume_after_ready:.1f} s after "
        f"the kill and sent {result.resume_after_ready:.1f} s later",
        f"- duplicates: {result.duplicates}",
        f"- whole run: {result.total_seconds:.1f} s",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=25.0, help="BROADCAST_RATE")
    run_from_command_line(parser, benchmark, report)


if __name__ == "__main__":
    main()
