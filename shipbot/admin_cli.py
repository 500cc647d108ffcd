"""`shipbot admin ...`: admin panel accounts from the server's shell (create, passwd, list,
disable). Each command applies migrations first and is audited as done from the command line."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer

from shipbot.config import load_settings
from shipbot.db import migrate
from shipbot.db.database import Database
from shipbot.logs import configure_logging
from shipbot.services.admin_accounts import (
    AdminAccountError,
    Role,
    create_account,
    disable_account,
    list_accounts,
    set_password,
)
from shipbot.services.audit import COMMAND_LINE

T = TypeVar("T")

admin_app = typer.Typer(help="Manage admin panel accounts.", no_args_is_help=True)

PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password as one line from stdin instead of a prompt."
    ),
]
Username = Annotated[str, typer.Argument(metavar="USERNAME", help="The admin's login name.")]


def _run(action: Callable[..., Awaitable[T]]) -> T:
    """Run `action(database)` on a migrated database; a rule broken is one line and exit 1."""
    # Imported here: shipbot.cli imports this module to register the commands.
    from shipbot.cli import reports_config_errors

    @reports_config_errors
    def run() -> T:
        settings = load_settings()
        configure_logging(settings.log_format, "WARNING")

        async def with_database() -> T:
            database = Database(settings.database_url)
            try:
                await migrate.upgrade(database)
                return await action(database)
            finally:
                await database.dispose()

        try:
            return asyncio.run(with_database())
        except AdminAccountError as error:
            typer.echo(f"shipbot: {error}", err=True)
            raise typer.Exit(1) from None

    return run()


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@admin_app.command("create")
def create(
    username: Username,
    role: Annotated[Role, typer.Option(help="owner: everything; support: no settings or accounts.")]
    = Role.SUPPORT,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create an admin account."""
    password = _read_password(password_stdin)
    account = _run(
        lambda database: create_account(database, username, password, role, COMMAND_LINE)
    )
    typer.echo(f"created admin {account.username!r} ({account.role.value})")


@admin_app.command("passwd")
def passwd(username: Username, password_stdin: PasswordStdin = False) -> None:
    """Set an admin's password; their open sessions end."""
    password = _read_password(password_stdin)
    _run(lambda database: set_password(database, username, password, COMMAND_LINE))
    typer.echo(f"password changed for {username.strip().lower()!r}; their sessions ended")


@admin_app.command("list")
def list_() -> None:
    """List admin accounts."""
    accounts = _run(list_accounts)
    if not accounts:
        typer.echo("no admin accounts; create one with `shipbot admin create USERNAME`")
        return
    for account in accounts:
        status = f"disabled {account.disabled_at:%Y-%m-%d}" if account.disabled_at else "active"
        telegram = f"telegram {account.telegram_id}" if account.telegram_id else ""
        typer.echo(
            f"{account.username:<24} {account.role.value:<8} {status:<20} "
            f"created {account.created_at:%Y-%m-%d} {telegram}".rstrip()
        )


@admin_app.command("disable")
def disable(username: Username) -> None:
    """Disable an admin account: it can no longer log in, and its sessions end."""
    _run(lambda database: disable_account(database, username, COMMAND_LINE))
    typer.echo(f"disabled admin {username.strip().lower()!r}")
