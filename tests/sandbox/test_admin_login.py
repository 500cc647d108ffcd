"""The sandbox's admin account: created with a random password once, the same password at the
next start, and a lost password file replaced rather than leaving the panel locked."""

from __future__ import annotations

import stat

import pytest

from shipbot.db import migrate
from shipbot.db.database import Database
from shipbot.sandbox.admin_login import USERNAME, password_file, sandbox_admin_password
from shipbot.services import admin_accounts, audit


@pytest.fixture
async def database(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}")
    await migrate.upgrade(db)
    yield db
    await db.dispose()


async def test_created_once_then_the_same_password_at_every_start(database, tmp_path):
    first = await sandbox_admin_password(database)
    again = await sandbox_admin_password(database)
    assert first == again and len(first) >= 12
    path = password_file(database.url)
    assert path == tmp_path / "sandbox-admin-password"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    (account,) = await admin_accounts.list_accounts(database)
    assert (account.username, account.role.value) == (USERNAME, "owner")
    assert await admin_accounts.has_password(database, USERNAME, first)
    entries = (await audit.list_entries(database, audit.AuditFilter())).entries
    assert [entry.action for entry in entries] == ["admin_account.create"]


async def test_a_lost_password_file_gets_a_new_password(database):
    old = await sandbox_admin_password(database)
    password_file(database.url).unlink()
    new = await sandbox_admin_password(database)
    assert new != old
    assert await admin_accounts.has_password(database, USERNAME, new)
    assert not await admin_accounts.has_password(database, USERNAME, old)


def test_a_postgresql_sandbox_keeps_it_in_the_data_directory():
    assert str(password_file("postgresql+asyncpg://u@h/db")) == "data/sandbox-admin-password"
