"""Inline keyboards of the new label flow and the address book."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from shipbot.bot.ui.buttons import button
from shipbot.bot.ui.callbacks import (
    AddressCheck,
    BookAction,
    CityPick,
    EditField,
    EntryChoice,
    MenuAction,
    Nav,
    PresetPick,
    ReviewAction,
    UseSaved,
)
from shipbot.bot.ui.label_texts import field_name, preset_name
from shipbot.domain.parcel import PRESETS

EDITABLE_FIELDS = ("name", "company", "street1", "street2", "zip", "city", "phone")
Row = list[InlineKeyboardButton]


def _navigation_row() -> Row:
    return [
        button(_("⬅️ Back"), Nav(action="back")),
        button(_("✖️ Cancel"), Nav(action="cancel")),
    ]


def _markup(*rows: Row) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])


def navigation(*, skip: bool = False) -> InlineKeyboardMarkup:
    return _markup([button(_("⏭ Skip"), Nav(action="skip"))] if skip else [], _navigation_row())


def field_answers(*, optional: bool, has_value: bool) -> InlineKeyboardMarkup:
    """A field's buttons: Skip leaves an empty optional field empty; a field with a value
    offers to keep it, and an optional one to clear it, rather than Skip wiping it."""
    if has_value:
        answers = [button(_("✅ Keep"), Nav(action="keep_value"))]
        if optional:
            answers.append(button(_("🧹 Clear"), Nav(action="clear")))
    else:
        answers = [button(_("⏭ Skip"), Nav(action="skip"))] if optional else []
    return _markup(answers, _navigation_row())


def entry(has_draft: bool, default_sender: tuple[int, str] | None, has_saved: bool):
    rows: list[Row] = []
    if has_draft:
        rows.append([button(_("▶️ Continue the draft"), EntryChoice(choice="resume"))])
    if default_sender:
        address_id, label = default_sender
        rows.append(
            [
                button(
                    _("⭐ Send from “{label}”").format(label=label), UseSaved(address_id=address_id)
                )
            ]
        )
    if has_saved:
        rows.append([button(_("📒 Sender from the address book"), EntryChoice(choice="saved"))])
    rows.append([button(_("🆕 Start a new label"), EntryChoice(choice="fresh"))])
    rows.append([button(_("⬅️ Back to menu"), MenuAction(action="home"))])
    return _markup(*rows)


def address(has_saved: bool) -> InlineKeyboardMarkup:
    book = [button(_("📒 From the address book"), EntryChoice(choice="saved"))]
    return _markup(book if has_saved else [], _navigation_row())


def saved_addresses(addresses: Iterable[tuple[int, str]]) -> InlineKeyboardMarkup:
    rows = [[button(label, UseSaved(address_id=address_id))] for address_id, label in addresses]
    return _markup(*rows, _navigation_row())


def cities(choices: Iterable[str]) -> InlineKeyboardMarkup:
    rows = [[button(city, CityPick(index=index))] for index, city in enumerate(choices)]
    return _markup(*rows, _navigation_row())


def confirm_value() -> InlineKeyboardMarkup:
    return _markup([button(_("✅ Correct"), AddressCheck(action="keep_value"))], _navigation_row())


def check_address() -> InlineKeyboardMarkup:
    return _markup(
        [
            button(_("✅ Correct"), AddressCheck(action="correct")),
            button(_("✏️ Edit"), AddressCheck(action="edit")),
        ],
        _navigation_row(),
    )


def correction() -> InlineKeyboardMarkup:
    return _markup(
        [button(_("✅ Use the corrected address"), AddressCheck(action="use_suggested"))],
        [button(_("✍️ Keep mine"), AddressCheck(action="keep_mine"))],
        _navigation_row(),
    )


def address_fields(with_saved: bool = False) -> InlineKeyboardMarkup:
    buttons = [button(field_name(field), EditField(field=field)) for field in EDITABLE_FIELDS]
    rows = [buttons[index : index + 2] for index in range(0, len(buttons), 2)]
    if with_saved:
        rows.append([button(_("📒 Use a saved address"), EditField(field="saved"))])
    return _markup(*rows, _navigation_row())


def parcel_fields() -> InlineKeyboardMarkup:
    return _markup(
        [
            button(field_name("weight"), EditField(field="weight")),
            button(field_name("dimensions"), EditField(field="dimensions")),
        ],
        _navigation_row(),
    )


def presets() -> InlineKeyboardMarkup:
    buttons = [
        button(preset_name(name, dimensions), PresetPick(name=name))
        for name, dimensions in PRESETS.items()
    ]
    return _markup(buttons[:2], buttons[2:], _navigation_row())


def review(savable: Iterable[str]) -> InlineKeyboardMarkup:
    save = {"sender": _("💾 Save sender"), "recipient": _("💾 Save recipient")}
    return _markup(
        [
            button(_("✏️ Sender"), ReviewAction(action="edit", role="sender")),
            button(_("✏️ Recipient"), ReviewAction(action="edit", role="recipient")),
            button(_("✏️ Parcel"), ReviewAction(action="edit", role="parcel")),
        ],
        [button(save[role], ReviewAction(action="save", role=role)) for role in savable],
        [button(_("💲 Show rates"), ReviewAction(action="rates"))],
        _navigation_row(),
    )


def confirm_cancel() -> InlineKeyboardMarkup:
    return _markup(
        [button(_("🗑 Yes, discard"), Nav(action="discard"))],
        [button(_("↩️ No, continue"), Nav(action="keep"))],
    )


def book_list(addresses: Iterable[tuple[int, str, bool]]) -> InlineKeyboardMarkup:
    rows = [
        [button(f"⭐ {label}" if is_default else label, BookAction(action="open", address_id=id_))]
        for id_, label, is_default in addresses
    ]
    return _markup(*rows, [button(_("⬅️ Back to menu"), MenuAction(action="home"))])


def book_entry(address_id: int, is_default: bool) -> InlineKeyboardMarkup:
    def action(name: str) -> BookAction:
        return BookAction(action=name, address_id=address_id)

    return _markup(
        [
            button(_("📤 Ship from here"), action("ship_from")),
            button(_("📥 Ship to here"), action("ship_to")),
        ],
        [button(_("✏️ Edit"), action("edit")), button(_("🏷 Rename"), action("rename"))],
        [] if is_default else [button(_("⭐ Make default sender"), action("default"))],
        [button(_("🗑 Delete"), action("delete"))],
        [button(_("⬅️ Back"), BookAction(action="list"))],
    )


def book_back(address_id: int) -> InlineKeyboardMarkup:
    return _markup([button(_("⬅️ Back"), BookAction(action="open", address_id=address_id))])


def book_confirm_delete(address_id: int) -> InlineKeyboardMarkup:
    return _markup(
        [button(_("🗑 Yes, delete"), BookAction(action="confirm_delete", address_id=address_id))],
        [button(_("↩️ No, keep it"), BookAction(action="open", address_id=address_id))],
    )
