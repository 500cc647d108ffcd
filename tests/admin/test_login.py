"""Logging in: the session cookie, one answer for every wrong credential, the lockout after 5
failures per name and per address, argon2id hashes, and the audit rows of each attempt."""

from __future__ import annotations

from datetime import timedelta

import argon2
import pytest
from sqlalchemy import func, select

from shipbot.db.database import Database
from shipbot.db.models import AdminAccount, AdminLoginFailure, AdminSession, AuditEntry, utcnow
from shipbot.services import admin_accounts
from shipbot.services.admin_accounts import MAX_FAILURES, LockedOut, LoginFailed, Role
from shipbot.services.audit import COMMAND_LINE
from tests.admin.conftest import (
    OWNER,
    PASSWORD,
    SUPPORT,
    admin_settings,
    browser,
    log_in,
    running_app,
)

WRONG = "not the password at all"


async def actions(database: Database) -> list[str]:
    async with database.sessions() as session:
        return list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


async def count(database: Database, model: type) -> int:
    async with database.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_logging_in_sets_a_locked_down_session_cookie_and_opens_the_panel(
    client, database, accounts
):
    response = await log_in(client)

    assert response.status_code == 303 and response.headers["location"] == "/admin"
    cookie = next(
        value
        for value in response.headers.get_list("set-cookie")
        if value.startswith("shipbot_admin=")
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # the public URL is http here; see the https test below
    home = await client.get("/admin")
    assert home.status_code == 200
    assert OWNER in home.text and "owner" in home.text
    assert await actions(database) == [
        "admin_account.create",
        "admin_account.create",
        "login",
    ]
    async with database.sessions() as session:
        stored = await session.scalar(select(AdminSession.token_hash))
    token = client.cookies["shipbot_admin"]
    assert token not in stored and len(stored) == 64  # only the SHA-256 is kept


async def test_the_cookie_is_secure_and_host_only_when_the_public_url_is_https(tmp_path):
    settings = admin_settings(tmp_path, webhook_base_url="https://admin.example.com")
    async for app in running_app(settings):
        database = app.state.runtime.database
        await admin_accounts.create_account(database, OWNER, PASSWORD, Role.OWNER, COMMAND_LINE)
        async with browser(app, base_url="https://admin.example.com") as client:
            response = await log_in(client)
            assert response.status_code == 303
            cookies = response.headers.get_list("set-cookie")
            session_cookie = next(c for c in cookies if c.startswith("__Host-shipbot_admin="))
            assert "Secure" in session_cookie and "HttpOnly" in session_cookie
            assert (await client.get("/admin")).status_code == 200


async def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(
    client, database, accounts
):
    wrong_password = await log_in(client, OWNER, WRONG)
    unknown_name = await log_in(client, "nobody", WRONG)

    for response in (wrong_password, unknown_name):
        assert response.status_code == 401
        assert "Wrong username or password." in response.text
        assert "shipbot_admin=" not in "".join(response.headers.get_list("set-cookie"))
    assert (await client.get("/admin")).status_code == 303
    assert await count(database, AdminSession) == 0
    assert (await actions(database))[-2:] == ["login.failed", "login.failed"]


async def test_five_failures_lock_the_account_even_from_another_address(
    app, database, accounts
):
    async with browser(app, "192.0.2.1") as attacker, browser(app, "198.51.100.7") as owner:
        answers = [(await log_in(attacker, OWNER, WRONG)).status_code for _ in range(MAX_FAILURES)]
        assert answers == [401] * (MAX_FAILURES - 1) + [429]

        refused = await log_in(owner, OWNER, PASSWORD)
        assert refused.status_code == 429
        assert "Too many failed logins" in refused.text
        assert (await owner.get("/admin")).status_code == 303
        # Another account is not locked from that other address.
        assert (await log_in(owner, SUPPORT, PASSWORD)).status_code == 303

    assert await actions(database) == [
        "admin_account.create",
        "admin_account.create",
        *["login.failed"] * MAX_FAILURES,
        "login.lockout",
        "login.refused",
        "login",
    ]
    async with database.sessions() as session:
        lockout = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "login.lockout")
        )
    assert lockout.admin_username == OWNER and lockout.client_address == "192.0.2.1"


async def test_five_failures_lock_the_address_for_every_name(app, database, accounts, caplog):
    async with browser(app, "203.0.113.5") as guesser:
        for name in ("a1", "b2", "c3", "d4"):
            assert (await log_in(guesser, name, WRONG)).status_code == 401
        assert (await log_in(guesser, "e5", WRONG)).status_code == 429
        # Even the right password is not checked from that address now.
        assert (await log_in(guesser, OWNER, PASSWORD)).status_code == 429
    async with browser(app, "192.0.2.99") as elsewhere:
        assert (await log_in(elsewhere, OWNER, PASSWORD)).status_code == 303
    assert any(
        record.levelname == "WARNING" and "locked out" in record.getMessage()
        for record in caplog.records
    )


async def test_the_lockout_ends_after_15_minutes_and_refused_attempts_do_not_extend_it(
    database, accounts
):
    start = utcnow()
    for minute in range(MAX_FAILURES):
        expected = LockedOut if minute == MAX_FAILURES - 1 else LoginFailed
        with pytest.raises(expected):
            await admin_accounts.authenticate(
                database, OWNER, WRONG, "192.0.2.1", now=start + timedelta(minutes=minute)
            )
    locked_at = start + timedelta(minutes=MAX_FAILURES - 1)
    for later in (timedelta(minutes=1), timedelta(minutes=14)):
        with pytest.raises(LockedOut) as locked:
            await admin_accounts.authenticate(
                database, OWNER, PASSWORD, "192.0.2.2", now=locked_at + later
            )
        assert locked.value.until == locked_at + timedelta(minutes=15)

    account = await admin_accounts.authenticate(
        database, OWNER, PASSWORD, "192.0.2.2", now=locked_at + timedelta(minutes=15, seconds=1)
    )
    assert account.username == OWNER
    assert await count(database, AdminLoginFailure) == MAX_FAILURES


async def test_passwords_are_stored_as_argon2id(database, accounts):
    async with database.sessions() as session:
        hashes = list(await session.scalars(select(AdminAccount.password_hash)))
    assert len(hashes) == 2
    for stored in hashes:
        assert stored.startswith("$argon2id$")
        assert argon2.extract_parameters(stored).type is argon2.Type.ID
        assert PASSWORD not in stored
        assert argon2.PasswordHasher().verify(stored, PASSWORD)
