"""Who the bot lets in (SPEC §3.7): blocked users, maintenance and flood control, decided for
each update inside its transaction, so the notices recorded here commit with its dedup record.

Flood control counts the chat's processed updates in the database, so it holds across
replicas; the chat lock serialises a chat's updates, so each count is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.models import (
    AdminAccount,
    FloodNotice,
    MaintenanceNotice,
    MaintenancePeriod,
    ProcessedUpdate,
    User,
    utcnow,
)
from shipbot.domain.flood import FloodPolicy


class Gate(StrEnum):
    PASS = "pass"
    BLOCKED = "blocked"
    MAINTENANCE = "maintenance"
    FLOOD = "flood"


@dataclass(frozen=True)
class Admission:
    gate: Gate
    notify: bool = False  # this update gets the gate's notice
    maintenance_note: str | None = None

    @property
    def admitted(self) -> bool:
        return self.gate is Gate.PASS


@dataclass(frozen=True)
class _Facts:
    period_id: int | None
    period_note: str | None
    told_this_period: bool
    recent_updates: int
    flood_noticed: bool


async def admit(
    session: AsyncSession,
    user: User,
    chat_id: int,
    *,
    flood: FloodPolicy,
    admin_chat_id: int | None,
    is_purchase: bool,
) -> Admission:
    """Whether this update of `user` in `chat_id` is handled. A purchase press is never
    dropped for flooding: it is the one press that spends money, guarded by its own rules."""
    facts = await _facts(session, chat_id, user.id, flood)
    flooding = flood.is_flooding(facts.recent_updates)
    if user.is_blocked:
        return Admission(Gate.BLOCKED, notify=not flooding)
    if facts.period_id is not None and not await _is_admin(session, user.id, admin_chat_id):
        if facts.told_this_period:
            return Admission(Gate.MAINTENANCE)
        session.add(MaintenanceNotice(period_id=facts.period_id, user_id=user.id))
        return Admission(Gate.MAINTENANCE, notify=True, maintenance_note=facts.period_note)
    if flooding and not is_purchase:
        if facts.flood_noticed:
            return Admission(Gate.FLOOD)
        session.add(FloodNotice(chat_id=chat_id, noticed_at=utcnow()))
        return Admission(Gate.FLOOD, notify=True)
    if facts.flood_noticed and not flooding:  # the burst is over: the next one is told again
        await session.execute(delete(FloodNotice).where(FloodNotice.chat_id == chat_id))
    return Admission(Gate.PASS)


async def _facts(session: AsyncSession, chat_id: int, user_id: int, flood: FloodPolicy) -> _Facts:
    """Everything the gates read, in one round trip (each statement is a thread hand-off on
    SQLite, and this runs for every update)."""
    in_force = (
        select(MaintenancePeriod.id, MaintenancePeriod.note)
        .where(MaintenancePeriod.ended_at.is_(None))
        .order_by(MaintenancePeriod.id.desc())
        .limit(1)
    )
    open_period = in_force.with_only_columns(MaintenancePeriod.id).scalar_subquery()
    note = in_force.with_only_columns(MaintenancePeriod.note).scalar_subquery()
    told = exists().where(
        MaintenanceNotice.period_id == open_period, MaintenanceNotice.user_id == user_id
    )
    # At most `limit` rows are read: the count only needs to reach it.
    recent = (
        select(ProcessedUpdate.update_id)
        .where(
            ProcessedUpdate.chat_id == chat_id,
            ProcessedUpdate.processed_at >= flood.window_start(utcnow()),
        )
        .limit(flood.limit)
        .subquery()
    )
    noticed = exists().where(FloodNotice.chat_id == chat_id)
    row = (
        await session.execute(
            select(
                open_period,
                note,
                told,
                select(func.count()).select_from(recent).scalar_subquery(),
                noticed,
            )
        )
    ).one()
    return _Facts(row[0], row[1], bool(row[2]), row[3], bool(row[4]))


async def _is_admin(session: AsyncSession, user_id: int, admin_chat_id: int | None) -> bool:
    if user_id == admin_chat_id:
        return True
    return bool(
        await session.scalar(
            select(
                exists().where(
                    AdminAccount.telegram_id == user_id, AdminAccount.disabled_at.is_(None)
                )
            )
        )
    )
