"""A consistent copy of the SQLite database, taken while the server keeps running."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """Why no backup was written, phrased for one line on stderr."""


def sqlite_path(database_url: str) -> Path:
    """The database file behind DATABASE_URL; PostgreSQL has its own tools."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        raise BackupError("DATABASE_URL is PostgreSQL: back it up with pg_dump (docs/deploy.md)")
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        raise BackupError(f"DATABASE_URL names no SQLite file to back up ({url.database!r})")
    return Path(url.database)


def backup_sqlite(database_url: str, dest: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Copy the database to `dest` with SQLite's online backup API and return the source.

    The copy is one snapshot, as of the moment it started: in WAL mode the backup reads while
    the server writes, without blocking it. It is written beside `dest` and renamed over it
    only once complete and checked, so `dest` is never a half-written file.
    """
    source = sqlite_path(database_url)
    target = Path(dest)
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    if target.is_dir():
        raise BackupError(f"{target} is a directory; give the backup's file name")
    if target.exists() and not force:
        raise BackupError(f"{target} exists; pass --force to overwrite it")
    if not target.parent.is_dir():
        raise BackupError(f"directory {target.parent} does not exist")
    if target.resolve() == source.resolve():
        raise BackupError("the backup cannot overwrite the database itself")

    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    os.close(handle)
    try:
        with (
            contextlib.closing(sqlite3.connect(source, timeout=30)) as live,
            contextlib.closing(sqlite3.connect(temporary)) as copy,
        ):
            # All pages in one step: copied in several, every write by the server in between
            # would restart the copy, which under steady traffic might never finish.
            live.backup(copy)
            # The copy inherits WAL mode; with a rollback journal it is a plain file that
            # opens anywhere, even read-only (WAL needs a writable -shm beside it).
            copy.execute("PRAGMA journal_mode=DELETE")
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise BackupError(f"the copy failed its integrity check: {verdict}")
        os.replace(temporary, target)
    except sqlite3.Error as error:
        raise BackupError(f"backup failed: {error}") from error
    finally:
        Path(temporary).unlink(missing_ok=True)
    return source
