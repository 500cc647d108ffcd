"""The carrier's check of the recipient between the review and the rates (issue 11): a
correction is shown for confirmation, and the carrier's word on a home or a business sets
the residential indicator the rates are quoted with."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery

from shipbot.bot.flows.chat_state import ChatState
from shipbot.bot.flows.dialog import Dialog
from shipbot.bot.flows.rates import show_rates
from shipbot.bot.flows.states import Label
from shipbot.bot.runtime.prompts import show_prompt
from shipbot.bot.ui import label_keyboards as keyboards
from shipbot.bot.ui import label_texts as texts
from shipbot.bot.ui.callbacks import AddressCheck, ReviewAction
from shipbot.db.models import User
from shipbot.domain.address import Address, corrected_fields
from shipbot.providers.carriers.base import CarrierError
from shipbot.services import quoting
from shipbot.services.quoting import Quoter


async def _correction(chat: ChatState, user_id: int):
    written = chat.draft.addresses["recipient"]
    suggested = Address.from_dict(chat.correction)
    changed = corrected_fields(written, suggested)
    return texts.recipient_correction(written, suggested, changed), keyboards.correction()


SCREENS = {Label.recipient_correction: _correction}


async def _rates(dialog: Dialog, chat: ChatState, user: User, quoter: Quoter) -> None:
    """On to the rates for the recipient as confirmed; Back from them returns to the review."""
    chat.draft.checked_recipient = chat.draft.addresses["recipient"]
    chat.correction = None
    if await dialog.step() == Label.recipient_correction.state:
        chat.end_at(Label.review.state)
        await dialog.state.set_state(Label.review)
    await chat.save(dialog.state)
    await show_rates(dialog, user, quoter, refresh=False, remember=True)


async def rates_asked(query: CallbackQuery, dialog: Dialog, user: User, quoter: Quoter) -> None:
    chat = await dialog.load()
    draft = chat.draft
    if draft.recipient_checked:
        await _rates(dialog, chat, user, quoter)
        return
    # No keyboard while the carrier answers: no second tap meanwhile.
    await show_prompt(query, texts.checking_recipient())
    try:
        checked = await quoting.check_recipient(quoter, draft)
    except CarrierError:
        # Not checked: the rates request meets the same refusal and explains it on its screen.
        await show_rates(dialog, user, quoter, refresh=False, remember=True)
        return
    draft.residential = checked.residential
    if corrected_fields(draft.addresses["recipient"], checked.address):
        chat.correction = checked.address.to_dict()
        await dialog.show(chat, Label.recipient_correction)
        return
    await _rates(dialog, chat, user, quoter)


async def suggestion_taken(
    query: CallbackQuery, dialog: Dialog, user: User, quoter: Quoter
) -> None:
    chat = await dialog.load()
    chat.draft.addresses["recipient"] = Address.from_dict(chat.correction)
    await _rates(dialog, chat, user, quoter)


async def own_kept(query: CallbackQuery, dialog: Dialog, user: User, quoter: Quoter) -> None:
    await _rates(dialog, await dialog.load(), user, quoter)


def build_router() -> Router:
    router = Router(name="label-recipient-check")
    on_button = router.callback_query.register
    on_button(rates_asked, Label.review, ReviewAction.filter(F.action == "rates"))
    correcting = Label.recipient_correction
    on_button(suggestion_taken, correcting, AddressCheck.filter(F.action == "use_suggested"))
    on_button(own_kept, correcting, AddressCheck.filter(F.action == "keep_mine"))
    return router
