"""The balance ledger (SPEC G5): money moves as append-only entries, each applied once, and
a balance that can never go below zero, on SQLite and on PostgreSQL alike.

`apply` runs inside a write transaction (`Database.write_transaction`): it moves the balance
with one conditional UPDATE, which on PostgreSQL also locks the user's balance row so
concurrent movements of one user queue there, and inserts the entries whose keys are unique.
A replay finds its key taken and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.models import Balance, LedgerEntry, utcnow
from shipbot.domain.ledger import EntryKind, StatementLine, statement


class InsufficientFunds(Exception):
    def __init__(self, balance_cents: int, needed_cents: int) -> None:
        super().__init__(f"balance {balance_cents} ¢ is less than {needed_cents} ¢")
        self.balance_cents = balance_cents
        self.needed_cents = needed_cents


@dataclass(frozen=True)
class Movement:
    kind: EntryKind
    amount_cents: int  # credits positive, debits negative
    reference: str  # what it is about: an invoice, order, refund or admin action id
    key: str  # the idempotency key; see shipbot/domain/ledger.py


async def balance_of(session: AsyncSession, user_id: int) -> int:
    cents = await session.scalar(select(Balance.cents).where(Balance.user_id == user_id))
    return cents or 0


async def is_applied(session: AsyncSession, key: str) -> bool:
    found = await session.scalar(select(LedgerEntry.id).where(LedgerEntry.idempotency_key == key))
    return found is not None


async def apply(session: AsyncSession, user_id: int, *movements: Movement) -> bool:
    """Apply the movements together and once.

    False if they were applied before (the first movement's key is taken); raises
    InsufficientFunds, applying nothing, if the balance would go below zero.
    """
    if await is_applied(session, movements[0].key):
        return False
    delta = sum(movement.amount_cents for movement in movements)
    try:
        async with session.begin_nested():
            await _ensure_balance(session, user_id)
            moved = await session.execute(
                update(Balance)
                .where(Balance.user_id == user_id, Balance.cents + delta >= 0)
                .values(cents=Balance.cents + delta, updated_at=utcnow())
            )
            if moved.rowcount != 1:
                raise InsufficientFunds(await balance_of(session, user_id), -delta)
            session.add_all(
                LedgerEntry(
                    user_id=user_id,
                    kind=movement.kind.value,
                    amount_cents=movement.amount_cents,
                    reference=movement.reference,
                    idempotency_key=movement.key,
                    created_at=utcnow(),
                )
                for movement in movements
            )
            await session.flush()
    except IntegrityError:
        # A concurrent copy of this movement committed its key first; ours was rolled back.
        return False
    return True


async def recent_entries(session: AsyncSession, user_id: int, limit: int = 10) -> list[LedgerEntry]:
    rows = await session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.user_id == user_id)
        .order_by(LedgerEntry.id.desc())
        .limit(limit)
    )
    return list(rows)


async def recent_statement(
    session: AsyncSession, user_id: int, lines: int = 10
) -> list[StatementLine]:
    """The last `lines` lines of the user's statement; a purchase takes up to three entries."""
    return statement(await recent_entries(session, user_id, limit=3 * lines))[:lines]


async def _ensure_balance(session: AsyncSession, user_id: int) -> None:
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgres_insert
    await session.execute(
        insert(Balance)
        .values(user_id=user_id, cents=0, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id"])
    )
