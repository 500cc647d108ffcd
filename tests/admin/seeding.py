"""Orders, refunds and invoices made through the real services, on the admin app's database,
with its sandbox carrier and payment provider."""

from __future__ import annotations

from dataclasses import replace

from fastapi import FastAPI
from sqlalchemy import select

from shipbot.db.models import Order, Refund, User, utcnow
from shipbot.domain.ledger import EntryKind, top_up_key
from shipbot.providers.carriers.base import VoidResult
from shipbot.services import ledger, purchase, quoting, shop_settings
from shipbot.services.ledger import Movement
from shipbot.services.refunds import request_refund
from tests.service.test_purchase import SHIPMENT

SCANNED = "The label can no longer be voided: the parcel was scanned."


async def add_user(
    app: FastAPI,
    user_id: int,
    username: str | None = None,
    *,
    balance_cents: int = 100_00,
    language: str | None = None,
) -> None:
    database = app.state.runtime.database
    async with database.transaction() as session:
        now = utcnow()
        session.add(
            User(
                id=user_id,
                first_name=f"User {user_id}",
                username=username,
                language=language,
                is_blocked=False,
                created_at=now,
                last_seen_at=now,
            )
        )
    if balance_cents:
        async with database.write_transaction() as session:
            top_up = Movement(EntryKind.TOP_UP, balance_cents, "seed", top_up_key(f"seed{user_id}"))
            await ledger.apply(session, user_id, top_up)


async def balance(app: FastAPI, user_id: int) -> int:
    async with app.state.runtime.database.sessions() as session:
        return await ledger.balance_of(session, user_id)


async def quoted_order(app: FastAPI, user_id: int, recipient: str = "Jane Doe") -> Order:
    runtime = app.state.runtime
    shipment = replace(SHIPMENT, ship_to=replace(SHIPMENT.ship_to, name=recipient))
    async with runtime.database.transaction() as session:
        user = await session.get(User, user_id)
        shop = await shop_settings.current(session, runtime.quoter.defaults)
        quote = await quoting.quote_shipment(session, runtime.quoter, user, shipment, shop)
        order = quoting.create_order(session, user_id, quote, quoting.rates_of(quote)[0])
    return order


async def bought_order(app: FastAPI, user_id: int, recipient: str = "Jane Doe") -> Order:
    """Quoted, paid from the balance and bought from the sandbox carrier, as the bot does."""
    runtime = app.state.runtime
    order = await quoted_order(app, user_id, recipient)
    assert (await purchase.start_purchase(runtime.database, user_id, order.id)).started
    bought = await purchase.finish_purchase(
        runtime.database, runtime.quoter.carrier, runtime.purchases.label_files, order.id
    )
    assert bought.status == "purchased"
    return bought


class RefusingCarrier:
    """The carrier's answer once the parcel was scanned."""

    async def void_label(self, label_id: str) -> VoidResult:
        return VoidResult(approved=False, message=SCANNED)


async def refused_refund(app: FastAPI, user_id: int) -> tuple[Order, str]:
    """A bought order whose void the carrier refused, asked by the user in the bot."""
    order = await bought_order(app, user_id)
    database = app.state.runtime.database
    outcome = await request_refund(database, RefusingCarrier(), user_id, order.id)
    assert outcome.status == "refused"
    async with database.sessions() as session:
        refund_id = await session.scalar(select(Refund.id).where(Refund.order_id == order.id))
    return order, refund_id
