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


def maintenance(expected_back: str | None) -> str:
    text = _("The bot is down for maintenance, so it cannot serve you right now.")
    if expected_back:
        text += "\n" + _("Expected back: {when}").format(when=escape(expected_back))
    return text + "\n" + _("What you started is kept; you can go on when it is back.")


def back_from_maintenance() -> str:
    return _("The bot is back from maintenance. Go on where you left off, or send /start.")


def flooding() -> str:
    return _("You are sending too fast, so some of it was skipped. Wait a few seconds.")
