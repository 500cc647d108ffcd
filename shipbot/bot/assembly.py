"""Builds the bot, its dispatcher and the update processor from the settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import BotCommand
from aiogram.utils.callback_answer import CallbackAnswerMiddleware
from aiogram.utils.i18n import I18n

from shipbot.bot.blocked_by_user import BlockedByUser
from shipbot.bot.flows import (
    address_book,
    balance,
    fallback,
    menu,
    navigation,
    new_label,
    orders,
    rates,
)
from shipbot.bot.flows.dialog import Dialogs
from shipbot.bot.flows.new_label.entry import DraftExpiry
from shipbot.bot.gates import OperatorGates
from shipbot.bot.purchases import PurchaseJobs
from shipbot.bot.runtime.bot_api_session import JsonBodySession
from shipbot.bot.runtime.chats import ChatTurns
from shipbot.bot.runtime.cosmetic_calls import CosmeticCalls
from shipbot.bot.runtime.processor import UpdateProcessor
from shipbot.bot.runtime.prompts import StaleButtonGuard
from shipbot.bot.runtime.response_models import pin_response_models
from shipbot.bot.runtime.storage import DatabaseStorage
from shipbot.bot.runtime.users import UserMiddleware
from shipbot.bot.runtime.webhook_reply import ReplyInWebhookAnswer
from shipbot.bot.ui.i18n import UserLocaleMiddleware, build_i18n
from shipbot.config import Settings
from shipbot.db.database import Database
from shipbot.domain import zip_data
from shipbot.providers.carriers import build_carrier
from shipbot.providers.payments import build_payments
from shipbot.services.label_files import LabelFiles
from shipbot.services.quoting import Quoter
from shipbot.services.shop_settings import ShopSettings, initial_settings
from shipbot.services.topups import Payments

ALLOWED_UPDATES = ["message", "callback_query"]
BOT_API_TIMEOUT_SECONDS = 15


def build_bot(settings: Settings) -> Bot:
    pin_response_models()
    session = JsonBodySession(
        api=TelegramAPIServer.from_base(settings.telegram_api_url),
        timeout=BOT_API_TIMEOUT_SECONDS,
        limit=settings.webhook_max_connections * 2,
    )
    session.middleware(CosmeticCalls())
    session.middleware(ReplyInWebhookAnswer())
    return Bot(
        settings.require("bot_token"),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def build_dispatcher(
    settings: Settings,
    database: Database,
    i18n: I18n,
    quoter: Quoter,
    payments: Payments,
    purchases: PurchaseJobs,
    first_routers: Sequence[Router] = (),
) -> Dispatcher:
    dispatcher = Dispatcher(
        storage=DatabaseStorage(database),
        shop_defaults=quoter.defaults,
        quoter=quoter,
        payments=payments,
        purchases=purchases,
    )
    dispatcher.update.outer_middleware(UserMiddleware())
    UserLocaleMiddleware(i18n).setup(dispatcher)
    gates = OperatorGates(settings, quoter.defaults)
    dispatcher.message.outer_middleware(gates)
    dispatcher.callback_query.outer_middleware(gates)
    dispatcher.callback_query.outer_middleware(StaleButtonGuard())
    dispatcher.message.outer_middleware(DraftExpiry())
    dispatcher.callback_query.outer_middleware(DraftExpiry())
    dispatcher.callback_query.middleware(CallbackAnswerMiddleware())
    dialogs = Dialogs(
        balance.SCREENS,
        orders.SCREENS,
        address_book.SCREENS,
        new_label.SCREENS,
        rates.SCREENS,
        navigation.SCREENS,
    )
    dispatcher.message.middleware(dialogs)
    dispatcher.callback_query.middleware(dialogs)
    # Routers a caller puts ahead of the flows, so that they see every update first.
    for router in first_routers:
        dispatcher.include_router(router)
    # Order matters: commands and menu first, then the flows' steps, then Back / Cancel and
    # the flows' answer to input a step cannot use, and last the reply to anything else.
    # Each dispatcher gets routers of its own: a router joins one dispatcher only.
    dispatcher.include_routers(
        menu.build_router(),
        balance.build_router(),
        orders.build_router(),
        address_book.build_router(),
        new_label.build_router(),
        rates.build_router(),
        navigation.build_router(),
        fallback.build_router(),
    )
    return dispatcher


def command_menu(i18n: I18n, locale: str) -> list[BotCommand]:
    with i18n.use_locale(locale):
        return [
            BotCommand(command="start", description=i18n.gettext("Main menu")),
            BotCommand(command="new", description=i18n.gettext("New label")),
            BotCommand(command="orders", description=i18n.gettext("My orders")),
            BotCommand(command="addresses", description=i18n.gettext("Address book")),
            BotCommand(command="balance", description=i18n.gettext("Balance and top-up")),
            BotCommand(command="help", description=i18n.gettext("Help")),
            BotCommand(command="cancel", description=i18n.gettext("Cancel what you are doing")),
        ]


@dataclass
class BotRuntime:
    settings: Settings
    database: Database
    i18n: I18n
    bot: Bot
    dispatcher: Dispatcher
    chats: ChatTurns
    processor: UpdateProcessor
    quoter: Quoter
    payments: Payments
    purchases: PurchaseJobs

    @classmethod
    def build(
        cls, settings: Settings, database: Database, payments: Payments | None = None
    ) -> BotRuntime:
        i18n = build_i18n()
        zip_data.warm()  # parse the ZIP data at start-up, not in the first user's update
        bot = build_bot(settings)
        bot.session.middleware(BlockedByUser(database))
        # The environment's values; owners' edits in the database are read over them at use.
        quoter = Quoter(carrier=build_carrier(settings), defaults=initial_settings(settings))
        payments = payments or build_payments(settings, database)
        chats = ChatTurns(database, bot, i18n)
        purchases = PurchaseJobs(
            chats,
            quoter.carrier,
            LabelFiles(settings.labels_dir),
            settings.admin_chat_id,
            quoter.defaults,
        )
        dispatcher = build_dispatcher(settings, database, i18n, quoter, payments, purchases)
        processor = UpdateProcessor(dispatcher, chats)
        return cls(
            settings,
            database,
            i18n,
            bot,
            dispatcher,
            chats,
            processor,
            quoter,
            payments,
            purchases,
        )

    @property
    def shop_defaults(self) -> ShopSettings:
        """The environment's shop settings, which `shop_settings.current` reads edits over."""
        return self.quoter.defaults

    async def publish_commands(self) -> None:
        for locale in self.i18n.available_locales:
            language = None if locale == self.i18n.default_locale else locale
            await self.bot.set_my_commands(command_menu(self.i18n, locale), language_code=language)

    async def set_webhook(self, *, drop_pending_updates: bool = False) -> None:
        await self.bot.set_webhook(
            url=self.settings.webhook_url,
            secret_token=self.settings.require("webhook_secret"),
            allowed_updates=ALLOWED_UPDATES,
            max_connections=self.settings.webhook_max_connections,
            drop_pending_updates=drop_pending_updates,
        )

    async def close(self) -> None:
        await self.purchases.close()
        await self.quoter.carrier.close()
        await self.payments.provider.close()
        await self.bot.session.close()
