"""The audit log: filters and keyset pages in the service, the read-only page, the API with
its bounded pages and error bodies, its OpenAPI document, and rows the database refuses to
change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from shipbot.services import admin_lists, audit
from shipbot.services.audit import Actor, AuditFilter
from tests.admin.conftest import browser, logged_in
from tests.support.sandbox_client import ADMIN_TOKEN

API = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
DAY = datetime(2026, 11, 20, 12, tzinfo=UTC)
ANN = Actor(1, "ann", "192.0.2.50")
BOB = Actor(2, "bob", "192.0.2.51")


async def seed(database) -> None:
    """Ten rows over ten days, alternating admins and actions."""
    async with database.transaction() as session:
        for day in range(10):
            audit.record(
                session,
                ANN if day % 2 == 0 else BOB,
                "user.block" if day % 3 == 0 else "user.discount",
                target_type="user",
                target_id=100 + day,
                before={"discount": day},
                after={"discount": day + 1},
                reason=f"reason {day}",
                at=DAY + timedelta(days=day),
            )


async def test_filters_combine_and_pages_chain_without_gaps_or_repeats(database):
    await seed(database)

    everything = await audit.list_entries(database, limit=100)
    assert [entry.target_id for entry in everything.entries] == [
        str(100 + day) for day in reversed(range(10))
    ]
    seen, cursor = [], None
    while True:
        page = await audit.list_entries(database, before_id=cursor, limit=3)
        seen += [entry.id for entry in page.entries]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [entry.id for entry in everything.entries]

    ann_blocks = await audit.list_entries(
        database, AuditFilter(admin_username="ann", action="user.block")
    )
    assert [entry.target_id for entry in ann_blocks.entries] == ["106", "100"]
    days = AuditFilter.of_days(None, None, date(2026, 11, 22), date(2026, 11, 24))
    assert [e.target_id for e in (await audit.list_entries(database, days)).entries] == [
        "104",
        "103",
        "102",
    ]
    assert len((await audit.list_entries(database, limit=10_000)).entries) == 10
    assert admin_lists.clamp_page_size(10_000) == admin_lists.MAX_PAGE_SIZE


async def test_the_database_refuses_to_change_or_delete_an_audit_row(database):
    await seed(database)
    for statement in ("UPDATE audit_log SET reason = 'covered up'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with database.transaction() as session:
                await session.execute(sa.text(statement))
    assert len((await audit.list_entries(database)).entries) == 10


async def test_the_page_lists_filters_and_pages_and_offers_no_way_to_change_a_row(
    app, database, accounts
):
    await seed(database)
    async with browser(app) as owner:
        await logged_in(owner)
        page = await owner.get("/admin/audit", params={"admin": "bob", "action": "user.discount"})
        assert page.status_code == 200
        assert "reason 7" in page.text and "reason 5" in page.text and "reason 1" in page.text
        assert "reason 3" not in page.text  # bob's, but a block
        assert "reason 2" not in page.text  # ann's
        assert "<form" in page.text and 'method="post"' in page.text  # the logout form only
        assert page.text.count('method="post"') == 1

        one_day = {"since": "2026-11-29", "until": "2026-11-29"}
        ranged = await owner.get("/admin/audit", params=one_day)
        assert "reason 9" in ranged.text and "reason 8" not in ranged.text

        newest = await owner.get("/admin/audit")
        assert "login" in newest.text  # the owner's own login is on record
        bad = await owner.get("/admin/audit", params={"before": "0"})
        assert bad.status_code == 400 and "before" in bad.text


async def test_the_api_pages_the_log_with_bounded_limits(app, database):
    await seed(database)
    async with browser(app) as caller:
        first = await caller.get("/api/admin/audit", params={"limit": 4}, headers=API)
        assert first.status_code == 200
        body = first.json()
        assert [item["target_id"] for item in body["items"]] == ["109", "108", "107", "106"]
        assert body["items"][0]["after"] == {"discount": 10}
        assert body["items"][0]["admin_username"] == "bob"
        second = await caller.get(
            "/api/admin/audit",
            params={"limit": 4, "cursor": body["next_cursor"]},
            headers=API,
        )
        assert [item["target_id"] for item in second.json()["items"]] == [
            "105",
            "104",
            "103",
            "102",
        ]
        filtered = await caller.get(
            "/api/admin/audit", params={"admin": "ANN", "since": "2026-11-26"}, headers=API
        )
        assert [item["target_id"] for item in filtered.json()["items"]] == ["108", "106"]
        assert filtered.json()["next_cursor"] is None

        for params in ({"limit": 0}, {"limit": 201}, {"cursor": "x"}, {"since": "yesterday"}):
            refused = await caller.get("/api/admin/audit", params=params, headers=API)
            assert refused.status_code == 422, params
            error = refused.json()["error"]
            assert error["code"] == "invalid_request" and error["message"], params

        missing = await caller.get("/api/admin/nothing-here", headers=API)
        assert missing.status_code == 404
        assert missing.json() == {"error": {"code": "not_found", "message": "Not Found"}}


async def test_the_openapi_document_covers_the_admin_api_only(app):
    async with browser(app) as caller:
        document = await caller.get("/api/admin/openapi.json", headers=API)
        assert document.status_code == 200
        paths = document.json()["paths"]
        assert {"/api/admin/audit", "/api/admin/users"} <= set(paths)
        assert all(path.startswith("/api/admin/") for path in paths)
        assert "/api/admin/openapi.json" not in paths
        assert "401" in paths["/api/admin/audit"]["get"]["responses"]
        # The application as a whole still publishes no schema and no docs.
        for path in ("/openapi.json", "/docs", "/redoc"):
            assert (await caller.get(path)).status_code == 404


async def test_the_filter_form_submitted_with_empty_dates_filters_nothing(app, accounts):
    async with browser(app) as owner:
        await logged_in(owner)
        page = await owner.get("/admin/audit", params={"admin": "", "since": "", "until": ""})
        assert page.status_code == 200 and "login" in page.text
        bad = await owner.get("/admin/audit", params={"since": "31/12/2026"})
        assert bad.status_code == 400 and "From must be a date" in bad.text
