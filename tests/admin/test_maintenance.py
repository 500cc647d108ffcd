"""Maintenance mode in the panel and the API (SPEC §3.7): owners switch it on with an
expected-back text and off, each switch audited with who did it and why; a bad text is refused
and changes nothing; support admins cannot switch it."""

from __future__ import annotations

from sqlalchemy import select

from shipbot.db.models import AuditEntry, MaintenancePeriod
from tests.admin.conftest import SUPPORT, browser, logged_in
from tests.support.sandbox_client import ADMIN_TOKEN

API = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PATH = "/admin/settings/maintenance"


async def audited(database) -> list[tuple]:
    async with database.transaction() as session:
        entries = await session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("maintenance%")).order_by(AuditEntry.id)
        )
        return [(e.action, e.admin_username, e.before, e.after, e.reason) for e in entries]


async def periods(database) -> list[tuple]:
    async with database.transaction() as session:
        rows = await session.scalars(select(MaintenancePeriod).order_by(MaintenancePeriod.id))
        return [(p.note, p.started_by, p.ended_at is not None, p.ended_by) for p in rows]


async def test_the_panel_switches_maintenance_on_and_off_audited(app, database, accounts):
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        assert "<strong>Off</strong>" in (await owner.get("/admin/settings")).text
        on = await owner.post(
            PATH, data={"csrf_token": csrf, "on": "1", "note": " 14:00  UTC ", "reason": "db move"}
        )
        assert on.status_code == 303 and on.headers["location"].endswith("done=maintenance_on")
        page = (await owner.get(on.headers["location"])).text
        assert "Maintenance is on" in page and "<strong>On</strong>" in page
        assert 'value="14:00 UTC"' in page

        again = await owner.post(PATH, data={"csrf_token": csrf, "on": "1", "note": "14:00 UTC"})
        assert again.headers["location"].endswith("done=maintenance_same")
        moved = await owner.post(PATH, data={"csrf_token": csrf, "on": "1", "note": "15:00 UTC"})
        assert moved.headers["location"].endswith("done=maintenance_note")

        off = await owner.post(PATH, data={"csrf_token": csrf, "on": "0", "tell": "1"})
        assert off.headers["location"].endswith("done=maintenance_off")  # no one turned away
        assert "<strong>Off</strong>" in (await owner.get("/admin/settings")).text
    assert await periods(database) == [("15:00 UTC", "olga", True, "olga")]
    assert await audited(database) == [
        ("maintenance_on", "olga", {"on": False}, {"on": True, "note": "14:00 UTC"}, "db move"),
        (
            "maintenance_note",
            "olga",
            {"on": True, "note": "14:00 UTC"},
            {"on": True, "note": "15:00 UTC"},
            None,
        ),
        ("maintenance_off", "olga", {"on": True, "note": "15:00 UTC"}, {"on": False}, None),
    ]


async def test_a_note_too_long_is_refused_and_nothing_changes(app, database, accounts):
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        refused = await owner.post(PATH, data={"csrf_token": csrf, "on": "1", "note": "x" * 201})
        assert refused.status_code == 400 and "longer than 200 characters" in refused.text
    async with browser(app) as client:
        bad = await client.put(
            "/api/admin/settings/maintenance", json={"on": True, "note": "x" * 201}, headers=API
        )
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"
    assert await periods(database) == [] and await audited(database) == []


async def test_support_cannot_switch_maintenance(app, database, accounts):
    async with browser(app) as support:
        csrf = await logged_in(support, SUPPORT)
        assert (await support.post(PATH, data={"csrf_token": csrf, "on": "1"})).status_code == 403
    assert await periods(database) == []


async def test_the_api_reads_and_switches_maintenance_audited(app, database):
    async with browser(app) as client:
        url = "/api/admin/settings/maintenance"
        assert (await client.get(url, headers=API)).json()["on"] is False
        body = {"on": True, "note": "in an hour", "reason": "upgrade"}
        on = await client.put(url, json=body, headers=API)
        assert on.status_code == 200
        assert on.json() | {"since": None} == {
            "on": True,
            "note": "in an hour",
            "since": None,
            "started_by": "api",
            "turned_away": 0,
            "told": 0,
        }
        assert (await client.get(url, headers=API)).json()["on"] is True
        off = await client.put(url, json={"on": False, "tell_users": True}, headers=API)
        assert off.json()["on"] is False
        assert (await client.put(url, json={"on": True}, headers={})).status_code == 401
    assert [(action, who) for action, who, *_ in await audited(database)] == [
        ("maintenance_on", "api"),
        ("maintenance_off", "api"),
    ]
