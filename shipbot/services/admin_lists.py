"""What the panel's lists of orders, top-ups and refunds share: a user named by Telegram id or
@username, a range of whole UTC days, and keyset pages, newest first.

A page's cursor is the (created_at, id) of its last row: the next page continues strictly
after it, so rows appended meanwhile neither shift nor repeat what follows (OFFSET would).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from shipbot.db.models import User

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class BadCursor(ValueError):
    """A cursor this service did not hand out."""


def clamp_page_size(limit: int | None) -> int:
    return max(1, min(limit or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE))


def user_clause(text: str, user_id: ColumnElement[int]) -> ColumnElement[bool] | None:
    """Rows of the user named by `text` ("12345" or "@name"); None when `text` is blank."""
    text = text.strip()
    if not text:
        return None
    if text.startswith("@"):
        named = select(User.id).where(func.lower(User.username) == text[1:].lower())
        return user_id.in_(named.scalar_subquery())
    if text.isdigit() and len(text) <= 19:
        return user_id == int(text)
    return false()


@dataclass(frozen=True)
class Days:
    """From the start of `first` to the end of `last`, both included, in UTC; open ends."""

    first: date | None = None
    last: date | None = None

    def clauses(self, column: ColumnElement[datetime]) -> list[ColumnElement[bool]]:
        found = []
        if self.first is not None:
            found.append(column >= datetime.combine(self.first, time(), tzinfo=UTC))
        if self.last is not None:
            end = datetime.combine(self.last + timedelta(days=1), time(), tzinfo=UTC)
            found.append(column < end)
        return found


def encode_cursor(created_at: datetime, row_id: str) -> str:
    micros = (created_at.astimezone(UTC) - _EPOCH) // timedelta(microseconds=1)
    return f"{micros}.{row_id}"


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    micros, _, row_id = cursor.partition(".")
    if not micros.isdigit() or not row_id:
        raise BadCursor(f"not a cursor of this list: {cursor!r}")
    return _EPOCH + timedelta(microseconds=int(micros)), row_id


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    # Pass as `cursor` for the next, older page; None on the last page.
    next_cursor: str | None


async def keyset_page(
    session: AsyncSession,
    query: Select,
    created_at: InstrumentedAttribute[datetime],
    row_id: InstrumentedAttribute[str],
    cursor: str | None,
    limit: int | None,
) -> Page:
    """One page of `query`'s rows, newest first; the first entity of a row is the one whose
    created_at and id make the cursor."""
    size = clamp_page_size(limit)
    if cursor:
        at, after_id = decode_cursor(cursor)
        # The first bound is implied by the second; it gives the planner a range to walk.
        query = query.where(
            created_at <= at, or_(created_at < at, and_(created_at == at, row_id > after_id))
        )
    result = await session.execute(query.order_by(created_at.desc(), row_id).limit(size + 1))
    rows = list(result.all())
    shown = rows[:size]
    next_cursor = None
    if len(rows) > size:
        last = shown[-1][0]
        next_cursor = encode_cursor(last.created_at, last.id)
    return Page(shown, next_cursor)
