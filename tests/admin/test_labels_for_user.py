"""A label for a user from the panel and the API: the bot's address and parcel rules, its rates
and its purchase, charged to the balance or given as goodwill, bought once however often it is
confirmed, audited, and delivered in the bot like any label."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from aiogram.methods import SendDocument
from sqlalchemy import func, select

from shipbot.db.models import AuditEntry, LedgerEntry, Order, RateQuote, utcnow
from shipbot.domain.ledger import goodwill_label_key, goodwill_reversal_key
from shipbot.services import purchase, shop_settings
from shipbot.services.audit import COMMAND_LINE
from tests.admin.conftest import OWNER, SUPPORT, browser, logged_in
from tests.admin.seeding import add_user, balance
from tests.service.test_purchase import CountingCarrier
from tests.support.recording_bot import RecordingSession
from tests.support.sandbox_client import ADMIN_TOKEN

ANN, BEN = 301, 302
API = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
SHIPMENT = {
    "sender": "John Smith\n215 Clayton St\nSan Francisco, CA 94117\n415-555-0100",
    "recipient": "Jane Doe, 350 5th Ave, New York, NY 10118",
    "weight": "2 lb 8 oz",
    "box": "medium",
}


@pytest.fixture
def telegram(app) -> RecordingSession:
    """What the bot sends, instead of the unreachable Bot API."""
    recording = RecordingSession()
    app.state.runtime.bot.session = recording
    return recording


@pytest.fixture
async def people(app, accounts) -> None:
    await add_user(app, ANN, "ann", balance_cents=100_00)
    await add_user(app, BEN, "ben", balance_cents=100_00)


async def purchases_done(app) -> None:
    running = app.state.runtime.purchases.running
    if running:
        await asyncio.wait(list(running))


async def rows(app, model, *where) -> list:
    async with app.state.runtime.database.sessions() as session:
        return list(await session.scalars(select(model).where(*where)))


async def count(app, model, *where) -> int:
    async with app.state.runtime.database.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def quoted(client, csrf: str, user_id: int = ANN, **fields: str) -> str:
    """Step 1 posted; the quote id the rates page shows."""
    response = await client.post(
        f"/admin/users/{user_id}/label", data={"csrf_token": csrf, **SHIPMENT, **fields}
    )
    assert response.status_code == 303, response.text
    rates = await client.get(response.headers["location"])
    assert rates.status_code == 200 and "USPS" in rates.text
    return response.headers["location"].rsplit("/", 1)[1]


async def ordered(client, csrf: str, quote_id: str, user_id: int = ANN, index: int = 0) -> str:
    """Step 2 posted; the order id of the confirmation page."""
    response = await client.post(
        f"/admin/users/{user_id}/label/order",
        data={"csrf_token": csrf, "quote_id": quote_id, "rate_index": str(index)},
    )
    assert response.status_code == 303, response.text
    confirm = await client.get(response.headers["location"])
    assert confirm.status_code == 200 and "Buy the label" in confirm.text
    return response.headers["location"].rsplit("/", 1)[1]


async def confirm(client, csrf: str, order_id: str, user_id: int = ANN, **fields: str):
    form = {"csrf_token": csrf, "order_id": order_id, "confirm": "yes", **fields}
    return await client.post(f"/admin/users/{user_id}/label/buy", data=form)


async def order_of(app, order_id: str) -> Order:
    return (await rows(app, Order, Order.id == order_id))[0]


@pytest.mark.parametrize("username", [OWNER, SUPPORT])
async def test_an_admin_buys_a_label_charged_to_the_balance_and_the_user_gets_it(
    app, people, telegram, username
):
    async with browser(app) as admin:
        csrf = await logged_in(admin, username)
        assert "/admin/users/301/label" in (await admin.get(f"/admin/users/{ANN}")).text
        order_id = await ordered(admin, csrf, await quoted(admin, csrf))
        price = (await order_of(app, order_id)).price_cents
        done = await confirm(admin, csrf, order_id, payment="balance", reason="ticket 12")
        assert done.status_code == 200
        assert "will receive the label in the bot" in done.text
        assert f'href="/admin/orders/{order_id}"' in done.text
        await purchases_done(app)

    order = await order_of(app, order_id)
    assert order.status == "purchased" and order.told_at is not None
    assert await balance(app, ANN) == 100_00 - price
    assert await count(app, Order, Order.user_id == ANN, Order.label_id.is_not(None)) == 1
    documents = [m for m in telegram.sent if isinstance(m, SendDocument)]
    assert [d.chat_id for d in documents] == [ANN]
    assert documents[0].document.filename == f"{order.tracking_number}.pdf"
    [entry] = await rows(app, AuditEntry, AuditEntry.action == "label_for_user")
    assert entry.admin_username == username and entry.target_id == order_id
    assert entry.reason == "ticket 12"
    assert entry.after["price_cents"] == price and entry.after["goodwill"] is False
    assert entry.after["service"] == order.rate["service_name"]


async def test_a_goodwill_label_leaves_the_balance_and_credits_once(app, people, telegram):
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        order_id = await ordered(owner, csrf, await quoted(owner, csrf))
        form = {"payment": "goodwill", "reason": "lost parcel, ticket 7"}
        first, second = [await confirm(owner, csrf, order_id, **form) for _ in range(2)]
        assert "will receive the label" in first.text
        assert "nothing more was bought" in second.text
        await purchases_done(app)

    order = await order_of(app, order_id)
    assert order.status == "purchased"
    assert await balance(app, ANN) == 100_00
    kinds = [e.kind for e in await rows(app, LedgerEntry, LedgerEntry.reference == order_id)]
    assert kinds == ["adjustment", "hold", "hold_release", "label_charge"]
    [credit] = await rows(
        app, LedgerEntry, LedgerEntry.idempotency_key == goodwill_label_key(order_id)
    )
    assert credit.amount_cents == order.price_cents
    [entry] = await rows(app, AuditEntry, AuditEntry.action == "label_for_user")
    assert entry.after["goodwill"] is True and entry.reason == "lost parcel, ticket 7"
    assert len([m for m in telegram.sent if isinstance(m, SendDocument)]) == 1


async def test_a_goodwill_label_the_carrier_refuses_takes_its_credit_back(app, people, telegram):
    app.state.runtime.purchases.carrier = CountingCarrier(refuse=True)
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        order_id = await ordered(owner, csrf, await quoted(owner, csrf))
        await confirm(owner, csrf, order_id, payment="goodwill", reason="lost parcel")
        await purchases_done(app)

    assert (await order_of(app, order_id)).status == "failed"
    assert await balance(app, ANN) == 100_00  # the credit was for that label only
    entries = await rows(app, LedgerEntry, LedgerEntry.reference == order_id)
    assert [(e.kind, e.idempotency_key) for e in entries][-1] == (
        "adjustment",
        goodwill_reversal_key(order_id),
    )
    assert sum(e.amount_cents for e in entries) == 0


async def test_goodwill_needs_a_reason(app, people):
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        order_id = await ordered(owner, csrf, await quoted(owner, csrf))
        refused = await confirm(owner, csrf, order_id, payment="goodwill", reason=" ")
    assert refused.status_code == 400 and "needs a reason" in refused.text
    assert (await order_of(app, order_id)).status == "quoted"
    assert await balance(app, ANN) == 100_00


async def test_support_gives_goodwill_only_within_the_adjustment_limit(app, people):
    runtime = app.state.runtime
    await shop_settings.change(
        runtime.database, runtime.shop_defaults, COMMAND_LINE, support_adjustment_limit_cents=1_00
    )
    async with browser(app) as support:
        csrf = await logged_in(support, SUPPORT)
        order_id = await ordered(support, csrf, await quoted(support, csrf))
        refused = await confirm(support, csrf, order_id, payment="goodwill", reason="sorry")
    assert refused.status_code == 400 and "limited to $1.00" in refused.text
    assert await count(app, LedgerEntry, LedgerEntry.reference == order_id) == 0


async def test_bad_input_gets_a_message_per_field_and_creates_nothing(app, people):
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        response = await owner.post(
            f"/admin/users/{ANN}/label",
            data={
                "csrf_token": csrf,
                "sender": "John Smith\n215 Clayton St\nSan Francisco, CA 00000",
                "recipient": "Jane Doe\nNew York, NY 10118",
                "weight": "200 lb",
                "box": "12x10",
            },
        )
    assert response.status_code == 400
    assert 'id="sender-error"' in response.text and "ZIP code 00000 does not exist" in response.text
    assert 'id="recipient-error"' in response.text and "Street" in response.text
    assert 'id="weight-error"' in response.text and "at most" in response.text
    assert 'id="box-error"' in response.text and "length, width and height" in response.text
    assert "Jane Doe" in response.text  # what was typed is kept
    assert await count(app, RateQuote) == 0 and await count(app, Order) == 0


async def test_a_short_balance_is_refused_with_the_shortfall(app, accounts):
    await add_user(app, ANN, balance_cents=1_00)
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        order_id = await ordered(owner, csrf, await quoted(owner, csrf))
        price = (await order_of(app, order_id)).price_cents
        refused = await confirm(owner, csrf, order_id, payment="balance")
    shortfall = f"${(price - 1_00) / 100:.2f}"
    assert refused.status_code == 400 and f"short by {shortfall}" in refused.text
    assert (await order_of(app, order_id)).status == "quoted"
    assert await balance(app, ANN) == 1_00
    assert app.state.runtime.purchases.running == set()


async def test_a_double_confirm_buys_one_label(app, people, telegram):
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        order_id = await ordered(owner, csrf, await quoted(owner, csrf))
        price = (await order_of(app, order_id)).price_cents
        answers = await asyncio.gather(*(confirm(owner, csrf, order_id) for _ in range(3)))
        await purchases_done(app)
    assert sorted("will receive the label" in a.text for a in answers) == [False, False, True]
    assert await balance(app, ANN) == 100_00 - price
    assert await count(app, LedgerEntry, LedgerEntry.kind == "label_charge") == 1
    assert len([m for m in telegram.sent if isinstance(m, SendDocument)]) == 1
    assert await count(app, AuditEntry, AuditEntry.action == "label_for_user") == 1


async def test_the_same_rate_chosen_twice_is_one_order(app, people):
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        quote_id = await quoted(owner, csrf)
        assert await ordered(owner, csrf, quote_id) == await ordered(owner, csrf, quote_id)
    assert await count(app, Order) == 1


async def test_another_users_quote_or_order_is_refused(app, people):
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        bens_quote = await quoted(owner, csrf, BEN)
        bens_order = await ordered(owner, csrf, bens_quote, BEN)
        forged_choice = await owner.post(
            f"/admin/users/{ANN}/label/order",
            data={"csrf_token": csrf, "quote_id": bens_quote, "rate_index": "0"},
        )
        assert forged_choice.status_code == 404
        assert (await owner.get(f"/admin/users/{ANN}/label/quote/{bens_quote}")).status_code == 404
        assert (await owner.get(f"/admin/users/{ANN}/label/order/{bens_order}")).status_code == 404
        forged_buy = await confirm(owner, csrf, bens_order, ANN, payment="goodwill", reason="x")
        assert forged_buy.status_code == 404
    assert await count(app, Order, Order.user_id == ANN) == 0
    assert (await order_of(app, bens_order)).status == "quoted"
    assert await balance(app, ANN) == await balance(app, BEN) == 100_00
    assert await count(app, LedgerEntry, LedgerEntry.kind == "adjustment") == 0


async def test_every_step_needs_the_csrf_token(app, people):
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        assert (await owner.post(f"/admin/users/{ANN}/label", data=SHIPMENT)).status_code == 403
        order_id = await ordered(owner, csrf, await quoted(owner, csrf))
        quote_id = (await order_of(app, order_id)).quote_id
        step2 = {"quote_id": quote_id, "rate_index": "1"}
        assert (await owner.post(f"/admin/users/{ANN}/label/order", data=step2)).status_code == 403
        forged = {"order_id": order_id, "confirm": "yes", "csrf_token": "x" * 43}
        assert (await owner.post(f"/admin/users/{ANN}/label/buy", data=forged)).status_code == 403
    assert await count(app, Order) == 1 and await count(app, RateQuote) == 1
    assert (await order_of(app, order_id)).status == "quoted"


async def test_the_api_quotes_then_buys_once(app, people, telegram, client):
    quote = await client.post(f"/api/admin/users/{ANN}/labels/quote", json=SHIPMENT, headers=API)
    assert quote.status_code == 200, quote.text
    rates = quote.json()["rates"]
    body = {"quote_id": quote.json()["quote_id"], "rate_index": 1}
    first = await client.post(f"/api/admin/users/{ANN}/labels", json=body, headers=API)
    again = await client.post(f"/api/admin/users/{ANN}/labels", json=body, headers=API)
    await purchases_done(app)
    assert first.status_code == again.status_code == 200, first.text
    assert first.json()["started"] is True and again.json()["started"] is False
    assert first.json()["order_id"] == again.json()["order_id"]
    assert first.json()["price_cents"] == rates[1]["price_cents"]
    assert await balance(app, ANN) == 100_00 - rates[1]["price_cents"]
    assert len([m for m in telegram.sent if isinstance(m, SendDocument)]) == 1
    [entry] = await rows(app, AuditEntry, AuditEntry.action == "label_for_user")
    assert entry.admin_username == "api"

    bad = await client.post(
        f"/api/admin/users/{ANN}/labels/quote", json={**SHIPMENT, "weight": "heavy"}, headers=API
    )
    assert bad.status_code == 422 and bad.json()["error"]["message"].startswith("weight:")
    forged = await client.post(f"/api/admin/users/{BEN}/labels", json=body, headers=API)
    assert forged.status_code == 404


async def test_the_api_refuses_a_short_balance_and_needs_a_reason_for_goodwill(
    app, accounts, client
):
    await add_user(app, ANN, balance_cents=0)
    quote = await client.post(f"/api/admin/users/{ANN}/labels/quote", json=SHIPMENT, headers=API)
    body = {"quote_id": quote.json()["quote_id"], "rate_index": 0}
    short = await client.post(f"/api/admin/users/{ANN}/labels", json=body, headers=API)
    assert short.status_code == 409 and short.json()["error"]["code"] == "short_balance"
    assert str(quote.json()["rates"][0]["price_cents"]) in short.json()["error"]["message"]
    no_reason = {**body, "goodwill": True}
    refused = await client.post(f"/api/admin/users/{ANN}/labels", json=no_reason, headers=API)
    assert refused.status_code == 422
    assert await balance(app, ANN) == 0 and app.state.runtime.purchases.running == set()


async def test_an_expired_quote_is_quoted_again_before_anything_is_spent(app, people):
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        order_id = await ordered(owner, csrf, await quoted(owner, csrf))
        async with app.state.runtime.database.transaction() as session:
            order = await session.get(Order, order_id)
            order.quote_expires_at = utcnow() - timedelta(minutes=1)
        expired = await confirm(owner, csrf, order_id, payment="goodwill", reason="sorry")
    assert expired.status_code == 400 and "Those rates had expired" in expired.text
    assert 'name="quote_id"' in expired.text and await count(app, RateQuote) == 2
    assert (await order_of(app, order_id)).status == "quoted"
    assert await count(app, LedgerEntry, LedgerEntry.reference == order_id) == 0


async def test_a_goodwill_credit_exists_only_if_the_purchase_started(app, people, monkeypatch):
    """The quote expiring at the very moment of the purchase (its own clock says so, while
    the form's checks passed) leaves no credit behind: the credit and the hold are one step."""
    async with browser(app) as owner:
        csrf = await logged_in(owner)
        order_id = await ordered(owner, csrf, await quoted(owner, csrf))
        expiry = (await order_of(app, order_id)).quote_expires_at
        monkeypatch.setattr(purchase, "utcnow", lambda: expiry + timedelta(seconds=1))
        expired = await confirm(owner, csrf, order_id, payment="goodwill", reason="sorry")
    assert expired.status_code == 400 and "Those rates had expired" in expired.text
    assert (await order_of(app, order_id)).status == "quoted"
    assert await count(app, LedgerEntry, LedgerEntry.reference == order_id) == 0
    assert await balance(app, ANN) == 100_00
    assert await count(app, AuditEntry, AuditEntry.action == "label_for_user") == 0
