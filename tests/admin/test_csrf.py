"""State-changing requests need the CSRF token: the session's own on the panel's forms and
htmx requests, the double-submit cookie on the login form. Without it: 403, nothing changed."""

from __future__ import annotations

from sqlalchemy import func, select

from shipbot.db.models import AdminLoginFailure, AdminSession, AuditEntry
from tests.admin.conftest import OWNER, PASSWORD, SUPPORT, browser, csrf_field, logged_in


async def audit_count(database) -> int:
    async with database.sessions() as session:
        return await session.scalar(select(func.count()).select_from(AuditEntry))


async def live_sessions(database) -> int:
    async with database.sessions() as session:
        return await session.scalar(
            select(func.count())
            .select_from(AdminSession)
            .where(AdminSession.revoked_at.is_(None))
        )


async def test_logout_without_or_with_a_wrong_token_is_refused_and_changes_nothing(
    app, database, accounts
):
    async with browser(app) as owner, browser(app, "192.0.2.20") as other:
        token = await logged_in(owner)
        others_token = await logged_in(other, SUPPORT)
        before = await audit_count(database)

        for data, headers in (
            ({}, {}),
            ({"csrf_token": ""}, {}),
            ({"csrf_token": token[:-1] + ("x" if token[-1] != "x" else "y")}, {}),
            ({"csrf_token": others_token}, {}),  # another session's token
            ({}, {"X-CSRF-Token": "forged"}),
        ):
            response = await owner.post("/admin/logout", data=data, headers=headers)
            assert response.status_code == 403, (data, headers)
            assert "did not come from this panel" in response.text

        assert (await owner.get("/admin")).status_code == 200  # still logged in
        assert await live_sessions(database) == 2
        assert await audit_count(database) == before

        # The right token, as the form field or as htmx's header, does log out.
        assert (await owner.post("/admin/logout", data={"csrf_token": token})).status_code == 303
        response = await other.post("/admin/logout", headers={"X-CSRF-Token": others_token})
        assert response.status_code == 303
        assert await live_sessions(database) == 0


async def test_the_login_form_needs_its_double_submit_token(app, database, accounts):
    async with browser(app) as client:
        form = await client.get("/admin/login")
        name, token = csrf_field(form.text)
        assert name.startswith("csrf")
        assert client.cookies["shipbot_admin_login"] == token
        credentials = {"username": OWNER, "password": PASSWORD}

        for data in (credentials, {**credentials, name: "forged"}, {**credentials, name: ""}):
            response = await client.post("/admin/login", data=data)
            assert response.status_code == 403

        # A page elsewhere can post the field but not set the cookie.
        client.cookies.delete("shipbot_admin_login")
        response = await client.post("/admin/login", data={**credentials, name: token})
        assert response.status_code == 403

    async with database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AdminSession)) == 0
        assert await session.scalar(select(func.count()).select_from(AdminLoginFailure)) == 0
    assert await audit_count(database) == 2  # the two accounts' creation only
