"""The review screen (SPEC §3.1): both addresses and the parcel, edits per block and field,
saving an address to the book, and the hand-over to rates."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from shipbot.bot.flows.new_label.address import FIELD_STEPS
from shipbot.bot.flows.new_label.conversation import Conversation
from shipbot.bot.flows.new_label.states import Label
from shipbot.bot.flows.new_label.steps import ANSWER, db, reask, renders, show_step
from shipbot.bot.ui import label_keyboards as keyboards
from shipbot.bot.ui import label_texts as texts
from shipbot.bot.ui.callbacks import EditField, ReviewAction
from shipbot.bot.ui.rejections import rejection_text
from shipbot.domain.draft import ROLES
from shipbot.domain.errors import Rejected
from shipbot.domain.text_fields import clean_label
from shipbot.services.address_book import MAX_ADDRESSES, list_addresses, save_address

router = Router(name="label-review")
PARCEL_STEPS = {"weight": Label.weight, "dimensions": Label.dimensions}


@renders(Label.review)
async def _review(convo: Conversation, user_id: int):
    return texts.review(convo.draft), keyboards.review()


@renders(Label.review_block)
async def _review_block(convo: Conversation, user_id: int):
    block = convo.data["block"]
    if block == "parcel":
        return texts.review_block(block), keyboards.parcel_fields()
    return texts.review_block(block), keyboards.address_fields(with_saved=True)


@renders(Label.save_label)
async def _ask_save_label(convo: Conversation, user_id: int):
    return texts.ask_save_label(convo.data["save_role"]), keyboards.navigation()


@router.callback_query(
    Label.review, ReviewAction.filter((F.action == "edit") & F.role.in_((*ROLES, "parcel")))
)
async def edit_block(query: CallbackQuery, callback_data: ReviewAction, state: FSMContext) -> None:
    convo = await Conversation.load(state)
    convo.data["block"] = callback_data.role
    await show_step(query, state, convo, Label.review_block)


@router.callback_query(Label.review_block, EditField.filter())
async def edit_review_field(
    query: CallbackQuery,
    callback_data: EditField,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    convo = await Conversation.load(state)
    block, field = convo.data["block"], callback_data.field
    if block == "parcel" and field in PARCEL_STEPS:
        convo.start_edit("review", {})
        await show_step(query, state, convo, PARCEL_STEPS[field])
    elif block in ROLES and (field in FIELD_STEPS or field == "saved"):
        convo.role = block
        convo.data["pick_starts_label"] = False
        convo.start_edit("review", convo.draft.addresses[block].to_dict(), role=block)
        await show_step(query, state, convo, FIELD_STEPS.get(field, Label.saved_pick))
    else:
        callback_answer.text = texts.use_buttons()


@router.callback_query(Label.review, ReviewAction.filter((F.action == "save") & F.role.in_(ROLES)))
async def save_to_book(
    query: CallbackQuery, callback_data: ReviewAction, state: FSMContext
) -> None:
    if len(await list_addresses(db(), query.from_user.id)) >= MAX_ADDRESSES:
        await reask(query, state, rejection_text(Rejected("label", "book_full", max=MAX_ADDRESSES)))
        return
    convo = await Conversation.load(state)
    convo.data["save_role"] = callback_data.role
    await show_step(query, state, convo, Label.save_label)


@router.message(Label.save_label, ANSWER)
async def label_given(message: Message, state: FSMContext) -> None:
    convo = await Conversation.load(state)
    try:
        label = clean_label(message.text)
        address = convo.draft.addresses[convo.data["save_role"]]
        await save_address(db(), message.from_user.id, label, address)
    except Rejected as rejected:
        await reask(message, state, rejection_text(rejected))
        return
    convo.pop()
    await show_step(
        message, state, convo, Label.review, intro=texts.saved_to_book(label), remember=False
    )
