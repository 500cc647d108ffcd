"""Registering users: created once, refreshed from Telegram, 'last seen' kept to the minute."""

from datetime import timedelta

from aiogram.types import User as TelegramUser

from shipbot.db.models import utcnow
from shipbot.services.users import choose_language, register_user


class StagingSession:
    def __init__(self) -> None:
        self.added: list = []

    def add(self, obj) -> None:
        self.added.append(obj)


def telegram_user(**changes) -> TelegramUser:
    fields = {
        "id": 7,
        "is_bot": False,
        "first_name": "Ann",
        "username": "ann",
        "language_code": "en",
    }
    return TelegramUser(**{**fields, **changes})


def test_first_contact_creates_the_user():
    session = StagingSession()
    user = register_user(session, telegram_user(), known=None)
    assert session.added == [user]
    assert (user.id, user.first_name, user.username, user.telegram_language) == (
        7,
        "Ann",
        "ann",
        "en",
    )
    assert user.is_blocked is False and user.language is None


def test_a_known_user_is_refreshed_without_being_added_again():
    session = StagingSession()
    known = register_user(StagingSession(), telegram_user(), known=None)
    user = register_user(session, telegram_user(first_name="Anna", language_code="ru"), known=known)
    assert user is known and session.added == []
    assert (user.first_name, user.telegram_language) == ("Anna", "ru")


def test_last_seen_moves_only_after_a_minute():
    known = register_user(StagingSession(), telegram_user(), known=None)
    seen = known.last_seen_at
    register_user(StagingSession(), telegram_user(), known=known)
    assert known.last_seen_at == seen
    known.last_seen_at = utcnow() - timedelta(minutes=2)
    register_user(StagingSession(), telegram_user(), known=known)
    assert utcnow() - known.last_seen_at < timedelta(seconds=5)


def test_the_chosen_language_is_kept():
    user = register_user(StagingSession(), telegram_user(), known=None)
    choose_language(user, "ru")
    register_user(StagingSession(), telegram_user(language_code="en"), known=user)
    assert user.language == "ru" and user.telegram_language == "en"


def test_writing_again_clears_the_blocked_the_bot_mark():
    user = register_user(StagingSession(), telegram_user(), known=None)
    user.blocked_bot_at = utcnow()
    register_user(StagingSession(), telegram_user(), known=user)
    assert user.blocked_bot_at is None
