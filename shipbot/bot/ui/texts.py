"""What the bot says, in the current user's language."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _


def main_menu(first_name: str) -> str:
    return _(
        "Hello, {name}!\nBuy discounted USPS, UPS and FedEx labels right here.\n\nChoose an action:"
    ).format(name=escape(first_name))


def help_text(support: str) -> str:
    return _(
        "<b>How it works</b>\n"
        "Describe a parcel, compare carrier rates, pay from your balance and get the label "
        "as a PDF with its tracking number.\n\n"
        "<b>Commands</b>\n"
        "/start: main menu\n"
        "/new: new label\n"
        "/orders: my orders\n"
        "/balance: balance and top-up\n"
        "/addresses: address book\n"
        "/help: this help\n"
        "/cancel: stop what you are doing\n\n"
        "Questions? Write to {support}."
    ).format(support=escape(support))


def choose_language() -> str:
    return _("Choose your language:")


def cancelled() -> str:
    return _("Cancelled. Nothing was changed.")


def nothing_to_cancel() -> str:
    return _("There is nothing to cancel.")


def not_understood() -> str:
    return _("Sorry, I did not understand that. Please use the buttons below or /help.")


def unknown_language() -> str:
    return _("This language is not available.")


def button_inactive() -> str:
    return _("This button is no longer active")
