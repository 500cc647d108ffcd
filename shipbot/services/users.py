"""Registering the people who write to the bot."""

from __future__ import annotations

from aiogram.types import User as TelegramUser
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.models import User, utcnow


def register_user(session: AsyncSession, telegram_user: TelegramUser, known: User | None) -> User:
    """Create the user on first contact; refresh names, username and language afterwards."""
    user = known
    if user is None:
        user = User(id=telegram_user.id, is_blocked=False, created_at=utcnow())
        session.add(user)
    user.first_name = telegram_user.first_name
    user.last_name = telegram_user.last_name
    user.username = telegram_user.username
    user.telegram_language = telegram_user.language_code
    user.last_seen_at = utcnow()
    return user


def choose_language(user: User, code: str) -> None:
    user.language = code
