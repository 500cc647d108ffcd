"""What the new label flow and the address book say. User text is escaped when rendered."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from html import escape

from aiogram.utils.i18n import gettext as _

from shipbot.domain.address import Address
from shipbot.domain.draft import LabelDraft
from shipbot.domain.parcel import Dimensions, describe_weight
from shipbot.domain.phones import display_phone

_CARD_FIELDS = ("name", "company", "street1", "street2", "city", "state", "zip", "phone")
_HIDDEN_WHEN_EMPTY = ("company", "street2")


def field_name(field: str) -> str:
    return {
        "name": _("Name"),
        "company": _("Company"),
        "street1": _("Street"),
        "street2": _("Line 2"),
        "city": _("City"),
        "state": _("State"),
        "zip": _("ZIP code"),
        "phone": _("Phone"),
        "weight": _("Weight"),
        "dimensions": _("Dimensions"),
        "address": _("Address"),
        "label": _("Address name"),
        "amount": _("Amount"),
    }[field]


def role_title(role: str) -> str:
    return _("Sender") if role == "sender" else _("Recipient")


def address_lines(address: Address) -> str:
    if address.phone:
        address = replace(address, phone=display_phone(address.phone))
    return "\n".join(escape(line) for line in address.lines())


def _shown_value(field: str, value: str) -> str:
    return display_phone(value) if field == "phone" else value


def address_fields(fields: Mapping[str, str | None], marked: Collection[str] = ()) -> str:
    """The address card: one row per field, ⚠️ on the rows still to answer; an empty Company
    or Line 2 row is left out unless it is marked."""
    rows = []
    for field in _CARD_FIELDS:
        value, mark = fields.get(field), field in marked
        if not value and not mark and field in _HIDDEN_WHEN_EMPTY:
            continue
        shown = escape(_shown_value(field, value)) if value else "—"
        rows.append(f"{'⚠️ ' if mark else ''}{field_name(field)}: <b>{shown}</b>")
    return "\n".join(rows)


def parcel_lines(draft: LabelDraft) -> str:
    weight = describe_weight(draft.ounces) if draft.ounces else "—"
    size = draft.dimensions.describe() if draft.dimensions else "—"
    return _("Weight: {weight}\nSize: {size}").format(weight=weight, size=size)


def entry(has_draft: bool) -> str:
    if has_draft:
        return _("<b>New label</b>\nYou have an unfinished label. Continue it or start over?")
    return _("<b>New label</b>\nUse an address from your address book or enter a new one.")


def ask_address(role: str) -> str:
    if role == "sender":
        return _(
            "<b>Step 1 of 4 · Sender</b>\n"
            "Paste the whole sender address in one message, for example:\n"
            "<code>John Smith, 215 Clayton St Apt 4, San Francisco, CA 94117, "
            "415-555-0100</code>\n\n"
            "Or send just the sender's name to enter the address field by field."
        )
    return _(
        "<b>Step 2 of 4 · Recipient</b>\n"
        "Paste the whole recipient address in one message, for example:\n"
        "<code>Jane Doe, 350 5th Ave Suite 200, New York, NY 10118</code>\n\n"
        "Or send just the recipient's name to enter the address field by field."
    )


def current_value(field: str, value: str | None) -> str:
    if not value:
        return ""
    return "\n" + _("Now: <b>{value}</b>").format(value=escape(_shown_value(field, value)))


def ask_field(field: str, role: str, current: str | None = None) -> str:
    title = role_title(role)
    prompts = {
        "name": _("{title}: send the full name."),
        "company": _("{title}: send the company name, or press Skip to leave it empty."),
        "street1": _("{title}: send the street address (house number and street)."),
        "street2": _("{title}: apartment, suite or floor? Send it, or press Skip."),
        "zip": _("{title}: send the ZIP code."),
        "phone": _("{title}: phone number? Send it, or press Skip."),
    }
    return prompts[field].format(title=title) + current_value(field, current)


def ask_city(zip_code: str, cities: list[str], state: str, current: str | None = None) -> str:
    if cities:
        text = _(
            "ZIP code {zip} is in <b>{city}, {state}</b>. Press the right city, "
            "or send the city name."
        ).format(zip=escape(zip_code), city=escape(cities[0]), state=state)
    else:
        text = _("Send the city for ZIP code {zip}.").format(zip=escape(zip_code))
    return text + current_value("city", current)


def confirm_value(field: str, value: str) -> str:
    return _(
        "{field} will be written in Latin letters as <b>{value}</b>.\n"
        "Press Correct, or send it again the way you want it."
    ).format(field=field_name(field), value=escape(value))


def check_address(role: str, fields: Mapping[str, str | None]) -> str:
    return _("<b>{title}</b>, is everything correct?\n\n{fields}").format(
        title=role_title(role), fields=address_fields(fields)
    )


def partial_address(role: str, fields: Mapping[str, str | None], marked: Collection[str]) -> str:
    return _(
        "<b>{title}</b>: I read this much of the address. "
        "Please answer for the rows marked ⚠️, one at a time.\n\n{fields}"
    ).format(title=role_title(role), fields=address_fields(fields, marked))


def parsed_notes(transliterated: bool, city_from_zip: bool) -> str | None:
    notes = []
    if transliterated:
        notes.append(_("Cyrillic text was written in Latin letters; please check it."))
    if city_from_zip:
        notes.append(_("The city was filled in from the ZIP code."))
    return "\n".join(notes) or None


def recipient_correction(written: Address, suggested: Address, changed: Collection[str]) -> str:
    return _(
        "<b>The carrier corrected the recipient address</b> (changes marked ⚠️):\n\n"
        "{suggested}\n\nYou wrote:\n{written}\n\nUse the corrected address?"
    ).format(suggested=address_fields(suggested.to_dict(), changed), written=address_lines(written))


def choose_field() -> str:
    return _("Which field do you want to change?")


def checking_recipient() -> str:
    return _("⏳ Checking the recipient's address with the carrier…")


def address_first_with_draft() -> str:
    return _(
        "That looks like an address. You have an unfinished label: continue it, or start a "
        "new label with this address as the sender."
    )


def pick_saved(role: str) -> str:
    return _("<b>{title}</b>: choose a saved address.").format(title=role_title(role))


def saved_not_found() -> str:
    return _("This address was not found in your address book.")


def ask_weight() -> str:
    return _(
        "<b>Step 3 of 4 · Parcel</b>\nHow much does the parcel weigh?\n"
        "For example: 2 (pounds), 2.5 lb, 32 oz, 2 lb 4 oz, 1.2 kg"
    )


def ask_dimensions(weight: str) -> str:
    return _(
        "Weight: <b>{weight}</b>.\nNow the size: length × width × height in inches, "
        "for example <code>12x10x8</code> (or in cm: <code>30x25x20 cm</code>), "
        "or choose a box below."
    ).format(weight=weight)


def preset_name(preset: str, dimensions: Dimensions) -> str:
    names = {
        "envelope": _("Envelope"),
        "small": _("Small box"),
        "medium": _("Medium box"),
        "large": _("Large box"),
    }
    return f"{names[preset]} {dimensions.describe()}"


def review(draft: LabelDraft) -> str:
    return _(
        "<b>Step 4 of 4 · Review</b>\n\n"
        "<b>From</b>\n{sender}\n\n<b>To</b>\n{recipient}\n\n<b>Parcel</b>\n{parcel}"
    ).format(
        sender=address_lines(draft.addresses["sender"]),
        recipient=address_lines(draft.addresses["recipient"]),
        parcel=parcel_lines(draft),
    )


def review_block(block: str) -> str:
    return {
        "parcel": _("What do you want to change in the parcel?"),
        "sender": _("What do you want to change in the sender address?"),
        "recipient": _("What do you want to change in the recipient address?"),
    }[block]


def ask_save_label(role: str) -> str:
    if role == "sender":
        text = _("Save the sender address to your address book.")
    else:
        text = _("Save the recipient address to your address book.")
    return text + "\n" + _("Send a short name for it, for example Home or Warehouse.")


def saved_to_book(label: str) -> str:
    return _("Saved to your address book as “{label}”.").format(label=escape(label))


def confirm_cancel() -> str:
    return _("Discard this label draft? Everything entered so far will be lost.")


def draft_discarded() -> str:
    return _("The label draft was discarded.")


def draft_expired() -> str:
    return _("Your unfinished label was discarded after 24 hours without activity.")


def address_changed() -> str:
    return _("Changed.")


def book_list(count: int, limit: int) -> str:
    if not count:
        return _(
            "<b>Address book</b>\nNo saved addresses yet. Save the sender or the recipient "
            "from the review screen of a new label."
        )
    return _("<b>Address book</b> ({count} of {limit})\nChoose an address.").format(
        count=count, limit=limit
    )


def book_entry(label: str, address: Address, is_default: bool) -> str:
    mark = _("\n⭐ Default sender") if is_default else ""
    return f"<b>{escape(label)}</b>{mark}\n\n{address_lines(address)}"


def ask_rename(label: str) -> str:
    return _("Send a new name for “{label}”.").format(label=escape(label))


def confirm_delete(label: str) -> str:
    return _("Delete “{label}” from your address book?").format(label=escape(label))


def deleted(label: str) -> str:
    return _("“{label}” was deleted.").format(label=escape(label))


def default_sender_set(label: str) -> str:
    return _("“{label}” is now your default sender.").format(label=escape(label))


def address_used(role: str, label: str) -> str:
    return _("{title}: “{label}”.").format(title=role_title(role), label=escape(label))


def use_buttons() -> str:
    return _("Please answer with the buttons below, or send the text that is asked for.")
