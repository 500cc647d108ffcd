"""What the bot tells a user about their account when an operator changes it."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _


def blocked(support: str) -> str:
    return _(
        "Your account has been blocked, so the bot no longer serves you. "
        "If you think this is a mistake, write to {support}."
    ).format(support=escape(support))


def unblocked() -> str:
    return _("Your account has been unblocked. Welcome back! Send /start to continue.")
