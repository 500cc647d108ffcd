"""Callback data of every button, one factory per kind of choice.

Callback data comes back from the client and can be forged: numbers are bounded here, so a
forged one fails to unpack (the button is then "no longer active") instead of reaching a
query as an integer no database column holds.
"""

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

Count = Annotated[int, Field(ge=0, le=2**31 - 1)]


class MenuAction(CallbackData, prefix="menu"):
    action: str  # home | help | language | new_label | addresses | balance | top_up | orders


class LanguageChoice(CallbackData, prefix="lang"):
    code: str


class Nav(CallbackData, prefix="nav"):
    action: str  # back | cancel | skip | discard | keep


class EntryChoice(CallbackData, prefix="entry"):
    choice: str  # resume | fresh | saved


class UseSaved(CallbackData, prefix="use"):
    address_id: Count


class AddressCheck(CallbackData, prefix="chk"):
    action: str  # correct | edit | keep_value


class EditField(CallbackData, prefix="fld"):
    field: str  # an address field, "saved", or "weight" / "dimensions"


class CityPick(CallbackData, prefix="city"):
    index: Count


class PresetPick(CallbackData, prefix="box"):
    name: str


class ReviewAction(CallbackData, prefix="rev"):
    action: str  # edit | save | rates
    role: str = ""  # sender | recipient | parcel


class BookAction(CallbackData, prefix="book"):
    action: str  # open | ship_from | ship_to | edit | rename | default | delete | confirm_delete
    address_id: Count = 0


class OrderAction(CallbackData, prefix="ord"):
    action: str  # page | open | resend | track | repeat | refund | void | pay | delete
    order_id: str = ""
    page: Count = 0


class TopUpAmount(CallbackData, prefix="topup"):
    cents: Count


class RatePick(CallbackData, prefix="rate"):
    quote_id: str
    index: Count


class RatesAction(CallbackData, prefix="rates"):
    action: str  # refresh | retry | edit | confirm_price | pay | top_up
