"""Sessions end after 30 idle minutes, 12 hours after login whatever the activity, at logout,
and when the account is disabled or its password changed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from shipbot.db.models import AdminSession, utcnow
from shipbot.services import admin_accounts, admin_sessions
from shipbot.services.admin_accounts import Role
from shipbot.services.admin_sessions import ABSOLUTE_TIMEOUT, IDLE_TIMEOUT
from shipbot.services.audit import COMMAND_LINE
from tests.admin.conftest import OWNER, PASSWORD, browser, logged_in

ADDRESS = "192.0.2.30"


async def test_a_session_ends_after_30_idle_minutes_and_activity_keeps_it(database, accounts):
    start = utcnow()
    token, _ = await admin_sessions.log_in(database, OWNER, PASSWORD, ADDRESS, now=start)

    almost_idle = start + IDLE_TIMEOUT - timedelta(minutes=1)
    assert (await admin_sessions.resolve(database, token, now=almost_idle)).username == OWNER
    # That request counted as activity: the idle clock starts again from it.
    kept = almost_idle + IDLE_TIMEOUT - timedelta(minutes=1)
    assert await admin_sessions.resolve(database, token, now=kept) is not None
    idle = kept + IDLE_TIMEOUT + timedelta(seconds=1)
    assert await admin_sessions.resolve(database, token, now=idle) is None


async def test_a_session_ends_12_hours_after_login_however_active(database, accounts):
    start = utcnow()
    token, _ = await admin_sessions.log_in(database, OWNER, PASSWORD, ADDRESS, now=start)
    moment = start
    while moment + timedelta(minutes=20) < start + ABSOLUTE_TIMEOUT:
        moment += timedelta(minutes=20)
        assert await admin_sessions.resolve(database, token, now=moment) is not None, moment
    too_late = start + ABSOLUTE_TIMEOUT + timedelta(minutes=1)
    assert await admin_sessions.resolve(database, token, now=too_late) is None


async def test_logout_revokes_the_session_even_if_the_cookie_is_kept(app, database, accounts):
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        cookie = owner.cookies["shipbot_admin"]
        response = await owner.post("/admin/logout", data={"csrf_token": csrf})
        assert response.status_code == 303 and response.headers["location"] == "/admin/login"
        assert "shipbot_admin" not in owner.cookies

        owner.cookies.set("shipbot_admin", cookie)  # a copy of the cookie opens nothing now
        assert (await owner.get("/admin")).status_code == 303
    async with database.sessions() as session:
        assert (await session.scalar(select(AdminSession))).revoked_at is not None
    assert await admin_sessions.resolve(database, cookie) is None


async def test_changing_the_password_or_disabling_the_account_ends_its_sessions(
    app, database, accounts
):
    new_password = "a new long passphrase"
    async with browser(app) as owner:
        await logged_in(owner)
        await admin_accounts.set_password(database, OWNER, new_password, COMMAND_LINE)
        assert (await owner.get("/admin")).status_code == 303

        await logged_in(owner, password=new_password)
        # Another owner first: the last active owner cannot be disabled.
        await admin_accounts.create_account(database, "oleg", PASSWORD, Role.OWNER, COMMAND_LINE)
        await admin_accounts.disable_account(database, OWNER, COMMAND_LINE)
        assert (await owner.get("/admin")).status_code == 303
