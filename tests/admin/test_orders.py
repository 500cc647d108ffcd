"""Orders in the panel and the API: search, filters, pages, the detail with its price
breakdown, the label download, the CSV export, and void + refund through the bot's service."""

from __future__ import annotations

import asyncio
import csv
import io

from sqlalchemy import func, select

from shipbot.db.models import AuditEntry, LedgerEntry, Refund
from shipbot.web.admin import orders as order_pages
from tests.admin.conftest import SUPPORT, browser, logged_in
from tests.admin.seeding import add_user, balance, bought_order, quoted_order
from tests.support.recording_bot import RecordingSession
from tests.support.sandbox_client import ADMIN_TOKEN

API = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


async def _seeded(app):
    await add_user(app, 1, "ann")
    await add_user(app, 2, "bob")
    first = await bought_order(app, 1)
    second = await bought_order(app, 1)
    bobs = await bought_order(app, 2)
    quoted = await quoted_order(app, 2)
    return first, second, bobs, quoted


def assert_download(response) -> None:
    """A file, never rendered by the browser or kept in its cache."""
    assert response.headers["content-disposition"].startswith("attachment; ")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


def _listed(html: str, *orders) -> set[str]:
    return {order.id for order in orders if f'/admin/orders/{order.id}"' in html}


async def test_search_by_order_number_tracking_number_and_user(app, accounts):
    first, second, bobs, quoted = await _seeded(app)
    everyone = (first, second, bobs, quoted)
    async with browser(app) as support:
        await logged_in(support, SUPPORT)
        for q, expected in (
            (first.id, {first.id}),
            (first.id.lower(), {first.id}),
            (bobs.tracking_number, {bobs.id}),
            ("@ann", {first.id, second.id}),
            ("@ANN", {first.id, second.id}),
            ("2", {bobs.id, quoted.id}),
            ("nobody", set()),
        ):
            page = await support.get("/admin/orders", params={"q": q})
            assert page.status_code == 200
            assert _listed(page.text, *everyone) == expected, q
    async with browser(app) as caller:
        found = await caller.get("/api/admin/orders", params={"q": "@bob"}, headers=API)
        assert {item["id"] for item in found.json()["items"]} == {bobs.id, quoted.id}
        one = found.json()["items"][-1]
        assert isinstance(one["price_cents"], int) and one["username"] == "bob"


async def test_filters_by_status_carrier_service_and_dates(app, accounts):
    first, second, bobs, quoted = await _seeded(app)
    everyone = (first, second, bobs, quoted)
    carrier_code = first.rate["carrier_code"]
    service_code = first.rate["service_code"]
    today = first.created_at.date().isoformat()
    async with browser(app) as owner:
        await logged_in(owner)
        for params, expected in (
            ({"status": "quoted"}, {quoted.id}),
            ({"status": "purchased"}, {first.id, second.id, bobs.id}),
            ({"carrier": carrier_code, "service": service_code}, {o.id for o in everyone}),
            ({"carrier": "no_such_carrier"}, set()),
            ({"since": today, "until": today}, {o.id for o in everyone}),
            ({"until": "2020-01-01"}, set()),
            ({"since": "", "until": "", "status": ""}, {o.id for o in everyone}),
        ):
            page = await owner.get("/admin/orders", params=params)
            assert page.status_code == 200, page.text
            assert _listed(page.text, *everyone) == expected, params
        assert (await owner.get("/admin/orders", params={"since": "soon"})).status_code == 400


async def test_pages_follow_each_other_without_gaps_or_repeats(app, accounts, monkeypatch):
    everyone = await _seeded(app)
    async with browser(app) as caller:
        seen, cursor = [], None
        while True:
            params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
            page = (await caller.get("/api/admin/orders", params=params, headers=API)).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(order.id for order in everyone)
        newest_first = [item["created_at"] for item in page["items"]]
        assert newest_first == sorted(newest_first, reverse=True)
        bad = await caller.get("/api/admin/orders", params={"cursor": "junk"}, headers=API)
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"
    monkeypatch.setattr(order_pages, "PAGE_SIZE", 3)
    async with browser(app) as owner:
        await logged_in(owner)
        first_page = await owner.get("/admin/orders")
        older = first_page.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
        second_page = await owner.get(older.replace("&amp;", "&"))
        shown = _listed(first_page.text, *everyone) | _listed(second_page.text, *everyone)
        assert shown == {order.id for order in everyone}
        assert not _listed(first_page.text, *everyone) & _listed(second_page.text, *everyone)


async def test_the_detail_shows_addresses_parcel_breakdown_and_timeline(app, accounts):
    await add_user(app, 1, "ann")
    order = await bought_order(app, 1, recipient="Jane <b>Doe</b>")
    carrier_cost = order.rate["carrier_total_cents"]
    async with browser(app) as support:
        await logged_in(support, SUPPORT)
        page = await support.get(f"/admin/orders/{order.id}")
        assert page.status_code == 200
        html = page.text
        assert "Jane &lt;b&gt;Doe&lt;/b&gt;" in html and "215 Clayton St" in html  # escaped
        assert "40 oz" in html and order.quote_id in html
        assert "Carrier cost" in html and "Markup" in html and "User's discount" in html
        assert "ledger: hold" in html and "ledger: label_charge" in html
        assert "/admin/users/1" in html and f"/admin/orders/{order.id}/label.pdf" in html
        assert "rules have changed" not in html
        missing = await support.get("/admin/orders/NOSUCH")
        assert missing.status_code == 404
    async with browser(app) as caller:
        detail = (await caller.get(f"/api/admin/orders/{order.id}", headers=API)).json()
        breakdown = detail["breakdown"]
        assert breakdown["carrier_cents"] == carrier_cost
        assert breakdown["matches_price"] and breakdown["price_cents"] == order.price_cents
        # The default markup is 10 %: what the breakdown shows adds up to the price charged.
        assert breakdown["markup_cents"] > 0
        assert (
            breakdown["carrier_cents"]
            + breakdown["markup_cents"]
            + breakdown["minimum_cents"]
            - breakdown["discount_cents"]
            == order.price_cents
        )
        assert breakdown["margin_cents"] == order.price_cents - carrier_cost
        assert detail["ship_to"]["name"] == "Jane <b>Doe</b>"
        assert [e["kind"] for e in detail["ledger"]] == ["hold", "hold_release", "label_charge"]
        assert detail["parcel"]["ounces"] == "40"
        assert (await caller.get("/api/admin/orders/NOSUCH", headers=API)).status_code == 404


async def test_the_label_downloads_as_the_stored_pdf(app, accounts):
    await add_user(app, 1)
    order = await bought_order(app, 1)
    quoted = await quoted_order(app, 1)
    stored = app.state.runtime.purchases.label_files.read(order.label_id)
    async with browser(app) as support:
        await logged_in(support, SUPPORT)
        label = await support.get(f"/admin/orders/{order.id}/label.pdf")
        assert label.status_code == 200 and label.content == stored
        assert_download(label)
        assert label.headers["content-type"] == "application/pdf"
        disposition = label.headers["content-disposition"]
        assert disposition == f'attachment; filename="{order.tracking_number}.pdf"'
        assert (await support.get(f"/admin/orders/{quoted.id}/label.pdf")).status_code == 404
    async with browser(app) as caller:
        label = await caller.get(f"/api/admin/orders/{order.id}/label", headers=API)
        assert label.content == stored
        app.state.runtime.purchases.label_files.path(order.label_id).unlink()
        gone = await caller.get(f"/api/admin/orders/{order.id}/label", headers=API)
        assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"


async def test_the_csv_export_has_dollars_and_defuses_formulas(app, accounts):
    await add_user(app, 1, "ann")
    hostile = '=HYPERLINK("http://evil.example","click")'
    order = await bought_order(app, 1, recipient=hostile)
    await add_user(app, 2, "bob")
    other = await bought_order(app, 2, recipient="+1 Plus")
    async with browser(app) as support:
        await logged_in(support, SUPPORT)
        export = await support.get("/admin/orders.csv", params={"q": "@ann"})
        assert export.status_code == 200
        assert export.headers["content-type"].startswith("text/csv")
        assert export.headers["content-disposition"].startswith("attachment")
        rows = list(csv.DictReader(io.StringIO(export.text)))
        assert [row["order"] for row in rows] == [order.id]
        row = rows[0]
        assert row["recipient"] == "'" + hostile
        cents = order.price_cents
        assert row["price_usd"] == f"{cents // 100}.{cents % 100:02d}"
        assert row["tracking_number"] == order.tracking_number
        whole = await support.get("/admin/orders.csv")
        assert_download(whole)
        everything = list(csv.DictReader(io.StringIO(whole.text)))
        assert {row["recipient"] for row in everything} == {"'" + hostile, "'+1 Plus"}
        assert other.id in {row["order"] for row in everything}


async def _audit_rows(app, action: str) -> list[AuditEntry]:
    async with app.state.runtime.database.sessions() as session:
        return list(await session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


async def test_void_and_refund_credits_once_when_submitted_twice(app, accounts, monkeypatch):
    await add_user(app, 1, "ann")
    order = await bought_order(app, 1)
    before = await balance(app, 1)
    carrier = app.state.runtime.quoter.carrier
    voids = []
    real_void = carrier.void_label

    async def counting_void(label_id):
        voids.append(label_id)
        return await real_void(label_id)

    monkeypatch.setattr(carrier, "void_label", counting_void)
    path = f"/admin/orders/{order.id}/refund"
    async with browser(app) as support:
        token = await logged_in(support, SUPPORT)
        page = await support.get(f"/admin/orders/{order.id}")
        assert f'action="{path}"' in page.text and 'name="confirm"' in page.text
        form = {"reason": "customer asked by email", "confirm": "yes"}
        refused = await support.post(path, data=form)  # no CSRF token
        assert refused.status_code == 403
        unconfirmed = await support.post(path, data={"reason": "x", "csrf_token": token})
        assert "Tick the box" in unconfirmed.text
        assert voids == [] and await balance(app, 1) == before

        done = await support.post(path, data={**form, "csrf_token": token})
        assert done.status_code == 200
        assert "credited back" in done.text
        # The Bot API is unreachable here: the refund stands, and the page says so.
        assert "could not be told" in done.text
        again = await support.post(path, data={**form, "csrf_token": token})
        assert "asked before" in again.text
    assert voids == [order.label_id]
    assert await balance(app, 1) == before + order.price_cents
    async with app.state.runtime.database.sessions() as session:
        refunds = list(await session.scalars(select(Refund)))
        assert [(r.order_id, r.status) for r in refunds] == [(order.id, "approved")]
        credits = await session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "refund")
        )
        assert credits == 1
    [entry] = await _audit_rows(app, "void")
    assert (entry.admin_username, entry.target_id) == (SUPPORT, order.id)
    assert entry.reason == "customer asked by email"
    assert entry.after["credited_cents"] == order.price_cents


async def test_the_user_is_told_in_their_language(app, accounts, monkeypatch):
    await add_user(app, 1, "ann", language="ru")
    order = await bought_order(app, 1)
    recording = RecordingSession()
    monkeypatch.setattr(app.state.runtime.bot, "session", recording)
    async with browser(app) as caller:
        response = await caller.post(
            f"/api/admin/orders/{order.id}/refund", json={"reason": "goodwill"}, headers=API
        )
    body = response.json()
    assert (body["status"], body["created"], body["user_told"]) == ("approved", True, True)
    assert body["amount_cents"] == order.price_cents
    [message] = recording.sent
    assert message.chat_id == 1
    assert f"Заказ {order.id}" in message.text and "Возврат одобрен" in message.text
    [entry] = await _audit_rows(app, "void")
    assert (entry.admin_username, entry.admin_account_id) == ("api", None)


async def test_the_api_refuses_a_void_without_a_reason(app):
    await add_user(app, 1)
    order = await bought_order(app, 1)
    async with browser(app) as caller:
        blank = await caller.post(
            f"/api/admin/orders/{order.id}/refund", json={"reason": "  "}, headers=API
        )
        assert blank.status_code == 422 and blank.json()["error"]["code"] == "invalid_request"
        missing = await caller.post(
            "/api/admin/orders/NOSUCH/refund", json={"reason": "x"}, headers=API
        )
        assert missing.status_code == 404
    assert await _audit_rows(app, "void") == []


async def test_two_voids_at_once_refund_once(app, accounts):
    await add_user(app, 1)
    order = await bought_order(app, 1)
    before = await balance(app, 1)
    async with browser(app) as caller:
        answers = await asyncio.gather(
            *(
                caller.post(
                    f"/api/admin/orders/{order.id}/refund", json={"reason": "twice"}, headers=API
                )
                for _ in range(2)
            )
        )
    bodies = [answer.json() for answer in answers]
    assert {body["status"] for body in bodies} == {"approved"}
    assert sorted(body["created"] for body in bodies) == [False, True]
    assert await balance(app, 1) == before + order.price_cents
    assert len(await _audit_rows(app, "void")) == 1


async def test_the_filter_menus_come_from_the_carriers_catalog(app, accounts):
    catalog = await app.state.runtime.quoter.carrier.list_services()
    async with browser(app) as owner:
        await logged_in(owner)
        page = (await owner.get("/admin/orders")).text
    for service in catalog:
        assert f'<option value="{service.carrier_code}"' in page
        assert f'<option value="{service.service_code}"' in page
