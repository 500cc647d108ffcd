"""Issue 13: a broadcast sent by real `shipbot serve` processes survives SIGKILL. The killed
worker's claimed rows are taken over once their lease has passed; the only duplicate is the
one message a worker may have sent without recording it (at most one per kill)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable

import pytest

from shipbot.config import Settings
from shipbot.db.database import Database
from shipbot.db.models import User
from shipbot.domain.broadcast import Audience, AudienceKind, Content
from shipbot.services import broadcasts
from shipbot.services.audit import Actor
from tests.integration.conftest import database_rows
from tests.support.processes import ServerProcess
from tests.support.sandbox_client import EmulatorClient

OWNER = Actor(account_id=1, username="olga", client_address="127.0.0.1")
TEXT = "Resume test: new rates"
RATE = "25"
WAIT = 180  # bounds a broken run only: every wait ends on its condition


def wait_until(condition: Callable[[], object], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(0.2)


def received(emulator: EmulatorClient) -> Counter[int]:
    """Broadcast messages Telegram accepted, by chat."""
    return Counter(
        int(call["params"]["chat_id"])
        for call in emulator.calls("sendMessage")
        if call["error"] is None and TEXT in str(call["params"].get("text"))
    )


def start_broadcast(emulator: EmulatorClient, database_url: str, count: int) -> list[int]:
    """Users in the emulator and in the bot's database, and a broadcast to all of them."""
    ids = [emulator.create_user(f"U{n}").user_id for n in range(count)]

    async def store() -> None:
        database = Database(Settings._database_url(database_url))
        try:
            async with database.transaction() as session:
                session.add_all([User(id=i, first_name="U") for i in ids])
            await broadcasts.start(database, OWNER, Content(TEXT), Audience(AudienceKind.ALL))
        finally:
            await database.dispose()

    asyncio.run(store())
    return ids


def broadcast_state(database_url: str) -> tuple[str, int]:
    [(state, total)] = database_rows(database_url, "SELECT state, total FROM broadcasts")
    return state, total


def recipient_counts(database_url: str) -> dict[str, int]:
    return dict(
        database_rows(
            database_url, "SELECT state, count(*) FROM broadcast_recipients GROUP BY state"
        )
    )


def batches_tried(server: ServerProcess) -> int:
    """Messages this process's worker tried, from its log."""
    return sum(
        int(line.split(" tried ", 1)[1].split()[0])
        for line in server.log().splitlines()
        if " tried " in line and "of a batch of" in line
    )


def telegram_limits(emulator: EmulatorClient) -> None:
    emulator.settings(global_per_second=30, chat_per_second=1)


def assert_everyone_once(emulator: EmulatorClient, database_url: str, ids: list[int], kills: int):
    copies = received(emulator)
    assert set(copies) == set(ids)
    twice = [chat for chat, n in copies.items() if n > 1]
    assert len(twice) <= kills and all(copies[chat] == 2 for chat in twice)
    assert broadcast_state(database_url) == ("done", len(ids))
    assert recipient_counts(database_url) == {"sent": len(ids)}
    [(reported,)] = database_rows(
        database_url, "SELECT count(*) FROM broadcast_recipients WHERE sent_at IS NOT NULL"
    )
    assert reported == len(copies)
    assert emulator.http.get("/settings").json()["early_sends"] == 0


def test_a_broadcast_killed_mid_way_resumes_on_restart_sqlite(emulator, start_bot, sqlite_url):
    server = start_bot(BROADCAST_RATE=RATE)
    telegram_limits(emulator)
    ids = start_broadcast(emulator, sqlite_url, 300)

    wait_until(lambda: len(received(emulator)) >= 60, "a part of the broadcast to be sent")
    server.kill()
    at_kill = len(received(emulator))
    assert at_kill < len(ids)

    start_bot(BROADCAST_RATE=RATE)
    wait_until(lambda: broadcast_state(sqlite_url)[0] == "done", "the broadcast to finish")
    assert_everyone_once(emulator, sqlite_url, ids, kills=1)


@pytest.mark.postgres
def test_two_replicas_share_a_broadcast_and_survive_one_killed(emulator, start_bot, postgres_url):
    first = start_bot(database_url=postgres_url, BROADCAST_RATE=RATE)
    second = start_bot(database_url=postgres_url, BROADCAST_RATE=RATE)
    telegram_limits(emulator)
    ids = start_broadcast(emulator, postgres_url, 400)

    wait_until(
        lambda: batches_tried(first) > 0 and batches_tried(second) > 0,
        "both replicas to send a batch",
    )
    first.kill()
    killed_sent = batches_tried(first)
    assert len(received(emulator)) < len(ids)
    start_bot(database_url=postgres_url, BROADCAST_RATE=RATE)
    wait_until(lambda: broadcast_state(postgres_url)[0] == "done", "the broadcast to finish")

    # Each replica sent part (the killed one's last, unfinished batch is not in its log).
    assert killed_sent > 0 and batches_tried(second) > 0
    assert_everyone_once(emulator, postgres_url, ids, kills=1)
