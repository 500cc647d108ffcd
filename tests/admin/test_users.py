"""Users in the panel and the API: search with badges, a user's page, and the actions on them
(balance adjustments that apply once and never go below zero, discounts, blocks the user is
told about in their language), each audited."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from aiogram.methods import SendMessage
from sqlalchemy import func, select

from shipbot.db.models import AuditEntry, LedgerEntry, User, utcnow
from shipbot.services import ledger, shop_settings
from shipbot.services.audit import COMMAND_LINE
from tests.admin.conftest import SUPPORT, browser, logged_in
from tests.support.recording_bot import RecordingSession
from tests.support.sandbox_client import ADMIN_TOKEN

ANN, BORIS = 101, 202
API = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
_ACTION_ID = re.compile(r'name="action_id" value="([^"]+)"')


@pytest.fixture
async def users(database):
    now = utcnow()
    async with database.transaction() as session:
        session.add_all([
            User(id=ANN, first_name="Ann", last_name="Lee", username="annlee",
                 created_at=now, last_seen_at=now),
            User(id=BORIS, first_name="Борис", username="boris", language="ru",
                 created_at=now, last_seen_at=now),
        ])  # fmt: skip


@pytest.fixture
def telegram(app) -> RecordingSession:
    """What the bot sends, instead of the unreachable Bot API."""
    recording = RecordingSession()
    app.state.runtime.bot.session = recording
    return recording


async def balance(database, user_id) -> int:
    async with database.transaction() as session:
        return await ledger.balance_of(session, user_id)


async def count(database, model) -> int:
    async with database.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def adjustment_form(client, user_id) -> str:
    page = await client.get(f"/admin/users/{user_id}")
    assert page.status_code == 200
    return _ACTION_ID.search(page.text).group(1)


async def test_search_finds_users_by_id_username_or_name_with_badges(app, accounts, users):
    async with browser(app) as owner:
        await logged_in(owner)
        listed = await owner.get("/admin/users", params={"q": "@boris"})
        assert "Борис" in listed.text and "Ann" not in listed.text
        assert "1 user matching" in listed.text
        everyone = await owner.get("/admin/users")
        assert f'href="/admin/users/{ANN}"' in everyone.text and "2 users" in everyone.text
        assert (await owner.get("/admin/users", params={"q": "Lee"})).text.count(
            'href="/admin/users/'
        ) == 1


async def test_a_balance_adjustment_submitted_twice_credits_once(app, database, accounts, users):
    async with browser(app, "192.0.2.44") as owner:
        csrf = await logged_in(owner)
        action_id = await adjustment_form(owner, ANN)
        form = {"csrf_token": csrf, "action_id": action_id, "amount": "12.50", "reason": "promo"}
        first = await owner.post(f"/admin/users/{ANN}/adjust", data=form)
        again = await owner.post(f"/admin/users/{ANN}/adjust", data=form)
        assert first.headers["location"] == f"/admin/users/{ANN}?done=adjusted"
        assert again.headers["location"] == f"/admin/users/{ANN}?done=already"
        page = await owner.get(again.headers["location"])
        assert "already applied" in page.text and '<dd id="balance">$12.50</dd>' in page.text
    assert await balance(database, ANN) == 12_50
    assert await count(database, LedgerEntry) == 1
    async with database.transaction() as session:
        (entry,) = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "balance_adjustment")
        )
    assert (entry.target_id, entry.reason) == (str(ANN), "promo")
    assert entry.client_address == "192.0.2.44"


async def test_an_adjustment_below_zero_is_refused_and_changes_nothing(
    app, database, accounts, users
):
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        form = {"csrf_token": csrf, "amount": "-0.01", "reason": "oops"}
        form["action_id"] = await adjustment_form(owner, ANN)
        refused = await owner.post(f"/admin/users/{ANN}/adjust", data=form)
        assert refused.status_code == 400
        assert "the balance would go below zero: it is $0.00" in refused.text
        assert 'value="-0.01"' in refused.text  # what was typed is kept
        for amount, message in [("ten", "in dollars"), ("0", "must not be zero")]:
            form |= {"amount": amount, "action_id": await adjustment_form(owner, ANN)}
            assert message in (await owner.post(f"/admin/users/{ANN}/adjust", data=form)).text
    assert await count(database, LedgerEntry) == 0
    async with database.transaction() as session:
        actions = set(await session.scalars(select(AuditEntry.action)))
    assert "balance_adjustment" not in actions


async def test_support_adjusts_only_within_the_owners_limit(app, database, accounts, users):
    limit = {"support_adjustment_limit_cents": 20_00}
    await shop_settings.change(database, app.state.runtime.shop_defaults, COMMAND_LINE, **limit)
    async with browser(app) as support:
        csrf = await logged_in(support, SUPPORT)
        page = await support.get(f"/admin/users/{ANN}")
        assert "up to $20.00 either way" in page.text
        form = {"csrf_token": csrf, "amount": "20.01", "reason": "goodwill"}
        form["action_id"] = await adjustment_form(support, ANN)
        refused = await support.post(f"/admin/users/{ANN}/adjust", data=form)
        assert refused.status_code == 400 and "limited to $20.00" in refused.text
        form |= {"amount": "20.00", "action_id": await adjustment_form(support, ANN)}
        assert (await support.post(f"/admin/users/{ANN}/adjust", data=form)).status_code == 303
    assert await balance(database, ANN) == 20_00


async def test_without_the_csrf_token_nothing_changes(app, database, accounts, users):
    async with browser(app) as owner:
        await logged_in(owner)
        form = {"action_id": await adjustment_form(owner, ANN), "amount": "5", "reason": "x"}
        assert (await owner.post(f"/admin/users/{ANN}/adjust", data=form)).status_code == 403
        blocked = {"blocked": "1", "confirm": "yes", "csrf_token": "forged"}
        assert (await owner.post(f"/admin/users/{ANN}/block", data=blocked)).status_code == 403
    assert await balance(database, ANN) == 0
    async with database.transaction() as session:
        assert not (await session.get(User, ANN)).is_blocked


async def test_block_needs_confirmation_and_the_user_is_told_in_their_language(
    app, database, accounts, users, telegram
):
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        form = {"csrf_token": csrf, "blocked": "1", "reason": "chargeback"}
        unconfirmed = await owner.post(f"/admin/users/{BORIS}/block", data=form)
        assert unconfirmed.status_code == 400 and "tick the box" in unconfirmed.text
        assert telegram.sent == []

        done = await owner.post(f"/admin/users/{BORIS}/block", data=form | {"confirm": "yes"})
        assert done.headers["location"].endswith("done=blocked")
        listed = await owner.get("/admin/users", params={"q": str(BORIS)})
        assert '<span class="badge">blocked</span>' in listed.text
        unblock = {"csrf_token": csrf, "blocked": "0", "reason": "resolved"}
        assert (await owner.post(f"/admin/users/{BORIS}/block", data=unblock)).headers[
            "location"
        ].endswith("done=unblocked")

    told = [method for method in telegram.sent if isinstance(method, SendMessage)]
    assert [message.chat_id for message in told] == [BORIS, BORIS]
    assert "заблокирован" in told[0].text and "разблокирован" in told[1].text
    async with database.transaction() as session:
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["block", "unblock"]


async def test_a_block_the_bot_cannot_tell_still_holds_and_says_so(app, database, accounts, users):
    async with browser(app) as owner:  # the Bot API does not answer in these tests
        csrf = await logged_in(owner)
        form = {"csrf_token": csrf, "blocked": "1", "confirm": "yes", "reason": "fraud"}
        done = await owner.post(f"/admin/users/{ANN}/block", data=form)
        assert done.headers["location"].endswith("done=blocked_untold")
        assert "the bot could not tell them" in (await owner.get(done.headers["location"])).text
    async with database.transaction() as session:
        assert (await session.get(User, ANN)).is_blocked


async def test_discount_is_saved_and_a_bad_one_refused(app, database, accounts, users):
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        bad = await owner.post(
            f"/admin/users/{ANN}/discount", data={"csrf_token": csrf, "percent": "150"}
        )
        assert bad.status_code == 400 and "between 0 and 100" in bad.text
        ok = await owner.post(
            f"/admin/users/{ANN}/discount", data={"csrf_token": csrf, "percent": "12.5"}
        )
        assert ok.status_code == 303
    async with database.transaction() as session:
        assert (await session.get(User, ANN)).discount_percent == Decimal("12.5")


async def test_unknown_user_is_a_clear_404(app, accounts):
    async with browser(app) as owner:
        await logged_in(owner)
        missing = await owner.get("/admin/users/999")
        assert missing.status_code == 404 and "There is no user 999" in missing.text


async def test_the_api_does_what_the_pages_do(app, database, users, telegram):
    async with browser(app) as client:
        found = (await client.get("/api/admin/users", params={"q": "ann"}, headers=API)).json()
        assert [item["id"] for item in found["items"]] == [ANN] and found["total"] == 1

        body = {"amount_cents": 7_00, "reason": "api credit", "action_id": "x" * 16}
        first = await client.post(f"/api/admin/users/{ANN}/adjustments", json=body, headers=API)
        again = await client.post(f"/api/admin/users/{ANN}/adjustments", json=body, headers=API)
        assert first.json() == {"applied": True, "balance_cents": 7_00}
        assert again.json() == {"applied": False, "balance_cents": 7_00}
        below = body | {"amount_cents": -8_00, "action_id": "y" * 16}
        refused = await client.post(f"/api/admin/users/{ANN}/adjustments", json=below, headers=API)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid"

        discount = await client.put(
            f"/api/admin/users/{ANN}/discount", json={"percent": "5"}, headers=API
        )
        assert discount.status_code == 204
        block = await client.post(f"/api/admin/users/{ANN}/block", json={}, headers=API)
        assert block.json() == {"changed": True, "told": True}

        detail = (await client.get(f"/api/admin/users/{ANN}", headers=API)).json()
        assert detail["user"]["balance_cents"] == 7_00 and detail["user"]["blocked"]
        assert detail["user"]["discount_percent"] == "5.00"
        assert [entry["amount_cents"] for entry in detail["ledger"]] == [7_00]
        assert (await client.get("/api/admin/users/999", headers=API)).status_code == 404
    assert await count(database, LedgerEntry) == 1
