"""Real processes over real HTTP: the Bot API emulator and `shipbot serve` instances."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.support.payments import SANDBOX_KEY
from tests.support.postgres import PostgresCluster
from tests.support.processes import HOOKED_SHIPBOT, ServerProcess
from tests.support.sandbox_client import ADMIN_TOKEN, SECRET, TOKEN, EmulatorClient

pytestmark = pytest.mark.integration


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    path = tmp_path / "logs"
    path.mkdir()
    return path


@pytest.fixture
def emulator(log_dir: Path) -> Iterator[EmulatorClient]:
    process = ServerProcess("emulator", ["shipbot.sandbox", "--token", TOKEN], {}, log_dir)
    process.start(ready_path="/sandbox/api/webhook")
    client = EmulatorClient(process.url)
    # Keep failing deliveries cheap to retry, as Telegram does within seconds.
    client.settings(retry_backoff_s=0.2, delivery_timeout_s=30)
    yield client
    process.stop()


StartBot = Callable[..., ServerProcess]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'shipbot.db'}"


@pytest.fixture
def start_bot(
    emulator: EmulatorClient, log_dir: Path, sqlite_url: str, request
) -> Iterator[StartBot]:
    servers: list[ServerProcess] = []

    def start(
        database_url: str | None = None, wait_for_webhook: bool = True, **env: str
    ) -> ServerProcess:
        server = ServerProcess(f"bot{len(servers)}", [*HOOKED_SHIPBOT, "serve"], {}, log_dir)
        server.env = {
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": emulator.botapi_url,
            "WEBHOOK_BASE_URL": server.url,
            "WEBHOOK_SECRET": SECRET,
            "DATABASE_URL": database_url or sqlite_url,
            "ADMIN_API_TOKEN": ADMIN_TOKEN,
            "PAYMENT_PROVIDER": "sandbox",
            "CARRIER_PROVIDER": "sandbox",
            "SANDBOX_MERCHANT_KEY": SANDBOX_KEY,
            "LOG_FORMAT": "text",
            # The tests type faster than a person; flood control's own tests set their limits.
            "FLOOD_LIMIT": "1000",
            # Shared by the processes of one test, like a volume shared by replicas.
            "LABELS_DIR": str(log_dir / "labels"),
            **env,
        }
        servers.append(server)
        server.start()
        if wait_for_webhook:
            emulator.wait_for_webhook(server.url + "/api/telegram/webhook")
        return server

    yield start
    for server in servers:
        server.stop()
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        for server in servers:
            print(f"----- {server.name} log -----\n{server.log()[-20000:]}")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_url(postgres: PostgresCluster) -> str:
    postgres.reset_database()
    return postgres.url


def sqlite_rows(database_url: str, query: str) -> list[tuple]:
    path = database_url.split("///", 1)[1]
    with sqlite3.connect(path) as connection:
        return connection.execute(query).fetchall()


def postgres_rows(database_url: str, query: str) -> list[tuple]:
    async def fetch() -> list[tuple]:
        connection = await asyncpg.connect(database_url)
        try:
            return [tuple(row) for row in await connection.fetch(query)]
        finally:
            await connection.close()

    return asyncio.run(fetch())


def database_rows(database_url: str, query: str) -> list[tuple]:
    rows = sqlite_rows if database_url.startswith("sqlite") else postgres_rows
    return rows(database_url, query)
