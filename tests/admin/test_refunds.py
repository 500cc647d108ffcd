"""Refund requests in the panel and the API: the list, a refused one approved as a goodwill
credit (once, however often submitted) or closed with a note, the user told either way, every
decision audited and final."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shipbot.bot.ui.orders_texts import refund_list
from shipbot.db.models import AuditEntry, LedgerEntry, Refund
from shipbot.domain.ledger import goodwill_key
from shipbot.domain.money import format_usd
from shipbot.services.audit import Actor
from shipbot.services.refunds import Decision, decide_refund, recent_refunds
from tests.admin.conftest import SUPPORT, browser, logged_in
from tests.admin.seeding import SCANNED, add_user, balance, bought_order, refused_refund
from tests.support.recording_bot import RecordingSession
from tests.support.sandbox_client import ADMIN_TOKEN

API = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


async def _refund(app, refund_id: str) -> Refund:
    async with app.state.runtime.database.sessions() as session:
        return await session.get(Refund, refund_id)


async def _audit(app, action: str) -> list[AuditEntry]:
    async with app.state.runtime.database.sessions() as session:
        return list(await session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


async def test_goodwill_credits_once_and_the_decision_is_final(app, accounts):
    await add_user(app, 1, "ann")
    order, refund_id = await refused_refund(app, 1)
    before = await balance(app, 1)
    path = f"/admin/refunds/{refund_id}/goodwill"
    async with browser(app) as support:
        token = await logged_in(support, SUPPORT)
        listed = await support.get("/admin/refunds", params={"state": "refused"})
        assert SCANNED in listed.text and f'action="{path}"' in listed.text
        assert f"/admin/orders/{order.id}" in listed.text and "/admin/users/1" in listed.text
        note = {"note": "a loyal customer", "confirm": "yes"}
        assert (await support.post(path, data=note)).status_code == 403  # no CSRF token
        unconfirmed = await support.post(path, data={"note": "x", "csrf_token": token})
        assert "Tick the box" in unconfirmed.text
        assert await balance(app, 1) == before

        done = await support.post(path, data={**note, "csrf_token": token})
        assert done.status_code == 200 and "as goodwill" in done.text
        assert "could not be told" in done.text  # the Bot API is unreachable here
        again = await support.post(path, data={**note, "csrf_token": token})
        assert again.status_code == 200 and "nothing was done again" in again.text
        closing = await support.post(
            f"/admin/refunds/{refund_id}/close", data={"note": "no", "csrf_token": token}
        )
        assert closing.status_code == 409 and "already decided" in closing.text
        listed = await support.get("/admin/refunds", params={"state": "goodwill"})
        assert refund_id in listed.text and f'action="{path}"' not in listed.text
    assert await balance(app, 1) == before + order.price_cents
    async with app.state.runtime.database.sessions() as session:
        [entry] = await session.scalars(
            select(LedgerEntry).where(LedgerEntry.reference == refund_id)
        )
    assert (entry.kind, entry.amount_cents) == ("adjustment", order.price_cents)
    assert entry.idempotency_key == goodwill_key(refund_id)
    refund = await _refund(app, refund_id)
    assert (refund.decision, refund.decided_by, refund.note) == (
        "goodwill",
        SUPPORT,
        "a loyal customer",
    )
    [audited] = await _audit(app, "refund_goodwill")
    assert (audited.target_id, audited.reason) == (refund_id, "a loyal customer")
    assert audited.after["credited_cents"] == order.price_cents
    assert await _audit(app, "refund_closed") == []


async def test_closing_records_the_note_and_tells_the_user(app, accounts, monkeypatch):
    await add_user(app, 1, "ann", language="ru")
    order, refund_id = await refused_refund(app, 1)
    before = await balance(app, 1)
    recording = RecordingSession()
    monkeypatch.setattr(app.state.runtime.bot, "session", recording)
    async with browser(app) as owner:
        token = await logged_in(owner)
        done = await owner.post(
            f"/admin/refunds/{refund_id}/close",
            data={"note": "The parcel  was shipped.", "csrf_token": token},
        )
        assert "The user was told" in done.text
    [message] = recording.sent
    assert message.chat_id == 1
    assert f"заказа {order.id}" in message.text and "The parcel was shipped." in message.text
    refund = await _refund(app, refund_id)
    assert (refund.decision, refund.note) == ("closed", "The parcel was shipped.")
    assert await balance(app, 1) == before
    [audited] = await _audit(app, "refund_closed")
    assert audited.reason == "The parcel was shipped."


async def test_the_api_decides_with_the_same_rules(app, monkeypatch):
    await add_user(app, 1, "ann")
    order, refund_id = await refused_refund(app, 1)
    recording = RecordingSession()
    monkeypatch.setattr(app.state.runtime.bot, "session", recording)
    goodwill = f"/api/admin/refunds/{refund_id}/goodwill"
    async with browser(app) as caller:
        listed = await caller.get("/api/admin/refunds", params={"state": "refused"}, headers=API)
        [item] = listed.json()["items"]
        assert (item["id"], item["status"], item["carrier_message"]) == (
            refund_id,
            "refused",
            SCANNED,
        )
        assert item["order_price_cents"] == order.price_cents and item["username"] == "ann"
        blank = await caller.post(goodwill, json={"note": " "}, headers=API)
        assert blank.status_code == 422
        first = (await caller.post(goodwill, json={"note": "sorry"}, headers=API)).json()
        assert (first["decided_now"], first["credited_cents"], first["user_told"]) == (
            True,
            order.price_cents,
            True,
        )
        assert "goodwill credit" in recording.sent[0].text
        second = (await caller.post(goodwill, json={"note": "sorry"}, headers=API)).json()
        assert (second["decided_now"], second["credited_cents"], second["user_told"]) == (
            False,
            0,
            None,
        )
        assert len(recording.sent) == 1
        other = await caller.post(
            f"/api/admin/refunds/{refund_id}/close", json={"note": "x"}, headers=API
        )
        assert other.status_code == 409 and other.json()["error"]["code"] == "conflict"
        missing = await caller.post(
            "/api/admin/refunds/RNOSUCH/close", json={"note": "x"}, headers=API
        )
        assert missing.status_code == 404
    [audited] = await _audit(app, "refund_goodwill")
    assert audited.admin_username == "api"


async def test_an_approved_refund_cannot_be_decided(app):
    await add_user(app, 1)
    order = await bought_order(app, 1)
    async with browser(app) as caller:
        voided = await caller.post(
            f"/api/admin/orders/{order.id}/refund", json={"reason": "asked"}, headers=API
        )
        assert voided.json()["status"] == "approved"
        [item] = (await caller.get("/api/admin/refunds", headers=API)).json()["items"]
        response = await caller.post(
            f"/api/admin/refunds/{item['id']}/goodwill", json={"note": "x"}, headers=API
        )
        assert response.status_code == 409
        assert "approved" in response.json()["error"]["message"]
    assert await _audit(app, "refund_goodwill") == []


@pytest.mark.parametrize("action", ["goodwill", "close"])
async def test_a_decision_without_the_csrf_token_changes_nothing(app, accounts, action):
    await add_user(app, 1)
    _order, refund_id = await refused_refund(app, 1)
    before = await balance(app, 1)
    async with browser(app) as support:
        await logged_in(support, SUPPORT)
        for token in ("", "forged"):
            response = await support.post(
                f"/admin/refunds/{refund_id}/{action}",
                data={"note": "x", "confirm": "yes", "csrf_token": token},
            )
            assert response.status_code == 403
    assert (await _refund(app, refund_id)).decision is None
    assert await balance(app, 1) == before


async def test_the_bot_shows_each_decision_in_the_users_refund_list(app):
    """What the user reads under Refunds after the shop decided: goodwill with the amount
    credited, closed with the note, and a refusal still waiting as the carrier said it."""
    await add_user(app, 1, "ann")
    database = app.state.runtime.database
    credited, goodwill_id = await refused_refund(app, 1)
    closed, closed_id = await refused_refund(app, 1)
    waiting, _waiting_id = await refused_refund(app, 1)
    operator = Actor(None, "api", "192.0.2.1")
    await decide_refund(database, operator, goodwill_id, Decision.GOODWILL, "loyal")
    await decide_refund(database, operator, closed_id, Decision.CLOSED, "it was shipped")
    async with database.sessions() as session:
        summaries = await recent_refunds(session, 1)
    states = {summary.order_id: summary.state for summary in summaries}
    assert sorted(states.values()) == ["closed", "goodwill", "refused"]
    i18n = app.state.runtime.i18n
    with i18n.context(), i18n.use_locale("en"):
        text = refund_list(summaries)
    by_order = {line.split(" · ")[1]: line for line in text.splitlines()[1:]}
    assert f"credited by us: {format_usd(credited.price_cents)} back" in by_order[credited.id]
    assert "(loyal)" in by_order[credited.id]
    assert "reviewed and closed (it was shipped)" in by_order[closed.id]
    assert by_order[waiting.id].endswith("refused by the carrier: " + SCANNED)
