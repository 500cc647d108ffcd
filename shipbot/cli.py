"""The `shipbot` command line: serve, poll, webhook, migrate, doctor, backup, sandbox."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any

import typer
import uvicorn

from shipbot.admin_cli import admin_app
from shipbot.config import ConfigError, LogFormat, Settings, load_settings
from shipbot.logs import configure_logging

app = typer.Typer(help="shipbot: discounted US shipping labels in Telegram.", no_args_is_help=True)
webhook_app = typer.Typer(help="Manage the Telegram webhook.", no_args_is_help=True)
app.add_typer(webhook_app, name="webhook")
app.add_typer(admin_app, name="admin")

# On SIGTERM the updates in flight get this long to commit, then the connections a few seconds
# to close, then the purchase jobs their own PURCHASE_DRAIN_SECONDS: within compose's 40 s.
UPDATES_DRAIN_SECONDS = 20
CONNECTIONS_CLOSE_SECONDS = 5

DropPending = Annotated[
    bool,
    typer.Option(
        "--drop-pending-updates",
        help="Discard updates Telegram holds for the bot. Off by default: they can be payments.",
    ),
]


def reports_config_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Bad configuration stops the command with one line naming the variable (G7)."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ConfigError as error:
            typer.echo(f"shipbot: {error}", err=True)
            raise typer.Exit(2) from None

    return wrapper


def _settings(*required: str) -> Settings:
    settings = load_settings()
    if required:
        settings.require(*required)
    configure_logging(settings.log_format, settings.log_level)
    return settings


def _run_http(
    application: Any,
    host: str,
    port: int,
    drain_seconds: float,
    close_seconds: float = CONNECTIONS_CLOSE_SECONDS,
) -> None:
    """Serve until SIGTERM, then drain for up to drain_seconds (shipbot/web/draining.py) and
    give the connections close_seconds to close."""
    from shipbot.web.draining import DrainingServer

    config = uvicorn.Config(
        application,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        server_header=False,  # no "server: uvicorn" banner naming what to attack
        timeout_graceful_shutdown=close_seconds,
    )
    DrainingServer(config, application.state.drain, drain_seconds).run()


@app.command()
@reports_config_errors
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    set_webhook: Annotated[
        bool, typer.Option(help="Call setWebhook with the secret at start.")
    ] = True,
) -> None:
    """Run the bot in webhook mode behind the HTTP server."""
    from shipbot.web.app import create_app

    settings = _settings("bot_token", "webhook_base_url", "webhook_secret")
    _run_http(
        create_app(settings, register_webhook=set_webhook), host, port, UPDATES_DRAIN_SECONDS
    )


@app.command()
@reports_config_errors
def poll(
    host: Annotated[str, typer.Option(help="Interface for the payment callback.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for the payment callback.")] = 8080,
) -> None:
    """Long polling for local development with a real token (the webhook must be deleted).

    The rest of the program is the same as `serve`: background jobs, and an HTTP server for
    the payment callback and the operations endpoints."""
    from shipbot.web.app import UpdateSource, create_app

    settings = _settings("bot_token")
    settings.require_providers()
    webhook = _with_bot(settings, lambda bot: bot.get_webhook_info())
    if webhook.url:
        typer.echo(
            "shipbot: a webhook is set for this bot; run `shipbot webhook delete` first", err=True
        )
        raise typer.Exit(1)
    application = create_app(settings, updates=UpdateSource.POLLING)
    _run_http(application, host, port, UPDATES_DRAIN_SECONDS)


@app.command()
@reports_config_errors
def migrate() -> None:
    """Apply database migrations."""
    from shipbot.db import migrate as migrations
    from shipbot.db.database import Database

    settings = _settings()

    async def run() -> None:
        database = Database(settings.database_url)
        try:
            await migrations.upgrade(database)
        finally:
            await database.dispose()

    asyncio.run(run())


def _with_bot(settings: Settings, action: Callable[[Any], Any]) -> Any:
    from shipbot.bot.assembly import build_bot

    async def run() -> Any:
        bot = build_bot(settings)
        try:
            return await action(bot)
        finally:
            await bot.session.close()

    return asyncio.run(run())


@app.command()
def doctor() -> None:
    """Check configuration, database, Bot API, webhook, providers and disk; exit 1 on a FAIL."""
    from shipbot.doctor import Verdict, examine

    configure_logging(LogFormat.TEXT, "ERROR")  # the verdicts are the output
    findings = asyncio.run(examine())
    for finding in findings:
        typer.echo(finding.line())
    if any(finding.verdict is Verdict.FAIL for finding in findings):
        raise typer.Exit(1)


@webhook_app.command("set")
@reports_config_errors
def webhook_set(drop_pending_updates: DropPending = False) -> None:
    """Point Telegram at WEBHOOK_BASE_URL with WEBHOOK_SECRET."""
    from shipbot.bot.assembly import ALLOWED_UPDATES

    settings = _settings("bot_token", "webhook_base_url", "webhook_secret")
    _with_bot(
        settings,
        lambda bot: bot.set_webhook(
            url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
            max_connections=settings.webhook_max_connections,
            drop_pending_updates=drop_pending_updates,
        ),
    )
    typer.echo(f"webhook set to {settings.webhook_url}")


@webhook_app.command("delete")
@reports_config_errors
def webhook_delete(drop_pending_updates: DropPending = False) -> None:
    """Remove the webhook (pending updates are kept unless asked otherwise)."""
    settings = _settings("bot_token")
    _with_bot(settings, lambda bot: bot.delete_webhook(drop_pending_updates=drop_pending_updates))
    typer.echo("webhook deleted" + (" and pending updates dropped" if drop_pending_updates else ""))


@webhook_app.command("info")
@reports_config_errors
def webhook_info() -> None:
    """Show what Telegram knows about the webhook."""
    settings = _settings("bot_token")
    info = _with_bot(settings, lambda bot: bot.get_webhook_info())
    typer.echo(json.dumps(info.model_dump(mode="json", exclude_none=True), indent=2))


@app.command()
@reports_config_errors
def sandbox(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
) -> None:
    """Bot + Telegram Bot API emulator + web chat on one port, no token or network needed."""
    from shipbot.sandbox.run import chat_page_url, create_sandbox_app, sandbox_settings

    settings = sandbox_settings(load_settings(), host=host, port=port)
    configure_logging(settings.log_format, settings.log_level)
    application = create_sandbox_app(settings)
    print(f"shipbot sandbox: open {chat_page_url(settings)}", file=sys.stderr, flush=True)
    # The chat page holds long polls open; do not let them delay Ctrl+C.
    _run_http(application, host, port, drain_seconds=3, close_seconds=1)


@app.command()
@reports_config_errors
def backup(
    dest: Annotated[str, typer.Argument(help="File to write the copy to.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite DEST if it exists.")] = False,
) -> None:
    """Copy the SQLite database to DEST while the server runs (PostgreSQL: use pg_dump)."""
    from shipbot.db.backup import BackupError, backup_sqlite

    settings = _settings()
    try:
        source = backup_sqlite(settings.database_url, dest, force=force)
    except BackupError as error:
        typer.echo(f"shipbot: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"backed up {source} to {dest}")
