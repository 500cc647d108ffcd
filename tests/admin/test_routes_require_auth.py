"""Every /admin page and every /api/admin route of the whole application is closed without
valid credentials: a session, ADMIN_API_TOKEN, or a personal API token that is neither revoked
nor its account's disabled. The routes are enumerated from the app itself, so a route added
later without its auth dependency fails here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import pytest
from fastapi import FastAPI

from shipbot.services import admin_accounts, admin_api_tokens
from shipbot.services.admin_accounts import Role
from shipbot.services.audit import COMMAND_LINE
from shipbot.web.admin import STATIC_PATH
from shipbot.web.admin.auth import LOGIN_PATH
from tests.admin.conftest import OWNER, SUPPORT, browser, logged_in, personal_token
from tests.support.routes import route_paths
from tests.support.sandbox_client import ADMIN_TOKEN

# Open by design: the login form, and the stylesheet it needs.
OPEN_PANEL_PATHS = {LOGIN_PATH, STATIC_PATH}


def _routes(routes: Iterable[object]) -> Iterator[tuple[str, set[str]]]:
    # As tests/support/routes.py walks them, keeping each route's methods.
    for route in routes:
        candidates = getattr(route, "effective_candidates", None)
        if candidates is not None:
            yield from _routes(candidates())
        else:
            yield route.path, set(getattr(route, "methods", None) or ())


def admin_routes(app: FastAPI, prefix: str) -> list[tuple[str, str]]:
    """(method, concrete path) for every route under `prefix`, path parameters filled in."""
    found = [
        (method, re.sub(r"\{[^}]+\}", "1", path))
        for path, methods in _routes(app.routes)
        if path == prefix or path.startswith(f"{prefix}/")
        for method in sorted(methods - {"HEAD"})
    ]
    assert {path for path, _ in _routes(app.routes)} == set(route_paths(app))
    return found


def one_character_changed(secret: str) -> str:
    last = secret[-1]
    return secret[:-1] + ("A" if last != "A" else "B")


async def test_every_panel_page_sends_strangers_to_the_login_form(app, accounts):
    pages = [
        (method, path)
        for method, path in admin_routes(app, "/admin")
        if not any(path == p or path.startswith(f"{p}/") for p in OPEN_PANEL_PATHS)
    ]
    assert ("GET", "/admin") in pages and ("POST", "/admin/logout") in pages
    async with browser(app) as owner:
        await logged_in(owner)
        real_token = owner.cookies["shipbot_admin"]
    for cookie in (None, "not-a-session", one_character_changed(real_token)):
        async with browser(app) as stranger:
            if cookie is not None:
                stranger.cookies.set("shipbot_admin", cookie)
            for method, path in pages:
                response = await stranger.request(method, path)
                assert response.status_code == 303, (method, path, cookie)
                assert response.headers["location"] == LOGIN_PATH, (method, path)


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer wrong-token-0123456789-abcdefghij",
        f"Bearer {one_character_changed(ADMIN_TOKEN)}",
        f"Bearer {ADMIN_TOKEN[:-1]}",
        f"Basic {ADMIN_TOKEN}",
        ADMIN_TOKEN,
    ],
    ids=["none", "wrong", "one-character-changed", "one-character-short", "basic", "no-scheme"],
)
async def test_every_api_route_answers_401_without_the_right_token(app, authorization):
    routes = admin_routes(app, "/api/admin")
    assert ("GET", "/api/admin/audit") in routes and ("GET", "/api/admin/openapi.json") in routes
    headers = {"Authorization": authorization} if authorization else {}
    async with browser(app) as caller:
        for method, path in routes:
            response = await caller.request(method, path, headers=headers)
            assert response.status_code == 401, (method, path)
            assert response.headers["www-authenticate"] == "Bearer"
            assert response.json()["error"]["code"] == "unauthorized"


async def _unusable_personal_token(database, case: str) -> str:
    token = await personal_token(database, OWNER if case != "disabled-account" else SUPPORT)
    if case == "revoked":
        [view] = await admin_api_tokens.list_tokens(database)
        await admin_api_tokens.revoke(database, view.id, COMMAND_LINE, Role.OWNER)
    elif case == "disabled-account":
        await admin_accounts.disable_account(database, SUPPORT, COMMAND_LINE)
    elif case == "one-character-changed":
        token = one_character_changed(token)
    elif case == "one-character-short":
        token = token[:-1]
    return token


@pytest.mark.parametrize(
    "case", ["revoked", "disabled-account", "one-character-changed", "one-character-short"]
)
async def test_every_api_route_answers_401_to_a_personal_token_that_is_not_valid(
    app, database, accounts, case
):
    token = await _unusable_personal_token(database, case)
    async with browser(app) as caller:
        for method, path in admin_routes(app, "/api/admin"):
            response = await caller.request(
                method, path, headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 401, (method, path)
            assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("holder", ["ADMIN_API_TOKEN", OWNER, SUPPORT])
async def test_the_right_token_opens_the_api(app, database, accounts, holder):
    token = ADMIN_TOKEN if holder == "ADMIN_API_TOKEN" else await personal_token(database, holder)
    async with browser(app) as caller:
        for method, path in admin_routes(app, "/api/admin"):
            response = await caller.request(
                method, path, headers={"Authorization": f"Bearer {token}"}
            )
            # Past the token: the route's own answer (a made-up id is 404, a missing body 422,
            # an owner's route 403 to support).
            assert response.status_code != 401, (method, path)
            assert response.status_code < 500, (method, path, response.text)


async def test_without_admin_api_token_configured_the_api_is_closed(tmp_path):
    from tests.admin.conftest import PASSWORD, admin_settings, running_app

    async for app in running_app(admin_settings(tmp_path, admin_api_token=None)):
        database = app.state.runtime.database
        await admin_accounts.create_account(database, OWNER, PASSWORD, Role.OWNER, COMMAND_LINE)
        personal = await personal_token(database, OWNER)
        async with browser(app) as caller:
            for method, path in admin_routes(app, "/api/admin"):
                for authorization in ("Bearer ", "Bearer None", f"Bearer {ADMIN_TOKEN}"):
                    response = await caller.request(
                        method, path, headers={"Authorization": authorization}
                    )
                    assert response.status_code == 401, (method, path, authorization)
            # Personal tokens do not depend on it.
            response = await caller.get(
                "/api/admin/audit", headers={"Authorization": f"Bearer {personal}"}
            )
            assert response.status_code == 200
