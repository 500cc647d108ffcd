"""aiogram FSM storage in the database, written in the update's own transaction (G3)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from contextlib import asynccontextmanager
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.bot.runtime.scope import current_scope
from shipbot.db.database import Database
from shipbot.db.models import FsmRecord


def _primary_key(key: StorageKey) -> tuple:
    return (
        key.bot_id,
        key.chat_id,
        key.user_id,
        key.thread_id or 0,
        key.business_connection_id or "",
        key.destiny,
    )


class DatabaseStorage(BaseStorage):
    def __init__(self, database: Database) -> None:
        self.database = database

    @asynccontextmanager
    async def _record(self, key: StorageKey):
        """Yield the key's record inside the current update, or in a transaction of its own."""
        scope = current_scope()
        if scope is not None:
            complete = scope.fsm_loaded_for == (key.bot_id, key.chat_id, key.user_id)
            yield await self._load(scope.session, key, scope.fsm_records, complete)
            return
        async with self.database.transaction() as session:
            yield await self._load(session, key, {}, complete=False)

    @staticmethod
    async def _load(
        session: AsyncSession, key: StorageKey, cache: dict, complete: bool
    ) -> FsmRecord:
        # Pending records are not visible to session.get() with autoflush off, hence the cache;
        # a complete cache (see load_update_state) also saves asking for absent ones.
        primary_key = _primary_key(key)
        record = cache.get(primary_key)
        if record is None:
            record = None if complete else await session.get(FsmRecord, primary_key)
            if record is None:
                bot_id, chat_id, user_id, thread_id, connection_id, destiny = primary_key
                record = FsmRecord(
                    bot_id=bot_id,
                    chat_id=chat_id,
                    user_id=user_id,
                    thread_id=thread_id,
                    business_connection_id=connection_id,
                    destiny=destiny,
                    state=None,
                    data={},
                )
                session.add(record)
            cache[primary_key] = record
        return record

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        async with self._record(key) as record:
            record.state = state.state if isinstance(state, State) else state

    async def get_state(self, key: StorageKey) -> str | None:
        async with self._record(key) as record:
            return record.state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        async with self._record(key) as record:
            record.data = dict(data)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        # A deep copy: a change made only inside nested data must not reach the stored value
        # unseen, or set_data would find it equal and never write it.
        async with self._record(key) as record:
            return copy.deepcopy(record.data or {})

    async def close(self) -> None:
        """The database outlives the storage; `Database.dispose` closes it."""
