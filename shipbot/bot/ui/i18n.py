"""gettext catalogs for English and Russian, and the user's language.

The `.po` files are the source of truth; each is compiled to its `.mo` (gitignored) at start-up
when the `.mo` is missing or older, so there is no build step to forget.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject
from aiogram.utils.i18n import I18n, I18nMiddleware
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from shipbot.bot.runtime.scope import current_scope
from shipbot.db.models import User

LOCALES = Path(__file__).with_name("locales")
DEFAULT_LOCALE = "en"
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}


def compile_catalogs(locales: Path = LOCALES) -> None:
    for po_path in locales.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as source:
            catalog = read_po(source)
        # Replicas may start together: write aside, then rename atomically.
        handle, temporary = tempfile.mkstemp(dir=mo_path.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as target:
            write_mo(target, catalog)
        os.replace(temporary, mo_path)


def build_i18n() -> I18n:
    compile_catalogs()
    return I18n(path=LOCALES, default_locale=DEFAULT_LOCALE, domain="messages")


def pick_locale(chosen: str | None, telegram_code: str | None, available: set[str]) -> str:
    """The user's own choice wins; then Telegram's language ("ru-RU" → "ru"); then English."""
    for candidate in (chosen, (telegram_code or "").split("-")[0].lower()):
        if candidate in available:
            return candidate
    return DEFAULT_LOCALE


def stored_locale(user: User | None, i18n: I18n) -> str:
    """A user's language outside their updates: their choice, else Telegram's as last seen."""
    return pick_locale(
        user.language if user else None,
        user.telegram_language if user else None,
        set(i18n.available_locales),
    )


class UserLocaleMiddleware(I18nMiddleware):
    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user = data.get("user")
        telegram_user = data.get("event_from_user")
        locale = pick_locale(
            user.language if user else None,
            telegram_user.language_code if telegram_user else None,
            set(self.i18n.available_locales),
        )
        if (scope := current_scope()) is not None:
            scope.locale = locale
        return locale
