"""Roles: owner-only pages and actions refuse a support account with 403; the owner's
account actions are protected by CSRF and audited."""

from __future__ import annotations

from shipbot.services import admin_accounts, audit
from shipbot.services.audit import AuditFilter
from tests.admin.conftest import OWNER, SUPPORT, browser, logged_in


async def test_support_gets_403_on_admin_accounts_and_sees_no_link_to_it(app, accounts):
    async with browser(app) as support:
        await logged_in(support, SUPPORT)
        refused = await support.get("/admin/accounts")
        assert refused.status_code == 403
        assert "Your role does not give access" in refused.text
        assert OWNER not in refused.text
        assert "/admin/accounts" not in (await support.get("/admin")).text
        assert (await support.get("/admin/audit")).status_code == 200


async def test_owner_sees_every_admin_account(app, accounts):
    async with browser(app) as owner:
        await logged_in(owner, OWNER)
        page = await owner.get("/admin/accounts")
        assert page.status_code == 200
        assert f"<td>{OWNER}</td>" in page.text and f"<td>{SUPPORT}</td>" in page.text
        assert "support" in page.text and "active" in page.text


async def disabled_names(database) -> set[str]:
    return {
        account.username
        for account in await admin_accounts.list_accounts(database)
        if account.disabled_at is not None
    }


async def test_owner_disables_an_account_in_the_panel_which_ends_its_sessions_audited(
    app, database, accounts
):
    async with browser(app, "192.0.2.60") as owner, browser(app) as support:
        csrf = await logged_in(owner, OWNER)
        await logged_in(support, SUPPORT)

        response = await owner.post(
            f"/admin/accounts/{SUPPORT}/disable", data={"csrf_token": csrf}
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/admin/accounts?done=disabled"
        assert (await support.get("/admin")).status_code == 303
        assert await disabled_names(database) == {SUPPORT}

    disables = AuditFilter(action="admin_account.disable")
    [entry] = (await audit.list_entries(database, disables)).entries
    assert (entry.admin_username, entry.client_address, entry.target_id) == (
        OWNER,
        "192.0.2.60",
        SUPPORT,
    )
    assert (entry.before, entry.after) == ({"disabled": False}, {"disabled": True})


async def test_disabling_is_refused_to_support_without_csrf_and_for_oneself(
    app, database, accounts
):
    async with browser(app) as owner, browser(app) as support:
        owner_csrf = await logged_in(owner, OWNER)
        support_csrf = await logged_in(support, SUPPORT)

        by_support = await support.post(
            f"/admin/accounts/{OWNER}/disable", data={"csrf_token": support_csrf}
        )
        assert by_support.status_code == 403
        without_csrf = await owner.post(f"/admin/accounts/{SUPPORT}/disable")
        assert without_csrf.status_code == 403
        oneself = await owner.post(
            f"/admin/accounts/{OWNER}/disable", data={"csrf_token": owner_csrf}
        )
        assert oneself.status_code == 400
        assert "you cannot disable your own account" in oneself.text
        unknown = await owner.post(
            "/admin/accounts/nobody/disable", data={"csrf_token": owner_csrf}
        )
        assert unknown.status_code == 400 and "no admin named" in unknown.text

    assert await disabled_names(database) == set()
    disables = AuditFilter(action="admin_account.disable")
    assert (await audit.list_entries(database, disables)).entries == []
