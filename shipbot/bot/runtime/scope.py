"""The unit of work of one Telegram update, reachable from aiogram's storage and helpers.

aiogram's FSM storage is one object shared by all updates; the scope tells it which
transaction the current update's reads and writes belong to.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.models import ActivePrompt


@dataclass
class UpdateScope:
    session: AsyncSession
    bot_id: int
    update_id: int
    chat_id: int | None
    locale: str = "en"
    fsm_records: dict[Any, Any] = field(default_factory=dict)
    prompt: ActivePrompt | None = None
    prompt_loaded: bool = False


_current: ContextVar[UpdateScope | None] = ContextVar("shipbot_update_scope", default=None)


def current_scope() -> UpdateScope | None:
    return _current.get()


def enter_scope(scope: UpdateScope) -> object:
    return _current.set(scope)


def leave_scope(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
