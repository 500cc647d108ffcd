"""Personal API tokens: created in the panel and shown once, stored as a hash, acting on the API
as their admin with that admin's role, and closed by revocation or a disabled account.
ADMIN_API_TOKEN keeps working as before."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from sqlalchemy import select

from shipbot.db.models import AdminApiToken, utcnow
from shipbot.services import admin_accounts, admin_api_tokens, audit, shop_settings
from shipbot.services.audit import COMMAND_LINE, AuditFilter
from tests.admin.conftest import OWNER, SUPPORT, browser, logged_in, personal_token
from tests.admin.seeding import add_user
from tests.support.sandbox_client import ADMIN_TOKEN

ANN = 101
_SHOWN_TOKEN = re.compile(r"<code>(sbk_[A-Za-z0-9_-]{43})</code>")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def create_in_panel(client, csrf: str, name: str = "nightly export") -> str:
    response = await client.post("/admin/api-tokens", data={"csrf_token": csrf, "name": name})
    assert response.status_code == 200, response.text
    assert "Copy it now" in response.text
    return _SHOWN_TOKEN.search(response.text).group(1)


async def stored_tokens(database) -> list[AdminApiToken]:
    async with database.sessions() as session:
        return list(await session.scalars(select(AdminApiToken).order_by(AdminApiToken.id)))


async def adjust(client, token: str, cents: int, action_id: str):
    body = {"amount_cents": cents, "reason": "goodwill", "action_id": action_id}
    return await client.post(
        f"/api/admin/users/{ANN}/adjustments", json=body, headers=bearer(token)
    )


async def test_a_token_created_in_the_panel_acts_on_the_api_as_its_admin(app, database, accounts):
    await add_user(app, ANN, balance_cents=0)
    async with browser(app, "192.0.2.70") as owner:
        token = await create_in_panel(owner, await logged_in(owner))
        assert token.startswith("sbk_")
    async with browser(app, "192.0.2.71") as script:
        response = await adjust(script, token, 5_00, "a" * 16)
        assert response.status_code == 200 and response.json()["applied"]

    [created] = (await audit.list_entries(database, AuditFilter(action="api_token.create"))).entries
    assert (created.admin_username, created.client_address) == (OWNER, "192.0.2.70")
    assert created.after["name"] == "nightly export"
    [adjusted] = (
        await audit.list_entries(database, AuditFilter(action="balance_adjustment"))
    ).entries
    assert (adjusted.admin_username, adjusted.client_address) == (OWNER, "192.0.2.71")
    assert adjusted.admin_account_id == created.admin_account_id is not None
    [row] = await stored_tokens(database)
    assert row.last_used_at is not None


async def test_only_the_hash_and_a_short_prefix_are_stored(app, database, accounts):
    async with browser(app) as owner:
        token = await create_in_panel(owner, await logged_in(owner))
    [row] = await stored_tokens(database)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.prefix == token[:12]
    stored = (row.name, row.token_hash, row.prefix)
    assert not any(token in value for value in stored)


async def test_the_token_is_shown_once_and_the_list_shows_only_its_prefix(app, database, accounts):
    async with browser(app) as owner:
        token = await create_in_panel(owner, await logged_in(owner))
        page = await owner.get("/admin/api-tokens")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert token not in page.text and "Copy it now" not in page.text
        assert f"<code>{token[:12]}…</code>" in page.text and "nightly export" in page.text
        assert 'href="/admin/api-tokens"' in page.text  # in the navigation


async def test_a_revoked_token_is_refused_with_401_and_revoking_needs_confirmation(
    app, database, accounts
):
    async with browser(app) as owner, browser(app) as script:
        csrf = await logged_in(owner)
        token = await create_in_panel(owner, csrf)
        [row] = await stored_tokens(database)
        revoke = f"/admin/api-tokens/{row.id}/revoke"

        unconfirmed = await owner.post(revoke, data={"csrf_token": csrf})
        assert unconfirmed.status_code == 400 and "Tick the box" in unconfirmed.text
        assert (await script.get("/api/admin/audit", headers=bearer(token))).status_code == 200

        done = await owner.post(revoke, data={"csrf_token": csrf, "confirm": "yes"})
        assert done.status_code == 303
        assert done.headers["location"] == "/admin/api-tokens?done=revoked"
        refused = await script.get("/api/admin/audit", headers=bearer(token))
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthorized"
        again = await owner.post(revoke, data={"csrf_token": csrf, "confirm": "yes"})
        assert again.status_code == 400 and "already revoked" in again.text

    [entry] = (await audit.list_entries(database, AuditFilter(action="api_token.revoke"))).entries
    assert entry.admin_username == OWNER and entry.target_id == str(row.id)
    assert (entry.before, entry.after["revoked"]) == ({"revoked": False}, True)


async def test_a_disabled_accounts_token_and_a_token_one_character_off_are_refused(
    app, database, accounts
):
    owners = await personal_token(database, OWNER)
    supports = await personal_token(database, SUPPORT)
    changed = owners[:-1] + ("A" if owners[-1] != "A" else "B")
    async with browser(app) as script:
        assert (await script.get("/api/admin/audit", headers=bearer(supports))).status_code == 200
        assert (await script.get("/api/admin/audit", headers=bearer(changed))).status_code == 401
        await admin_accounts.disable_account(database, SUPPORT, COMMAND_LINE)
        assert (await script.get("/api/admin/audit", headers=bearer(supports))).status_code == 401
        assert (await script.get("/api/admin/audit", headers=bearer(owners))).status_code == 200


async def test_a_support_token_has_the_support_role(app, database, accounts):
    await add_user(app, ANN, balance_cents=0)
    limit = {"support_adjustment_limit_cents": 20_00}
    await shop_settings.change(database, app.state.runtime.shop_defaults, COMMAND_LINE, **limit)
    token = await personal_token(database, SUPPORT)
    async with browser(app) as script:
        for method in ("GET", "PATCH"):
            refused = await script.request(
                method,
                "/api/admin/settings",
                headers=bearer(token),
                json={"version": 1, "values": {}},
            )
            assert refused.status_code == 403, method
            assert refused.json()["error"]["code"] == "forbidden"

        over = await adjust(script, token, 20_01, "b" * 16)
        assert over.status_code == 400 and "limited to" in over.json()["error"]["message"]
        within = await adjust(script, token, 20_00, "c" * 16)
        assert within.status_code == 200 and within.json()["balance_cents"] == 20_00

        # The owner's own token, like ADMIN_API_TOKEN, is not held to the limit.
        owners = await personal_token(database, OWNER)
        assert (await script.get("/api/admin/settings", headers=bearer(owners))).status_code == 200
        assert (await adjust(script, owners, 50_00, "d" * 16)).status_code == 200

    [by_support, _by_owner] = sorted(
        (await audit.list_entries(database, AuditFilter(action="balance_adjustment"))).entries,
        key=lambda entry: entry.id,
    )
    assert by_support.admin_username == SUPPORT


async def test_admin_api_token_still_acts_as_api_with_the_owners_rights(app, database):
    await add_user(app, ANN, balance_cents=0)
    async with browser(app) as script:
        assert (
            await script.get("/api/admin/settings", headers=bearer(ADMIN_TOKEN))
        ).status_code == 200
        assert (await adjust(script, ADMIN_TOKEN, 50_00, "e" * 16)).status_code == 200
    [entry] = (await audit.list_entries(database, AuditFilter(action="balance_adjustment"))).entries
    assert (entry.admin_username, entry.admin_account_id) == ("api", None)


async def test_creating_and_revoking_need_the_csrf_token(app, database, accounts):
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        forged = await owner.post("/admin/api-tokens", data={"name": "forged"})
        assert forged.status_code == 403 and "sbk_" not in forged.text
        assert await stored_tokens(database) == []

        await create_in_panel(owner, csrf)
        [row] = await stored_tokens(database)
        revoke = f"/admin/api-tokens/{row.id}/revoke"
        for data in ({"confirm": "yes"}, {"confirm": "yes", "csrf_token": "forged"}):
            assert (await owner.post(revoke, data=data)).status_code == 403
        [row] = await stored_tokens(database)
        assert row.revoked_at is None


async def test_each_admin_manages_their_own_tokens_and_owners_revoke_anyones(
    app, database, accounts
):
    async with browser(app) as owner, browser(app) as support:
        owner_csrf = await logged_in(owner, OWNER)
        support_csrf = await logged_in(support, SUPPORT)
        await create_in_panel(owner, owner_csrf, "owner's script")
        await create_in_panel(support, support_csrf, "support's script")
        owners_row, supports_row = await stored_tokens(database)

        mine = await support.get("/admin/api-tokens")
        assert "support&#39;s script" in mine.text and "owner&#39;s script" not in mine.text
        refused = await support.post(
            f"/admin/api-tokens/{owners_row.id}/revoke",
            data={"csrf_token": support_csrf, "confirm": "yes"},
        )
        assert refused.status_code == 400 and f"no API token {owners_row.id}" in refused.text

        everyone = await owner.get("/admin/api-tokens")
        assert "support&#39;s script" in everyone.text and "owner&#39;s script" in everyone.text
        revoked = await owner.post(
            f"/admin/api-tokens/{supports_row.id}/revoke",
            data={"csrf_token": owner_csrf, "confirm": "yes"},
        )
        assert revoked.status_code == 303
    assert [row.revoked_at is not None for row in await stored_tokens(database)] == [False, True]


async def test_a_token_needs_a_name(app, database, accounts):
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        for name in ("", "   ", "x" * 65):
            response = await owner.post(
                "/admin/api-tokens", data={"csrf_token": csrf, "name": name}
            )
            assert response.status_code == 400 and "Not created" in response.text
    assert await stored_tokens(database) == []


async def test_use_is_recorded_at_most_once_a_minute(app, database, accounts):
    token = await personal_token(database, OWNER)
    start = utcnow()
    for seconds in (0, 30, 59, 61):
        holder = await admin_api_tokens.resolve(
            database, token, now=start + timedelta(seconds=seconds)
        )
        assert holder is not None and holder.username == OWNER
    [row] = await stored_tokens(database)
    assert row.last_used_at == start + timedelta(seconds=61)
