"""Every panel page, the error pages included, carries the security headers, a CSP without
inline scripts, and no inline script of its own."""

from __future__ import annotations

import httpx

from tests.admin.conftest import SUPPORT, browser, logged_in
from tests.admin.test_routes_require_auth import admin_routes


def assert_locked_down(response: httpx.Response) -> None:
    where = f"{response.request.method} {response.request.url.path} ({response.status_code})"
    headers = response.headers
    policy = headers.get("content-security-policy", "")
    script_sources = next(
        (part for part in policy.split(";") if part.strip().startswith("script-src")), ""
    )
    assert script_sources.split() == ["script-src", "'self'"], where
    assert "frame-ancestors 'none'" in policy, where
    assert headers.get("x-frame-options") == "DENY", where
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy") == "same-origin", where
    assert headers.get("cache-control") == "no-store", where
    assert "<script" not in response.text.lower(), where
    assert "Traceback" not in response.text, where


async def test_every_panel_page_and_error_page_carries_the_headers(app, accounts):
    get_pages = [path for method, path in admin_routes(app, "/admin") if method == "GET"]
    async with browser(app) as anonymous, browser(app) as owner, browser(app) as support:
        login_form = await anonymous.get("/admin/login")
        assert login_form.status_code == 200
        responses = [login_form]
        await logged_in(owner)
        await logged_in(support, SUPPORT)
        for path in get_pages:
            if path != "/admin/login":
                responses.append(await owner.get(path))
        responses += [
            await anonymous.post("/admin/login", data={"username": "x", "password": "y"}),
            await support.get("/admin/accounts"),
            await owner.get("/admin/no-such-page"),
            await owner.get("/admin/audit", params={"since": "not a date"}),
            await owner.post("/admin/logout", data={"csrf_token": "wrong"}),
        ]
        assert [response.status_code for response in responses[-5:]] == [403, 403, 404, 400, 403]
    assert len(responses) >= 8
    downloads = [r for r in responses if r.headers.get("content-disposition", "").startswith(
        "attachment"
    )]
    assert [r.request.url.path for r in downloads] == ["/admin/orders.csv"]
    for response in downloads:  # a file, never shown as a page: not sniffed, not cached
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"
    for response in responses:
        if response not in downloads:
            assert response.headers["content-type"].startswith("text/html")
            assert_locked_down(response)


async def test_the_stylesheet_is_served_from_the_panel_itself(client):
    response = await client.get("/admin/static/admin.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "http" not in response.text  # nothing fetched from elsewhere


async def test_an_unexpected_error_shows_no_trace_and_no_detail(app, accounts, monkeypatch):
    async def broken(*_args, **_kwargs):
        raise RuntimeError("postgresql://shipbot:hunter2@db/shipbot is down")

    monkeypatch.setattr("shipbot.services.audit.list_entries", broken)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as owner:
        await logged_in(owner)
        response = await owner.get("/admin/audit")
    assert response.status_code == 500
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert response.text == "Internal Server Error"
