"""`shipbot admin create|passwd|list|disable` as an operator runs them, against a temporary
SQLite database; what they did is then checked through the login itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from shipbot.config import load_settings
from shipbot.db.database import Database
from shipbot.db.models import AuditEntry
from shipbot.services.admin_accounts import LoginFailed, authenticate

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "tr0ub4dor and then some"


@pytest.fixture
def shipbot_admin(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**os.environ, "DATABASE_URL": url, "LOG_FORMAT": "text"}

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        # In tmp_path: no .env of the working tree is read.
        return subprocess.run(
            [sys.executable, "-m", "shipbot", "admin", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
        )

    run.database_url = load_settings(_env_file=None, database_url=url).database_url
    return run


async def can_log_in(database_url: str, username: str, password: str) -> bool:
    database = Database(database_url)
    try:
        await authenticate(database, username, password, "192.0.2.40")
        return True
    except LoginFailed:
        return False
    finally:
        await database.dispose()


async def audited_actions(database_url: str) -> list[tuple[str, str | None, str | None]]:
    database = Database(database_url)
    try:
        async with database.sessions() as session:
            rows = await session.execute(
                select(AuditEntry.action, AuditEntry.target_id, AuditEntry.client_address)
                .where(AuditEntry.action.startswith("admin_account."))
                .order_by(AuditEntry.id)
            )
            return [tuple(row) for row in rows]
    finally:
        await database.dispose()


async def test_create_list_passwd_and_disable(shipbot_admin):
    created = shipbot_admin(
        "create", "Olga", "--role", "owner", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "created admin 'olga' (owner)"
    assert await can_log_in(shipbot_admin.database_url, "olga", PASSWORD)

    duplicate = shipbot_admin("create", "olga", "--password-stdin", stdin=PASSWORD + "\n")
    assert duplicate.returncode == 1
    assert duplicate.stderr.strip() == "shipbot: admin 'olga' already exists"

    support = shipbot_admin("create", "sam", "--password-stdin", stdin=PASSWORD + "\n")
    assert support.returncode == 0 and "(support)" in support.stdout  # the default role

    listed = shipbot_admin("list")
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert [line.split()[:3] for line in lines] == [
        ["olga", "owner", "active"],
        ["sam", "support", "active"],
    ]

    changed = shipbot_admin("passwd", "olga", "--password-stdin", stdin=NEW_PASSWORD + "\n")
    assert changed.returncode == 0, changed.stderr
    assert not await can_log_in(shipbot_admin.database_url, "olga", PASSWORD)
    assert await can_log_in(shipbot_admin.database_url, "olga", NEW_PASSWORD)

    last_owner = shipbot_admin("disable", "olga")
    assert last_owner.returncode == 1
    assert last_owner.stderr.strip() == (
        "shipbot: 'olga' is the last active owner: make another admin an owner first"
    )
    assert await can_log_in(shipbot_admin.database_url, "olga", NEW_PASSWORD)

    disabled = shipbot_admin("disable", "sam")
    assert disabled.returncode == 0, disabled.stderr
    assert not await can_log_in(shipbot_admin.database_url, "sam", PASSWORD)
    assert "disabled" in shipbot_admin("list").stdout.splitlines()[1]
    again = shipbot_admin("disable", "sam")
    assert again.returncode == 1
    assert again.stderr.strip() == "shipbot: admin 'sam' is already disabled"

    assert await audited_actions(shipbot_admin.database_url) == [
        ("admin_account.create", "olga", "command line"),
        ("admin_account.create", "sam", "command line"),
        ("admin_account.set_password", "olga", "command line"),
        ("admin_account.disable", "sam", "command line"),
    ]


def test_bad_input_is_one_line_exit_1_and_changes_nothing(shipbot_admin):
    for args, stdin, message in (
        (("create", "ann", "--password-stdin"), "\n", "password is empty"),
        (("create", "ann", "--password-stdin"), "short pass\n", "password must be at least 12"),
        (("create", "a b", "--password-stdin"), PASSWORD + "\n", "username must be 2-64"),
        (("passwd", "nobody", "--password-stdin"), PASSWORD + "\n", "no admin named 'nobody'"),
        (("disable", "nobody"), "", "no admin named 'nobody'"),
    ):
        result = shipbot_admin(*args, stdin=stdin)
        assert result.returncode == 1, args
        assert result.stderr.startswith(f"shipbot: {message}"), (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert shipbot_admin("list").stdout.startswith("no admin accounts")


def test_a_bad_database_url_is_a_configuration_error(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "shipbot", "admin", "list"],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": "mysql://nope"},
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("shipbot: configuration error: DATABASE_URL:")
