"""Dates and moments as the bot shows them: one format everywhere, with the month's name in
the user's language ("Dec 1, 2026" / "1 дек. 2026 г."), never a bare "01.12"."""

from __future__ import annotations

from datetime import UTC, date, datetime

from aiogram.utils.i18n import get_i18n
from babel.dates import format_date


def day(value: date) -> str:
    return format_date(value, "medium", locale=get_i18n().current_locale)


def moment(value: datetime) -> str:
    """A moment in UTC, the time zone the shop's deadlines are kept in."""
    value = value.astimezone(UTC)
    return f"{day(value)}, {value:%H:%M} UTC"
