"""A Bot API stand-in for service tests: records every method and answers like Telegram."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import SendDocument, SendMessage, TelegramMethod
from aiogram.types import Chat, Message

TOKEN = "123456789:" + "A" * 35


class RecordingSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[TelegramMethod] = []

    async def make_request(
        self, bot: Bot, method: TelegramMethod, timeout: int | None = None
    ) -> Any:
        self.sent.append(method)
        if isinstance(method, SendMessage | SendDocument):
            return Message(
                message_id=len(self.sent),
                date=0,
                chat=Chat(id=method.chat_id, type="private"),
                text=getattr(method, "text", None),
            )
        return True

    async def close(self) -> None:
        pass

    async def stream_content(self, *args, **kwargs):  # pragma: no cover - not used
        raise NotImplementedError
