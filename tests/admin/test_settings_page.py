"""The settings page and API: owners only, every field shown and saved, bad values refused by
field with nothing changed, a form older than another change refused, each change audited."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from shipbot.db.models import AuditEntry
from shipbot.services import shop_settings
from shipbot.services.settings_form import FIELD_NAMES
from tests.admin.conftest import SUPPORT, browser, logged_in
from tests.support.sandbox_client import ADMIN_TOKEN

API = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
_VALUE = re.compile(r'<input id="(\w+)" name="\1" value="([^"]*)"')


async def current(app):
    runtime = app.state.runtime
    async with runtime.database.transaction() as session:
        return await shop_settings.current(session, runtime.shop_defaults)


async def shown_form(client) -> dict[str, str]:
    page = await client.get("/admin/settings")
    assert page.status_code == 200
    fields = dict(_VALUE.findall(page.text))
    textareas = re.findall(r'<textarea id="(\w+)" name="\1"[^>]*>([^<]*)</textarea>', page.text)
    fields |= dict(textareas)
    fields["version"] = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    return fields


async def settings_changes(database) -> list[AuditEntry]:
    async with database.transaction() as session:
        query = select(AuditEntry).where(AuditEntry.action == "settings_change")
        return list(await session.scalars(query))


async def test_the_form_shows_every_setting_and_saves_a_change(app, database, accounts):
    async with browser(app, "192.0.2.77") as owner:
        csrf = await logged_in(owner)
        form = await shown_form(owner)
        assert set(FIELD_NAMES) <= set(form)
        form |= {"csrf_token": csrf, "markup_percent": "25", "reason": "holiday pricing"}
        saved = await owner.post("/admin/settings", data=form)
        assert saved.status_code == 303 and saved.headers["location"].endswith("done=saved")
        assert "The settings were saved." in (await owner.get(saved.headers["location"])).text
    assert (await current(app)).markup_percent == Decimal(25)
    (entry,) = await settings_changes(database)
    assert entry.after == {"markup_percent": "25"} and entry.reason == "holiday pricing"
    assert entry.client_address == "192.0.2.77"


async def test_bad_values_are_refused_by_field_and_nothing_changes(app, database, accounts):
    before = await current(app)
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        form = await shown_form(owner)
        form |= {
            "csrf_token": csrf,
            "markup_percent": "lots",
            "quote_ttl_minutes": "0",
            "support_contact": "@new_support",
        }
        refused = await owner.post("/admin/settings", data=form)
        assert refused.status_code == 400
        assert 'id="markup_percent-error"' in refused.text
        assert 'id="quote_ttl_minutes-error"' in refused.text
        assert 'value="lots"' in refused.text  # what was typed is kept for fixing
    assert await current(app) == before
    assert await settings_changes(database) == []


async def test_a_form_shown_before_another_change_is_refused(app, database, accounts):
    async with browser(app) as first, browser(app) as second:
        csrf_one = await logged_in(first)
        csrf_two = await logged_in(second)
        old_form = await shown_form(first)
        newer = await shown_form(second) | {"csrf_token": csrf_two, "markup_percent": "11"}
        assert (await second.post("/admin/settings", data=newer)).status_code == 303
        stale = old_form | {"csrf_token": csrf_one, "markup_percent": "99"}
        refused = await first.post("/admin/settings", data=stale)
        assert refused.status_code == 409 and "changed since version" in refused.text
    assert (await current(app)).markup_percent == Decimal(11)


async def test_support_cannot_see_or_change_the_settings(app, accounts):
    async with browser(app) as support:
        csrf = await logged_in(support, SUPPORT)
        assert (await support.get("/admin/settings")).status_code == 403
        posted = await support.post(
            "/admin/settings", data={"csrf_token": csrf, "version": "0", "markup_percent": "0"}
        )
        assert posted.status_code == 403
        assert 'href="/admin/settings"' not in (await support.get("/admin")).text
    assert (await current(app)).markup_percent != Decimal(0)


async def test_the_api_reads_and_changes_the_same_settings(app, database):
    async with browser(app) as client:
        shown = (await client.get("/api/admin/settings", headers=API)).json()
        assert set(FIELD_NAMES) == set(shown["values"])
        change = {"version": shown["version"], "values": {"minimum_cents": "4.00"}}
        changed = await client.patch("/api/admin/settings", json=change, headers=API)
        assert changed.status_code == 200 and changed.json()["values"]["minimum_cents"] == "4.00"
        stale = await client.patch("/api/admin/settings", json=change, headers=API)
        assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale"
        bad = {"version": changed.json()["version"], "values": {"quote_ttl_minutes": "-5"}}
        refused = await client.patch("/api/admin/settings", json=bad, headers=API)
        assert refused.status_code == 400 and "quote_ttl_minutes" in refused.text
    assert (await current(app)).minimum_cents == 4_00
    assert len(await settings_changes(database)) == 1
