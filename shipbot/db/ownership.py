"""Rows a user owns, looked up through their owner so another user's id is "not found"."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.models import Base

Owned = TypeVar("Owned", bound=Base)


async def find_owned(
    session: AsyncSession, model: type[Owned], row_id: str | int, user_id: int
) -> Owned | None:
    # A row added in this very update is not flushed yet (autoflush is off): look there first.
    for pending in session.new:
        if isinstance(pending, model) and (pending.id, pending.user_id) == (row_id, user_id):
            return pending
    return await session.scalar(select(model).where(model.id == row_id, model.user_id == user_id))
