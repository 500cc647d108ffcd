"""`shipbot backup`: a consistent, complete copy of the SQLite database while it is written."""

import sqlite3
import threading
import time
from contextlib import closing

import pytest
from typer.testing import CliRunner

from shipbot.cli import app
from shipbot.db import migrate
from shipbot.db.backup import BackupError, backup_sqlite
from shipbot.db.database import Database

SEED_ROWS = 2_000  # 10 KB each: a ~20 MB file, so each backup overlaps many commits
BATCH = 10


def make_database(path) -> None:
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")  # as the server runs it
        connection.execute("CREATE TABLE items (batch INTEGER, payload BLOB)")
        connection.execute("CREATE TABLE totals (n INTEGER)")
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO items VALUES (-1, ?)", [(b"s" * 10_000,) for _ in range(SEED_ROWS)]
        )
        connection.execute("INSERT INTO totals VALUES (?)", (SEED_ROWS,))
        connection.execute("COMMIT")


class Writer(threading.Thread):
    """Commits batches of rows and the running total with them, as fast as it can."""

    def __init__(self, path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.committed = SEED_ROWS  # rows committed so far, read by the test
        self.errors: list[Exception] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with closing(sqlite3.connect(self.path, isolation_level=None, timeout=30)) as connection:
            deadline = time.monotonic() + 60
            batch = 0
            while not self.stop.is_set() and time.monotonic() < deadline:
                try:
                    connection.execute("BEGIN IMMEDIATE")
                    connection.executemany(
                        "INSERT INTO items VALUES (?, ?)", [(batch, b"w" * 100)] * BATCH
                    )
                    connection.execute("UPDATE totals SET n = n + ?", (BATCH,))
                    connection.execute("COMMIT")
                except sqlite3.Error as error:
                    self.errors.append(error)
                    return
                self.committed += BATCH
                batch += 1


def rows_and_total(path) -> tuple[int, int]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        rows = copy.execute("SELECT count(*) FROM items").fetchone()[0]
        return rows, copy.execute("SELECT n FROM totals").fetchone()[0]


def test_a_backup_taken_during_writes_is_one_complete_snapshot(tmp_path):
    live = tmp_path / "live.db"
    make_database(live)
    writer = Writer(live)
    writer.start()
    overlapping_commits = 0
    try:
        while writer.committed < SEED_ROWS + 20 * BATCH and writer.is_alive():
            time.sleep(0.01)  # the writer is under way before the first backup
        for attempt in range(5):
            dest = tmp_path / f"copy-{attempt}.db"
            before = writer.committed
            backup_sqlite(f"sqlite+aiosqlite:///{live}", dest)
            overlapping_commits += writer.committed - before
            rows, total = rows_and_total(dest)
            # Consistent: every transaction is in the copy whole or not at all.
            assert rows == total
            # Complete: nothing committed before the backup started is missing.
            assert total >= before
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert not writer.errors, "the backup blocked or broke the writer"
    assert overlapping_commits > 0, "no write happened while a backup ran; the test proves little"
    assert not list(tmp_path.glob(".copy-*")), "a temporary file was left behind"


async def test_a_backup_of_the_shipbot_schema_opens_at_the_newest_migration(tmp_path):
    live = Database(f"sqlite+aiosqlite:///{tmp_path / 'shipbot.db'}")
    await migrate.upgrade(live)
    await live.dispose()

    backup_sqlite(live.url, tmp_path / "restored.db")

    restored = Database(f"sqlite+aiosqlite:///{tmp_path / 'restored.db'}")
    try:
        assert await migrate.current_revision(restored) == migrate.head_revision()
    finally:
        await restored.dispose()


def test_refuses_postgresql_and_points_to_pg_dump(tmp_path):
    with pytest.raises(BackupError, match="pg_dump"):
        backup_sqlite("postgresql+asyncpg://shipbot@db/shipbot", tmp_path / "x.db")
    assert not list(tmp_path.iterdir())


def test_refuses_an_existing_destination_unless_forced(tmp_path):
    live = tmp_path / "live.db"
    make_database(live)
    dest = tmp_path / "backup.db"
    dest.write_bytes(b"an older backup")

    with pytest.raises(BackupError, match="--force"):
        backup_sqlite(f"sqlite:///{live}", dest)
    assert dest.read_bytes() == b"an older backup"

    backup_sqlite(f"sqlite:///{live}", dest, force=True)
    assert rows_and_total(dest) == (SEED_ROWS, SEED_ROWS)


def test_a_missing_database_writes_nothing(tmp_path):
    with pytest.raises(BackupError, match="no database"):
        backup_sqlite(f"sqlite:///{tmp_path / 'absent.db'}", tmp_path / "backup.db")
    assert not list(tmp_path.iterdir())


def test_the_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no .env of the working tree
    live = tmp_path / "live.db"
    make_database(live)
    runner = CliRunner()

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{live}")
    done = runner.invoke(app, ["backup", str(tmp_path / "b.db")])
    assert done.exit_code == 0, done.output
    assert rows_and_total(tmp_path / "b.db") == (SEED_ROWS, SEED_ROWS)
    again = runner.invoke(app, ["backup", str(tmp_path / "b.db")])
    assert again.exit_code == 1 and "--force" in again.stderr
    assert runner.invoke(app, ["backup", "--force", str(tmp_path / "b.db")]).exit_code == 0

    monkeypatch.setenv("DATABASE_URL", "postgresql://shipbot@db/shipbot")
    refused = runner.invoke(app, ["backup", str(tmp_path / "pg.db")])
    assert refused.exit_code == 1 and "pg_dump" in refused.stderr
    assert not (tmp_path / "pg.db").exists()
