"""The review screen (SPEC §3.1): both addresses and the parcel, edits per block and field,
saving an address to the book, and the hand-over to rates."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from shipbot.bot.flows.chat_state import ChatState, ReturnTo
from shipbot.bot.flows.dialog import ANSWER, Dialog, db
from shipbot.bot.flows.new_label.address import FIELDS
from shipbot.bot.flows.states import Label
from shipbot.bot.ui import label_keyboards as keyboards
from shipbot.bot.ui import label_texts as texts
from shipbot.bot.ui.callbacks import EditField, ReviewAction
from shipbot.bot.ui.rejections import rejection_text
from shipbot.domain.draft import ROLES
from shipbot.domain.errors import Rejected
from shipbot.domain.text_fields import clean_label
from shipbot.services.address_book import MAX_ADDRESSES, list_addresses, save_address, saved_as

PARCEL_STEPS = {"weight": Label.weight, "dimensions": Label.dimensions}


async def _review(chat: ChatState, user_id: int):
    # An address taken from the book, or saved already, is not offered for saving again.
    saved = await list_addresses(db(), user_id)
    savable = [role for role in ROLES if saved_as(saved, chat.draft.addresses[role]) is None]
    return texts.review(chat.draft), keyboards.review(savable)


async def _review_block(chat: ChatState, user_id: int):
    block = chat.block
    if block == "parcel":
        return texts.review_block(block), keyboards.parcel_fields()
    return texts.review_block(block), keyboards.address_fields(with_saved=True)


async def _ask_save_label(chat: ChatState, user_id: int):
    return texts.ask_save_label(chat.save_role), keyboards.navigation()


SCREENS = {
    Label.review: _review,
    Label.review_block: _review_block,
    Label.save_label: _ask_save_label,
}


async def edit_block(query: CallbackQuery, callback_data: ReviewAction, dialog: Dialog) -> None:
    chat = await dialog.load()
    chat.block = callback_data.role
    await dialog.show(chat, Label.review_block)


async def edit_review_field(
    query: CallbackQuery, callback_data: EditField, dialog: Dialog, callback_answer: CallbackAnswer
) -> None:
    chat = await dialog.load()
    block, field = chat.block, callback_data.field
    if block == "parcel" and field in PARCEL_STEPS:
        chat.start_edit(ReturnTo.review, {})
        await dialog.show(chat, PARCEL_STEPS[field])
    elif block in ROLES and (field in FIELDS or field == "saved"):
        chat.role = block
        chat.pick_starts_label = False
        chat.start_edit(ReturnTo.review, chat.draft.addresses[block].to_dict())
        await dialog.show(chat, FIELDS[field].step if field in FIELDS else Label.saved_pick)
    else:
        callback_answer.text = texts.use_buttons()


async def save_to_book(query: CallbackQuery, callback_data: ReviewAction, dialog: Dialog) -> None:
    saved = await list_addresses(db(), query.from_user.id)
    chat = await dialog.load()
    same = saved_as(saved, chat.draft.addresses[callback_data.role])
    if same is not None:  # an old button of the review
        await dialog.reask(rejection_text(Rejected("label", "already_saved", label=same.label)))
        return
    if len(saved) >= MAX_ADDRESSES:
        await dialog.reask(rejection_text(Rejected("label", "book_full", max=MAX_ADDRESSES)))
        return
    chat.save_role = callback_data.role
    await dialog.show(chat, Label.save_label)


async def label_given(message: Message, dialog: Dialog) -> None:
    chat = await dialog.load()
    try:
        label = clean_label(message.text)
        address = chat.draft.addresses[chat.save_role]
        await save_address(db(), message.from_user.id, label, address)
    except Rejected as rejected:
        await dialog.reask(rejection_text(rejected))
        return
    chat.pop()
    await dialog.show(chat, Label.review, intro=texts.saved_to_book(label), remember=False)


def build_router() -> Router:
    router = Router(name="label-review")
    editable = F.role.in_((*ROLES, "parcel"))
    router.callback_query.register(
        edit_block, Label.review, ReviewAction.filter((F.action == "edit") & editable)
    )
    router.callback_query.register(edit_review_field, Label.review_block, EditField.filter())
    router.callback_query.register(
        save_to_book, Label.review, ReviewAction.filter((F.action == "save") & F.role.in_(ROLES))
    )
    router.message.register(label_given, Label.save_label, ANSWER)
    return router
