"""Registering the people who write to the bot."""

from __future__ import annotations

from datetime import timedelta

from aiogram.types import User as TelegramUser
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.models import User, utcnow

# "Last seen" is for activity statistics; minute precision spares a write on most updates.
LAST_SEEN_PRECISION = timedelta(minutes=1)


def register_user(session: AsyncSession, telegram_user: TelegramUser, known: User | None) -> User:
    """Create the user on first contact; refresh names, username and language afterwards."""
    now = utcnow()
    user = known
    if user is None:
        user = User(id=telegram_user.id, is_blocked=False, created_at=now, last_seen_at=now)
        session.add(user)
    # Assigning an equal value leaves the row clean, so an unchanged user costs no UPDATE.
    user.first_name = telegram_user.first_name
    user.last_name = telegram_user.last_name
    user.username = telegram_user.username
    user.telegram_language = telegram_user.language_code
    if now - user.last_seen_at >= LAST_SEEN_PRECISION:
        user.last_seen_at = now
    if user.blocked_bot_at is not None:  # they write again, so they unblocked the bot
        user.blocked_bot_at = None
    return user


async def mark_blocked_bot(session: AsyncSession, user_id: int) -> None:
    """Telegram refused a send with 403 "bot was blocked by the user": shown in the panel."""
    await session.execute(
        update(User)
        .where(User.id == user_id, User.blocked_bot_at.is_(None))
        .values(blocked_bot_at=utcnow())
    )


def choose_language(user: User, code: str) -> None:
    user.language = code
