"""Top-ups in the panel and the API: the list with its amounts, review flags and totals, and
"check at the provider now", which credits through the exactly-once path and tells the user."""

from __future__ import annotations

from sqlalchemy import select, update

from shipbot.db.models import AuditEntry, Invoice, LedgerEntry, SandboxInvoiceRecord, User
from shipbot.providers.payments.base import InvoiceState, PaymentStatus
from shipbot.services import topups
from tests.admin.conftest import SUPPORT, browser, logged_in
from tests.admin.seeding import add_user, balance
from tests.support.recording_bot import RecordingSession
from tests.support.sandbox_client import ADMIN_TOKEN

API = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


async def open_invoice(app, user_id: int, amount_cents: int) -> Invoice:
    runtime = app.state.runtime
    async with runtime.database.transaction() as session:
        user = await session.get(User, user_id)
        return await topups.open_invoice(session, runtime.payments, user, user_id, amount_cents)


async def paid_at_the_provider(app, invoice: Invoice, received_cents: int) -> None:
    """The payer paid, and the callback never arrived."""
    async with app.state.runtime.database.transaction() as session:
        await session.execute(
            update(SandboxInvoiceRecord)
            .where(SandboxInvoiceRecord.track_id == invoice.track_id)
            .values(status="paid", received_cents=received_cents, settled=True)
        )


async def test_check_now_credits_once_and_is_audited(app, accounts):
    await add_user(app, 1, "ann", balance_cents=0)
    invoice = await open_invoice(app, 1, 25_00)
    await paid_at_the_provider(app, invoice, 25_00)
    path = f"/admin/topups/{invoice.id}/check"
    async with browser(app) as support:
        token = await logged_in(support, SUPPORT)
        listed = await support.get("/admin/topups")
        assert f'action="{path}"' in listed.text and invoice.track_id in listed.text
        assert (await support.post(path)).status_code == 403  # no CSRF token
        assert await balance(app, 1) == 0

        checked = await support.post(path, data={"csrf_token": token})
        assert checked.status_code == 200
        assert "$25.00 was credited now" in checked.text
        assert "could not be told" in checked.text  # the Bot API is unreachable here
        again = await support.post(path, data={"csrf_token": token})
        assert again.status_code == 409 and "nothing to check" in again.text
        listed = await support.get("/admin/topups")
        assert f'action="{path}"' not in listed.text  # paid: no longer open
    assert await balance(app, 1) == 25_00
    async with app.state.runtime.database.sessions() as session:
        top_ups = select(LedgerEntry).where(LedgerEntry.kind == "top_up")
        entries = list(await session.scalars(top_ups))
        assert [(e.amount_cents, e.reference) for e in entries] == [(25_00, invoice.id)]
        [entry] = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "topup_check")
        )
    assert (entry.admin_username, entry.target_id) == (SUPPORT, invoice.id)
    assert entry.before["credited_cents"] == 0 and entry.after["credited_now_cents"] == 25_00
    # A callback arriving late changes nothing more: the same exactly-once path.
    state = InvoiceState(invoice.track_id, invoice.id, PaymentStatus.PAID, 25_00, 25_00)
    late = await topups.apply_invoice_state(app.state.runtime.database, state)
    assert late.credited_cents == 0 and await balance(app, 1) == 25_00


async def test_the_user_is_told_like_the_poller_tells_them(app, accounts, monkeypatch):
    await add_user(app, 1, "ann", balance_cents=0, language="ru")
    invoice = await open_invoice(app, 1, 10_00)
    await paid_at_the_provider(app, invoice, 10_00)
    recording = RecordingSession()
    monkeypatch.setattr(app.state.runtime.bot, "session", recording)
    async with browser(app) as caller:
        response = await caller.post(f"/api/admin/topups/{invoice.id}/check", headers=API)
    body = response.json()
    assert response.status_code == 200, body
    assert (body["credited_now_cents"], body["user_told"]) == (10_00, True)
    assert body["invoice"]["status"] == "paid" and body["invoice"]["credited_cents"] == 10_00
    assert recording.sent and all(method.chat_id == 1 for method in recording.sent)
    async with app.state.runtime.database.sessions() as session:
        assert not topups.news_owed(await session.get(Invoice, invoice.id))
        [entry] = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "topup_check")
        )
    assert entry.admin_username == "api"


async def test_the_list_flags_review_filters_and_totals(app, accounts):
    await add_user(app, 1, "ann", balance_cents=0)
    await add_user(app, 2, "bob", balance_cents=0)
    held = await open_invoice(app, 1, 10_00)
    waiting = await open_invoice(app, 2, 50_00)
    # Three times the amount asked: more than an invoice may credit, held for review.
    state = InvoiceState(held.track_id, held.id, PaymentStatus.PAID, 10_00, 30_00)
    await topups.apply_invoice_state(app.state.runtime.database, state)
    async with browser(app) as owner:
        await logged_in(owner)
        page = await owner.get("/admin/topups")
        assert "held for review:" in page.text and "above the" in page.text
        assert "2 invoices" in page.text and "asked $60.00" in page.text
        only_held = await owner.get("/admin/topups", params={"held": "yes"})
        assert held.id in only_held.text and waiting.id not in only_held.text
        bobs = await owner.get("/admin/topups", params={"user": "@bob", "since": "", "until": ""})
        assert waiting.id in bobs.text and held.id not in bobs.text
        assert "/admin/users/2" in bobs.text
    async with browser(app) as caller:
        listed = await caller.get("/api/admin/topups", params={"status": "paid"}, headers=API)
        body = listed.json()
        assert [item["id"] for item in body["items"]] == [held.id]
        assert body["items"][0]["held_cents"] > 0 and body["items"][0]["review_reason"]
        assert body["totals"]["count"] == 1
        assert body["totals"]["received_cents"] == 30_00
        assert body["totals"]["credited_cents"] == body["items"][0]["credited_cents"]
        missing = await caller.post("/api/admin/topups/TNOSUCH/check", headers=API)
        assert missing.status_code == 404
        closed = await caller.post(f"/api/admin/topups/{held.id}/check", headers=API)
        assert closed.status_code == 409 and closed.json()["error"]["code"] == "conflict"
