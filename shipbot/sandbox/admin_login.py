"""The sandbox's own admin account, so a newcomer sees the operator's side too: an owner named
`sandbox` whose random password is generated once, kept beside the sandbox database, and
printed at every start."""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

from shipbot.db.database import Database
from shipbot.services import admin_accounts
from shipbot.services.admin_accounts import Role
from shipbot.services.audit import COMMAND_LINE

USERNAME = "sandbox"
FILE_NAME = "sandbox-admin-password"


def password_file(database_url: str) -> Path:
    """Beside the SQLite file, so it goes with that database; else in ./data."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database).with_name(FILE_NAME)
    return Path("data") / FILE_NAME


async def sandbox_admin_password(database: Database) -> str:
    """The password of the `sandbox` owner, creating the account or the password as needed."""
    path = password_file(database.url)
    if path.exists():
        password = path.read_text().strip()
    else:
        password = secrets.token_urlsafe(12)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(password + "\n")
    if await admin_accounts.has_password(database, USERNAME, password):
        return password
    names = {account.username for account in await admin_accounts.list_accounts(database)}
    if USERNAME in names:  # the file was lost or edited: the account takes what it holds now
        await admin_accounts.set_password(database, USERNAME, password, COMMAND_LINE)
    else:
        await admin_accounts.create_account(database, USERNAME, password, Role.OWNER, COMMAND_LINE)
    return password
