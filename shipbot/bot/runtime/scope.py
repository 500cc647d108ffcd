"""The unit of work of one Telegram update, reachable from aiogram's storage and helpers.

aiogram's FSM storage is one object shared by all updates; the scope tells it which
transaction the current update's reads and writes belong to.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import and_, bindparam, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.models import ActivePrompt, FsmRecord, ProcessedUpdate, User

if TYPE_CHECKING:
    from shipbot.bot.runtime.webhook_reply import WebhookReply


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
    # Set when the update came by webhook: its answer can carry one Bot API call.
    webhook_reply: WebhookReply | None = None


_current: ContextVar[UpdateScope | None] = ContextVar("shipbot_update_scope", default=None)


def current_scope() -> UpdateScope | None:
    return _current.get()


@asynccontextmanager
async def reads_before_slow_calls() -> AsyncIterator[AsyncSession]:
    """A session for reads made before a slow provider call.

    On SQLite a query keeps the update's session on a pooled connection until it commits,
    and the pool is small: a carrier call of a second or more would keep it from every other
    chat. These reads use a session of their own, whose connection is back in the pool when
    the block ends. PostgreSQL holds one connection per update anyway (the chat lock).
    """
    session = current_scope().session
    if session.bind.dialect.name != "sqlite":
        yield session
        return
    async with AsyncSession(bind=session.bind, expire_on_commit=False, autoflush=False) as reads:
        yield reads


def enter_scope(scope: UpdateScope) -> object:
    return _current.set(scope)


def leave_scope(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


def _conversation_query():
    """Dedup record, user, live prompt and FSM records of a chat and user in one round trip.

    Each statement is a round trip (to PostgreSQL, or through SQLAlchemy's asyncio layer), so
    the four reads every update needs are outer-joined onto a one-row anchor. Built once:
    building it costs more than running it.
    """
    anchor = select(literal(1).label("one")).subquery()
    return (
        select(ProcessedUpdate.update_id, User, ActivePrompt, FsmRecord)
        .select_from(anchor)
        .outerjoin(ProcessedUpdate, ProcessedUpdate.update_id == bindparam("update_id"))
        .outerjoin(User, User.id == bindparam("user_id"))
        .outerjoin(
            ActivePrompt,
            and_(
                ActivePrompt.bot_id == bindparam("bot_id"),
                ActivePrompt.chat_id == bindparam("chat_id"),
            ),
        )
        .outerjoin(
            FsmRecord,
            and_(
                FsmRecord.bot_id == bindparam("bot_id"),
                FsmRecord.chat_id == bindparam("chat_id"),
                FsmRecord.user_id == bindparam("user_id"),
            ),
        )
    )


_CONVERSATION = _conversation_query()


async def load_update_state(scope: UpdateScope, user_id: int | None) -> bool:
    """Read what the runtime needs in one burst; True if the update was processed already."""
    session = scope.session
    if scope.chat_id is None or user_id is None:
        if user_id is not None:
            scope.user = await session.get(User, user_id)
        return await session.get(ProcessedUpdate, scope.update_id) is not None
    rows = (
        await session.execute(
            _CONVERSATION,
            {
                "update_id": scope.update_id,
                "bot_id": scope.bot_id,
                "chat_id": scope.chat_id,
                "user_id": user_id,
            },
        )
    ).all()
    processed, scope.user, scope.prompt, _ = rows[0]
    scope.prompt_loaded = True
    scope.fsm_records = {record.primary_key: record for *_, record in rows if record is not None}
    scope.fsm_loaded_for = (scope.bot_id, scope.chat_id, user_id)
    return processed is not None
