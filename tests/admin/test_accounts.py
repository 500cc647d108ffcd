"""Admin accounts in the panel and the API, for owners only: create with a typed or a generated
password (shown once), change the role and the Telegram id, disable and enable, set another
admin's password (their sessions end); every change audited with before and after, and the
guard rails (own account, last active owner) held by the service for every caller."""

from __future__ import annotations

import re
from html import unescape

import pytest

from shipbot.services import admin_accounts, audit
from shipbot.services.admin_accounts import AdminAccountError, Role
from shipbot.services.audit import COMMAND_LINE, AuditFilter
from tests.admin.conftest import (
    OWNER,
    PASSWORD,
    SUPPORT,
    browser,
    log_in,
    logged_in,
    personal_token,
)
from tests.admin.test_routes_require_auth import admin_routes
from tests.support.sandbox_client import ADMIN_TOKEN

NEW_PASSWORD = "a brand new passphrase"
_SHOWN_PASSWORD = re.compile(r"<code>([A-Za-z0-9_-]{24})</code>")
ACCOUNT_ROUTES = {
    ("GET", "/admin/accounts"),
    ("POST", "/admin/accounts"),
    ("GET", "/admin/accounts/{username}"),
    ("POST", "/admin/accounts/{username}"),
    ("POST", "/admin/accounts/{username}/disable"),
    ("POST", "/admin/accounts/{username}/enable"),
    ("POST", "/admin/accounts/{username}/password"),
    ("GET", "/api/admin/accounts"),
    ("POST", "/api/admin/accounts"),
    ("PATCH", "/api/admin/accounts/{username}"),
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def accounts_now(database) -> dict[str, tuple]:
    return {
        account.username: (account.role, account.telegram_id, account.disabled_at)
        for account in await admin_accounts.list_accounts(database)
    }


async def account_audit(database) -> list:
    """The admin_account.* rows, newest first."""
    entries = (await audit.list_entries(database, limit=200)).entries
    return [entry for entry in entries if entry.action.startswith("admin_account.")]


async def audited_ids(database) -> list[int]:
    return [entry.id for entry in await account_audit(database)]


async def create_in_panel(client, csrf: str, **fields: str):
    form = {"csrf_token": csrf, "role": "support", "telegram_id": "", **fields}
    return await client.post("/admin/accounts", data=form)


async def test_an_account_created_with_a_typed_password_logs_in_with_it(app, database, accounts):
    async with browser(app, "192.0.2.80") as owner:
        csrf = await logged_in(owner)
        response = await create_in_panel(
            owner,
            csrf,
            username="Nina",
            role="owner",
            telegram_id="424242",
            password=NEW_PASSWORD,
            password_again=NEW_PASSWORD,
        )
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/admin/accounts/nina?done=created"
        page = await owner.get(response.headers["location"])
        assert "The account was created" in page.text and "424242" in page.text
        assert NEW_PASSWORD not in page.text

    async with browser(app, "192.0.2.81") as nina:
        assert (await log_in(nina, "nina", NEW_PASSWORD)).status_code == 303
        assert (await nina.get("/admin/accounts")).status_code == 200  # an owner
    assert (await accounts_now(database))["nina"][:2] == (Role.OWNER, 424242)
    by_owner = AuditFilter(admin_username=OWNER, action="admin_account.create")
    [created] = (await audit.list_entries(database, by_owner)).entries
    assert (created.admin_username, created.client_address, created.target_id) == (
        OWNER,
        "192.0.2.80",
        "nina",
    )
    assert created.after == {"username": "nina", "role": "owner", "telegram_id": 424242}
    assert NEW_PASSWORD not in str(created.after)


async def test_a_generated_password_is_shown_once_and_works(app, database, accounts):
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        response = await create_in_panel(owner, csrf, username="gena")
        assert response.status_code == 200, response.text
        assert "shown only this once" in response.text
        password = _SHOWN_PASSWORD.search(response.text).group(1)
        assert response.headers["cache-control"] == "no-store"
        again = await owner.get("/admin/accounts")
        assert password not in again.text and "shown only this once" not in again.text
        assert password not in (await owner.get("/admin/accounts/gena")).text

    async with browser(app, "192.0.2.82") as gena:
        assert (await log_in(gena, "gena", password)).status_code == 303
        assert (await gena.get("/admin")).status_code == 200
    for entry in (await audit.list_entries(database, limit=200)).entries:
        assert password not in f"{entry.before} {entry.after} {entry.reason}"


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"username": SUPPORT}, f"admin {SUPPORT!r} already exists"),
        ({"username": "nina", "password": "short", "password_again": "short"}, "at least 12"),
        (
            {"username": "nina", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "!"},
            "the two passwords differ",
        ),
        ({"username": "nina", "telegram_id": "12ab"}, "Telegram id must be a number"),
        ({"username": "nina", "telegram_id": "0"}, "Telegram id must be a positive"),
        ({"username": "a b"}, "username must be 2-64"),
        ({"username": "nina", "role": "root"}, "role must be owner or support"),
    ],
    ids=["duplicate", "weak", "mismatch", "telegram-id", "telegram-id-zero", "username", "role"],
)
async def test_a_form_error_is_explained_keeps_what_was_typed_and_changes_nothing(
    app, database, accounts, fields, message
):
    before, audited = await accounts_now(database), await audited_ids(database)
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        typed = {"telegram_id": "777", **fields}
        response = await create_in_panel(owner, csrf, **typed)
        assert response.status_code == 400
        assert "Not created:" in response.text and message in unescape(response.text)
        assert f'value="{typed["telegram_id"]}"' in response.text
        if " " not in typed["username"]:
            assert f'value="{typed["username"]}"' in response.text
        for secret in (typed.get("password"), typed.get("password_again")):
            if secret:
                assert secret not in response.text
    assert await accounts_now(database) == before
    assert await audited_ids(database) == audited


async def test_a_telegram_id_belongs_to_one_admin(app, database, accounts):
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        first = await create_in_panel(owner, csrf, username="nina", telegram_id="555")
        assert first.status_code == 200
        taken = await create_in_panel(owner, csrf, username="vera", telegram_id="555")
        assert taken.status_code == 400
        assert "Telegram id 555 is already on admin 'nina'" in unescape(taken.text)
        moved = await owner.post(
            f"/admin/accounts/{SUPPORT}",
            data={"csrf_token": csrf, "role": "support", "telegram_id": "555"},
        )
        assert moved.status_code == 400 and "already on admin 'nina'" in unescape(moved.text)
    assert "vera" not in await accounts_now(database)
    assert (await accounts_now(database))[SUPPORT][1] is None


async def test_support_gets_403_on_every_accounts_route_and_nothing_changes(
    app, database, accounts
):
    routes = {
        (method, path.replace("/1", f"/{OWNER}"))
        for method, path in admin_routes(app, "/admin/accounts")
        + admin_routes(app, "/api/admin/accounts")
    }
    assert routes == {(method, path.format(username=OWNER)) for method, path in ACCOUNT_ROUTES}
    before, audited = await accounts_now(database), await audited_ids(database)
    form = {"username": "nina", "role": "owner", "telegram_id": "1", "password": NEW_PASSWORD}
    form["password_again"] = NEW_PASSWORD
    token = await personal_token(database, SUPPORT)
    async with browser(app) as support:
        csrf = await logged_in(support, SUPPORT)
        for method, path in sorted(routes):
            if path.startswith("/api/"):
                body = {**form, "enabled": False} if method != "GET" else None
                response = await support.request(method, path, json=body, headers=bearer(token))
                assert response.status_code == 403, (method, path, response.text)
                assert response.json()["error"]["code"] == "forbidden"
            else:
                data = {**form, "csrf_token": csrf} if method == "POST" else None
                response = await support.request(method, path, data=data)
                assert response.status_code == 403, (method, path)
                assert "Your role does not give access" in response.text
    assert await accounts_now(database) == before
    assert await audited_ids(database) == audited


async def test_without_the_csrf_token_nothing_changes(app, database, accounts):
    before, audited = await accounts_now(database), await audited_ids(database)
    async with browser(app) as owner, browser(app, "192.0.2.83") as sam:
        await logged_in(owner)
        await logged_in(sam, SUPPORT)
        for path, data in (
            ("/admin/accounts", {"username": "nina", "role": "owner"}),
            (f"/admin/accounts/{SUPPORT}", {"role": "owner", "telegram_id": "9"}),
            (f"/admin/accounts/{SUPPORT}/password", {}),
            (f"/admin/accounts/{SUPPORT}/disable", {}),
        ):
            for csrf in ({}, {"csrf_token": "forged"}):
                response = await owner.post(path, data={**data, **csrf})
                assert response.status_code == 403, path
                assert "did not come from this panel" in response.text
        assert (await sam.get("/admin")).status_code == 200  # their session still stands
    assert await accounts_now(database) == before
    assert await audited_ids(database) == audited


async def test_role_and_telegram_id_changes_are_audited_with_before_and_after(
    app, database, accounts
):
    async with browser(app, "192.0.2.84") as owner, browser(app, "192.0.2.85") as sam:
        csrf = await logged_in(owner)
        await logged_in(sam, SUPPORT)
        assert (await sam.get("/admin/settings")).status_code == 403
        changed = await owner.post(
            f"/admin/accounts/{SUPPORT}",
            data={
                "csrf_token": csrf,
                "role": "owner",
                "telegram_id": " 31337 ",
                "reason": "  covers  the weekend ",
            },
        )
        assert changed.status_code == 303
        assert changed.headers["location"] == f"/admin/accounts/{SUPPORT}?done=changed"
        assert "The account was changed" in (await owner.get(changed.headers["location"])).text
        # The role holds from the next request on: the session reads it every time.
        assert (await sam.get("/admin/settings")).status_code == 200

        same = await owner.post(
            f"/admin/accounts/{SUPPORT}",
            data={"csrf_token": csrf, "role": "owner", "telegram_id": "31337"},
        )
        assert same.headers["location"].endswith("?done=unchanged")
        cleared = await owner.post(
            f"/admin/accounts/{SUPPORT}", data={"csrf_token": csrf, "role": "owner"}
        )
        assert cleared.status_code == 303

    assert (await accounts_now(database))[SUPPORT][:2] == (Role.OWNER, None)
    first, second = reversed(
        (await audit.list_entries(database, AuditFilter(action="admin_account.change"))).entries
    )
    assert (first.admin_username, first.client_address, first.target_id) == (
        OWNER,
        "192.0.2.84",
        SUPPORT,
    )
    assert first.before == {"role": "support", "telegram_id": None}
    assert first.after == {"role": "owner", "telegram_id": 31337}
    assert first.reason == "covers the weekend"
    assert (second.before, second.after, second.reason) == (
        {"telegram_id": 31337},
        {"telegram_id": None},
        None,
    )


async def test_an_owner_cannot_demote_disable_or_reset_their_own_account(app, database, accounts):
    await admin_accounts.create_account(database, "oleg", PASSWORD, Role.OWNER, COMMAND_LINE)
    before, audited = await accounts_now(database), await audited_ids(database)
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        for path, data, message in (
            (f"/admin/accounts/{OWNER}", {"role": "support"}, "you cannot demote your own"),
            (f"/admin/accounts/{OWNER}/disable", {}, "you cannot disable your own account"),
            (
                f"/admin/accounts/{OWNER}/password",
                {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
                "you cannot set your own password here",
            ),
        ):
            response = await owner.post(path, data={"csrf_token": csrf, **data})
            assert response.status_code == 400, path
            assert message in response.text, path
        own_page = (await owner.get(f"/admin/accounts/{OWNER}")).text
        assert "/password" not in own_page and "/disable" not in own_page
        assert (await owner.get("/admin")).status_code == 200
    assert await accounts_now(database) == before
    assert await audited_ids(database) == audited


async def test_the_last_active_owner_stays_an_active_owner_for_every_caller(
    app, database, accounts
):
    last = f"{OWNER!r} is the last active owner"
    for change in ({"role": Role.SUPPORT}, {"enabled": False}):
        with pytest.raises(AdminAccountError, match=last):
            await admin_accounts.change_account(database, OWNER, COMMAND_LINE, **change)
    with pytest.raises(AdminAccountError, match=last):
        await admin_accounts.disable_account(database, OWNER, COMMAND_LINE)
    async with browser(app) as caller:
        for body in ({"role": "support"}, {"enabled": False}):
            response = await caller.patch(
                f"/api/admin/accounts/{OWNER}", json=body, headers=bearer(ADMIN_TOKEN)
            )
            assert response.status_code == 400
            assert response.json()["error"] == {
                "code": "invalid",
                "message": f"{last}: make another admin an owner first",
            }

    # A disabled owner is no owner to fall back on; an active one is.
    await admin_accounts.create_account(database, "oleg", PASSWORD, Role.OWNER, COMMAND_LINE)
    await admin_accounts.disable_account(database, "oleg", COMMAND_LINE)
    async with browser(app) as oleg_session:
        assert (await log_in(oleg_session, "oleg")).status_code == 401
    with pytest.raises(AdminAccountError, match=last):
        await admin_accounts.change_account(database, OWNER, COMMAND_LINE, role=Role.SUPPORT)
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        enabled = await owner.post("/admin/accounts/oleg/enable", data={"csrf_token": csrf})
        assert enabled.headers["location"] == "/admin/accounts?done=enabled"
    async with browser(app, "192.0.2.86") as oleg:
        oleg_csrf = await logged_in(oleg, "oleg")
        demoted = await oleg.post(
            f"/admin/accounts/{OWNER}", data={"csrf_token": oleg_csrf, "role": "support"}
        )
        assert demoted.status_code == 303
        refused = await oleg.post(
            "/admin/accounts/oleg", data={"csrf_token": oleg_csrf, "role": "support"}
        )
        assert refused.status_code == 400 and "you cannot demote your own" in refused.text
    with pytest.raises(AdminAccountError, match="'oleg' is the last active owner"):
        await admin_accounts.disable_account(database, "oleg", COMMAND_LINE)
    assert {name: row[0] for name, row in (await accounts_now(database)).items()} == {
        OWNER: Role.SUPPORT,
        "oleg": Role.OWNER,
        SUPPORT: Role.SUPPORT,
    }


@pytest.mark.parametrize("generated", [False, True], ids=["typed", "generated"])
async def test_a_new_password_ends_the_targets_sessions(app, database, accounts, generated):
    async with browser(app, "192.0.2.87") as owner, browser(app, "192.0.2.88") as sam:
        csrf = await logged_in(owner)
        await logged_in(sam, SUPPORT)
        typed = {} if generated else {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
        response = await owner.post(
            f"/admin/accounts/{SUPPORT}/password", data={"csrf_token": csrf, **typed}
        )
        if generated:
            assert response.status_code == 200 and "shown only this once" in response.text
            password = _SHOWN_PASSWORD.search(response.text).group(1)
        else:
            assert response.status_code == 303
            assert response.headers["location"] == f"/admin/accounts/{SUPPORT}?done=password"
            password = NEW_PASSWORD
            assert NEW_PASSWORD not in (await owner.get(response.headers["location"])).text
        after = await sam.get("/admin")
        assert after.status_code == 303 and after.headers["location"] == "/admin/login"
        assert (await owner.get("/admin")).status_code == 200  # the owner's own session stays

        assert (await log_in(sam, SUPPORT, PASSWORD)).status_code == 401
        assert (await log_in(sam, SUPPORT, password)).status_code == 303
    [entry] = (
        await audit.list_entries(database, AuditFilter(action="admin_account.set_password"))
    ).entries
    assert (entry.admin_username, entry.target_id, entry.before, entry.after) == (
        OWNER,
        SUPPORT,
        None,
        None,
    )


async def test_a_password_form_error_changes_nothing(app, database, accounts):
    audited = await audited_ids(database)
    async with browser(app) as owner, browser(app, "192.0.2.89") as sam:
        csrf = await logged_in(owner)
        await logged_in(sam, SUPPORT)
        for typed, message in (
            ({"password": NEW_PASSWORD, "password_again": "something else!!"}, "differ"),
            ({"password": "tiny", "password_again": "tiny"}, "at least 12"),
        ):
            response = await owner.post(
                f"/admin/accounts/{SUPPORT}/password", data={"csrf_token": csrf, **typed}
            )
            assert response.status_code == 400 and message in response.text
            assert typed["password"] not in response.text
        assert (await sam.get("/admin")).status_code == 200
        missing = await owner.post("/admin/accounts/nobody/password", data={"csrf_token": csrf})
        assert missing.status_code == 404
    assert await admin_accounts.has_password(database, SUPPORT, PASSWORD)
    assert await audited_ids(database) == audited


async def test_a_disabled_account_is_enabled_again_and_logs_in(app, database, accounts):
    async with browser(app) as owner, browser(app, "192.0.2.90") as sam:
        csrf = await logged_in(owner)
        await logged_in(sam, SUPPORT)
        disabled = await owner.post(f"/admin/accounts/{SUPPORT}/disable", data={"csrf_token": csrf})
        assert disabled.headers["location"] == "/admin/accounts?done=disabled"
        assert (await sam.get("/admin")).status_code == 303
        listed = (await owner.get(disabled.headers["location"])).text
        assert "The account was disabled" in listed
        assert f'action="/admin/accounts/{SUPPORT}/enable"' in listed

        enabled = await owner.post(f"/admin/accounts/{SUPPORT}/enable", data={"csrf_token": csrf})
        assert enabled.headers["location"] == "/admin/accounts?done=enabled"
        assert "enabled again" in (await owner.get(enabled.headers["location"])).text
        again = await owner.post(f"/admin/accounts/{SUPPORT}/enable", data={"csrf_token": csrf})
        assert again.headers["location"] == "/admin/accounts?done=unchanged"
        await logged_in(sam, SUPPORT)

    disable, enable = reversed(
        [e for e in await account_audit(database) if e.action != "admin_account.create"]
    )
    assert (disable.action, disable.before, disable.after) == (
        "admin_account.disable",
        {"disabled": False},
        {"disabled": True},
    )
    assert (enable.action, enable.admin_username, enable.before, enable.after) == (
        "admin_account.enable",
        OWNER,
        {"disabled": True},
        {"disabled": False},
    )


async def test_the_page_no_longer_sends_owners_to_the_command_line(app, accounts):
    async with browser(app) as owner:
        await logged_in(owner)
        page = (await owner.get("/admin/accounts")).text
    assert "<code>shipbot admin</code>" not in page and "on the server" not in page
    assert 'action="/admin/accounts"' in page and 'name="password_again"' in page


async def test_the_api_creates_lists_and_changes_accounts(app, database, accounts):
    token = await personal_token(database, OWNER)
    async with browser(app, "192.0.2.91") as caller:
        generated = await caller.post(
            "/api/admin/accounts",
            json={"username": "Nina", "role": "owner", "telegram_id": 99},
            headers=bearer(token),
        )
        assert generated.status_code == 201, generated.text
        body = generated.json()
        password = body["password"]
        assert len(password) == 24
        assert body["account"] | {"created_at": None} == {
            "username": "nina",
            "role": "owner",
            "telegram_id": 99,
            "enabled": True,
            "disabled_at": None,
            "created_at": None,
        }
        typed = await caller.post(
            "/api/admin/accounts",
            json={"username": "vera", "password": NEW_PASSWORD},
            headers=bearer(ADMIN_TOKEN),
        )
        assert typed.status_code == 201 and typed.json()["password"] is None
        assert typed.json()["account"]["role"] == "support"

        names, cursor = [], None
        while True:
            params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            page = await caller.get("/api/admin/accounts", params=params, headers=bearer(token))
            assert page.status_code == 200
            names += [item["username"] for item in page.json()["items"]]
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
        assert names == ["nina", OWNER, SUPPORT, "vera"]

        kept = await caller.patch(
            "/api/admin/accounts/nina",
            json={"role": "support", "reason": "no longer runs the shop"},
            headers=bearer(token),
        )
        assert kept.status_code == 200, kept.text
        assert (kept.json()["role"], kept.json()["telegram_id"]) == ("support", 99)
        cleared = await caller.patch(
            "/api/admin/accounts/nina",
            json={"telegram_id": None, "enabled": False},
            headers=bearer(token),
        )
        assert (cleared.json()["telegram_id"], cleared.json()["enabled"]) == (None, False)
        reset = await caller.patch(
            "/api/admin/accounts/vera", json={"password": PASSWORD}, headers=bearer(token)
        )
        assert reset.status_code == 200

        for path, json, status, code in (
            ("/api/admin/accounts/nobody", {"role": "owner"}, 404, "not_found"),
            (f"/api/admin/accounts/{SUPPORT}", {"telegram_id": -5}, 400, "invalid"),
            (f"/api/admin/accounts/{SUPPORT}", {"role": "root"}, 422, "invalid_request"),
            (f"/api/admin/accounts/{OWNER}", {"enabled": False}, 400, "invalid"),
            (f"/api/admin/accounts/{SUPPORT}", {"password": "short"}, 400, "invalid"),
        ):
            response = await caller.patch(path, json=json, headers=bearer(token))
            assert response.status_code == status, (path, json, response.text)
            assert response.json()["error"]["code"] == code
        for json, status, code in (
            ({"username": "vera"}, 409, "conflict"),
            ({"username": "zoe", "password": "short"}, 400, "invalid"),
            ({"username": "zoe", "telegram_id": 0}, 400, "invalid"),
        ):
            response = await caller.post("/api/admin/accounts", json=json, headers=bearer(token))
            assert response.status_code == status, (json, response.text)
            assert response.json()["error"]["code"] == code

        schema = (await caller.get("/api/admin/openapi.json", headers=bearer(token))).json()
        assert {"get", "post"} <= set(schema["paths"]["/api/admin/accounts"])
        assert "patch" in schema["paths"]["/api/admin/accounts/{username}"]

    assert await admin_accounts.has_password(database, "nina", password)
    assert await admin_accounts.has_password(database, "vera", PASSWORD)
    assert "zoe" not in await accounts_now(database)
    rows = [(e.action, e.admin_username, e.target_id) for e in await account_audit(database)]
    assert list(reversed(rows[:6])) == [
        ("admin_account.create", OWNER, "nina"),
        ("admin_account.create", "api", "vera"),
        ("admin_account.change", OWNER, "nina"),
        ("admin_account.change", OWNER, "nina"),
        ("admin_account.disable", OWNER, "nina"),
        ("admin_account.set_password", OWNER, "vera"),
    ]
    [role_change] = [e for e in await account_audit(database) if e.after == {"role": "support"}]
    assert (role_change.before, role_change.reason, role_change.client_address) == (
        {"role": "owner"},
        "no longer runs the shop",
        "192.0.2.91",
    )
