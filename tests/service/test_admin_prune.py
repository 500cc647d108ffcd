"""Housekeeping removes admin sessions that can no longer be used and failed logins too old to
count towards a lockout, and keeps the rest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from shipbot.db.database import Database
from shipbot.db.models import AdminLoginFailure, AdminSession, utcnow
from shipbot.services import admin_accounts, admin_sessions
from shipbot.services.admin_accounts import LockedOut, LoginFailed, Role
from shipbot.services.audit import COMMAND_LINE

PASSWORD = "a long enough password"


@pytest.fixture
async def database(migrated_url):
    db = Database(migrated_url)
    await admin_accounts.create_account(db, "olga", PASSWORD, Role.OWNER, COMMAND_LINE)
    yield db
    await db.dispose()


async def rows(database, model) -> int:
    async with database.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_ended_sessions_and_old_failures_go_live_ones_stay(database):
    now = utcnow()
    long_ago = now - admin_sessions.ABSOLUTE_TIMEOUT - timedelta(minutes=1)
    live, _ = await admin_sessions.log_in(database, "olga", PASSWORD, "192.0.2.1", now=now)
    await admin_sessions.log_in(database, "olga", PASSWORD, "192.0.2.1", now=long_ago)
    for minutes in (1, 40):  # one failure that still counts, one that no longer can
        with pytest.raises((LoginFailed, LockedOut)):
            await admin_sessions.log_in(
                database, "olga", "wrong", "192.0.2.9", now=now - timedelta(minutes=minutes)
            )

    assert await admin_sessions.prune_ended(database, now=now) == 2
    assert await rows(database, AdminSession) == 1
    assert await rows(database, AdminLoginFailure) == 1
    assert await admin_sessions.resolve(database, live, now=now) is not None
