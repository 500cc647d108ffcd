"""Main menu, help, language and /cancel: the foundation's conversation (SPEC §3)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n

from shipbot.bot.flows.chat_state import ChatState, Section
from shipbot.bot.flows.dialog import Dialog
from shipbot.bot.flows.states import Label
from shipbot.bot.runtime.prompts import show_prompt
from shipbot.bot.runtime.scope import current_scope, reads_before_slow_calls
from shipbot.bot.ui import keyboards, texts
from shipbot.bot.ui.callbacks import LanguageChoice, MenuAction
from shipbot.db.models import User
from shipbot.services import shop_settings
from shipbot.services.ledger import balance_of
from shipbot.services.shop_settings import ShopSettings
from shipbot.services.users import choose_language


async def show_menu(event: Message | CallbackQuery, user: User, intro: str | None = None) -> None:
    text = texts.main_menu(user.first_name)
    # Its own short session on SQLite: the update's would keep a pooled connection through
    # the Bot API call below, and four of them stall every chat.
    async with reads_before_slow_calls() as reads:
        balance = await balance_of(reads, user.id)
    await show_prompt(event, f"{intro}\n\n{text}" if intro else text, keyboards.main_menu(balance))


async def start(message: Message, state: FSMContext, user: User) -> None:
    await state.set_state(None)
    await show_menu(message, user)


async def show_help(event: Message | CallbackQuery, shop_defaults: ShopSettings) -> None:
    # The support contact as an owner set it last, on whichever replica serves the chat.
    async with reads_before_slow_calls() as reads:
        shop = await shop_settings.current(reads, shop_defaults)
    await show_prompt(event, texts.help_text(shop.support_contact), keyboards.back_to_menu())


async def help_command(message: Message, shop_defaults: ShopSettings) -> None:
    await show_help(message, shop_defaults)


async def cancel(message: Message, state: FSMContext, user: User, dialog: Dialog) -> None:
    if await state.get_state() is None:
        await show_menu(message, user, texts.nothing_to_cancel())
        return
    chat = await ChatState.load(state)
    if chat.section is Section.label and chat.has_progress:
        # What the user entered is not thrown away on one word: asked first, like Cancel.
        await dialog.show(chat, Label.cancel_confirm)
        return
    if chat.in_address_book:
        # Leaving the address book drops its edit, not the label draft kept aside.
        chat.edit = None
        await state.set_state(None)
        await chat.save(state)
    else:
        await state.clear()
    await show_menu(message, user, texts.cancelled())


async def home(query: CallbackQuery, state: FSMContext, user: User) -> None:
    await state.set_state(None)
    await show_menu(query, user)


async def help_button(query: CallbackQuery, shop_defaults: ShopSettings) -> None:
    await show_help(query, shop_defaults)


async def language_menu(query: CallbackQuery) -> None:
    await show_prompt(query, texts.choose_language(), keyboards.languages())


async def language_chosen(
    query: CallbackQuery,
    callback_data: LanguageChoice,
    user: User,
    i18n: I18n,
    callback_answer: CallbackAnswer,
) -> None:
    if callback_data.code not in i18n.available_locales:
        callback_answer.text = texts.unknown_language()
        return
    choose_language(user, callback_data.code)
    current_scope().locale = callback_data.code
    with i18n.use_locale(callback_data.code):
        await show_menu(query, user)


def build_router() -> Router:
    router = Router(name="menu")
    router.message.register(start, CommandStart())
    router.message.register(help_command, Command("help"))
    router.message.register(cancel, Command("cancel"))
    router.callback_query.register(home, MenuAction.filter(F.action == "home"))
    router.callback_query.register(help_button, MenuAction.filter(F.action == "help"))
    router.callback_query.register(language_menu, MenuAction.filter(F.action == "language"))
    router.callback_query.register(language_chosen, LanguageChoice.filter())
    return router
