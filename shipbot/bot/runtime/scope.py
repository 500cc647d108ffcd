"""The unit of work of one Telegram update, reachable from aiogram's storage and helpers.

aiogram's FSM storage is one object shared by all updates; the scope tells it which
transaction the current update's reads and writes belong to.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.models import ActivePrompt, FsmRecord, User


@dataclass
class UpdateScope:
    session: AsyncSession
    bot_id: int
    update_id: int
    chat_id: int | None
    locale: str = "en"
    user: User | None = None
    # FSM records by primary key; every stored record of (bot, chat, user) fsm_loaded_for is here.
    fsm_records: dict[tuple, FsmRecord] = field(default_factory=dict)
    fsm_loaded_for: tuple[int, int, int] | None = None
    prompt: ActivePrompt | None = None
    prompt_loaded: bool = False


_current: ContextVar[UpdateScope | None] = ContextVar("shipbot_update_scope", default=None)


def current_scope() -> UpdateScope | None:
    return _current.get()


def enter_scope(scope: UpdateScope) -> object:
    return _current.set(scope)


def leave_scope(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


# Built once: constructing the statement cost more than running it.
_FSM_RECORDS_OF_CHAT_USER = select(FsmRecord).where(
    FsmRecord.bot_id == bindparam("bot_id"),
    FsmRecord.chat_id == bindparam("chat_id"),
    FsmRecord.user_id == bindparam("user_id"),
)


async def load_conversation(scope: UpdateScope, user_id: int | None) -> None:
    """Read in one burst what the runtime needs: the user, FSM records and the live prompt."""
    session = scope.session
    if user_id is not None:
        scope.user = await session.get(User, user_id)
    if scope.chat_id is None:
        return
    scope.prompt = await session.get(ActivePrompt, (scope.bot_id, scope.chat_id))
    scope.prompt_loaded = True
    if user_id is not None:
        records = await session.scalars(
            _FSM_RECORDS_OF_CHAT_USER,
            {"bot_id": scope.bot_id, "chat_id": scope.chat_id, "user_id": user_id},
        )
        for record in records:
            scope.fsm_records[record.primary_key] = record
        scope.fsm_loaded_for = (scope.bot_id, scope.chat_id, user_id)
