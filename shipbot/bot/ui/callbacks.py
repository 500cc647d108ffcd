"""Callback data of every button, one factory per kind of choice."""

from aiogram.filters.callback_data import CallbackData


class MenuAction(CallbackData, prefix="menu"):
    action: str  # home | help | language | new_label | addresses | balance | top_up | orders


class LanguageChoice(CallbackData, prefix="lang"):
    code: str


class Nav(CallbackData, prefix="nav"):
    action: str  # back | cancel | skip | discard | keep


class EntryChoice(CallbackData, prefix="entry"):
    choice: str  # resume | fresh | saved


class UseSaved(CallbackData, prefix="use"):
    address_id: int


class AddressCheck(CallbackData, prefix="chk"):
    action: str  # correct | edit | keep_value


class EditField(CallbackData, prefix="fld"):
    field: str  # an address field, "saved", or "weight" / "dimensions"


class CityPick(CallbackData, prefix="city"):
    index: int


class PresetPick(CallbackData, prefix="box"):
    name: str


class ReviewAction(CallbackData, prefix="rev"):
    action: str  # edit | save | rates
    role: str = ""  # sender | recipient | parcel


class BookAction(CallbackData, prefix="book"):
    action: str  # open | ship_from | ship_to | edit | rename | default | delete | confirm_delete
    address_id: int = 0


class OrderAction(CallbackData, prefix="ord"):
    action: str  # page | open | resend | track | repeat | refund | void
    order_id: str = ""
    page: int = 0


class TopUpAmount(CallbackData, prefix="topup"):
    cents: int


class RatePick(CallbackData, prefix="rate"):
    quote_id: str
    index: int


class RatesAction(CallbackData, prefix="rates"):
    action: str  # refresh | retry | edit | confirm_price | pay
