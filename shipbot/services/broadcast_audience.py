"""Who a broadcast goes to: the users of an audience, less those it cannot reach (blocked by
the shop, or who blocked the bot)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.models import Balance, Order, User, utcnow
from shipbot.domain.broadcast import Audience, AudienceKind
from shipbot.domain.orders import OrderStatus

# A label bought counts even when it was refunded later.
_BOUGHT = (OrderStatus.PURCHASED.value, OrderStatus.REFUNDED.value)


def audience_ids(audience: Audience, now: datetime | None = None) -> Select:
    """SELECT users.id of the audience's reachable users."""
    query = select(User.id).where(User.is_blocked.is_(False), User.blocked_bot_at.is_(None))
    if audience.kind is AudienceKind.ACTIVE:
        since = (now or utcnow()) - timedelta(days=audience.days or 0)
        query = query.where(User.last_seen_at >= since)
    elif audience.kind is AudienceKind.WITH_BALANCE:
        query = query.where(exists().where(Balance.user_id == User.id, Balance.cents > 0))
    elif audience.kind is AudienceKind.BUYERS:
        query = query.where(exists().where(Order.user_id == User.id, Order.status.in_(_BOUGHT)))
    elif audience.kind is AudienceKind.LANGUAGE:
        # The language chosen in the bot wins over the one Telegram reports ("en-US" is en).
        spoken = func.lower(func.coalesce(User.language, User.telegram_language))
        query = query.where(or_(spoken == audience.language, spoken.like(f"{audience.language}-%")))
    return query


async def count_audience(session: AsyncSession, audience: Audience) -> int:
    return await session.scalar(select(func.count()).select_from(audience_ids(audience).subquery()))
