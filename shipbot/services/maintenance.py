"""Maintenance mode (SPEC §3.7): while a period is open the bot turns users away with one
notice per period, and lets admins through. Read from the database at every update, so a
switch takes effect on every replica at the next update; each switch is audited.

Switches queue on the shop settings row's lock, so two operators turning it on at once open
one period.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.database import Database
from shipbot.db.models import MaintenanceNotice, MaintenancePeriod, ShopSettingsRecord, utcnow
from shipbot.services import audit
from shipbot.services.audit import Actor
from shipbot.services.shop_settings import ROW_ID

MAX_NOTE = 200
ON, NOTE, OFF = "maintenance_on", "maintenance_note", "maintenance_off"  # audit actions


class InvalidNote(ValueError):
    """The "expected back" text cannot be shown; nothing was changed."""


@dataclass(frozen=True)
class Switched:
    on: bool
    # What changed, as audited: maintenance_on, maintenance_note or maintenance_off; None if
    # nothing did.
    action: str | None
    # When a period ended: the users it turned away, to tell that the bot is back.
    turned_away: list[int] = field(default_factory=list)


def clean_note(text: str | None) -> str | None:
    note = " ".join((text or "").split())
    if len(note) > MAX_NOTE:
        raise InvalidNote(f"the expected-back text is longer than {MAX_NOTE} characters")
    return note or None


async def open_period(session: AsyncSession) -> MaintenancePeriod | None:
    return await session.scalar(
        select(MaintenancePeriod)
        .where(MaintenancePeriod.ended_at.is_(None))
        .order_by(MaintenancePeriod.id.desc())
        .limit(1)
    )


async def turned_away_count(session: AsyncSession, period_id: int) -> int:
    return await session.scalar(
        select(func.count()).where(MaintenanceNotice.period_id == period_id)
    )


async def switch(
    database: Database, actor: Actor, *, on: bool, note: str | None = None, reason: str = ""
) -> Switched:
    """Open a period (or change the open one's note) or close it; audited when it changes."""
    note = clean_note(note)
    reason_text = " ".join(reason.split()) or None
    who = actor.username or actor.client_address or "unknown"
    async with database.write_transaction() as session:
        await session.execute(
            select(ShopSettingsRecord.id).where(ShopSettingsRecord.id == ROW_ID).with_for_update()
        )
        period = await open_period(session)
        if on and period is None:
            period = MaintenancePeriod(note=note, started_at=utcnow(), started_by=who)
            session.add(period)
            await session.flush()
            after = {"on": True, "note": note}
            _audit(session, actor, ON, period, {"on": False}, after, reason_text)
            return Switched(on=True, action=ON)
        if on:
            if period.note == note:
                return Switched(on=True, action=None)
            before = {"on": True, "note": period.note}
            period.note = note
            _audit(session, actor, NOTE, period, before, before | {"note": note}, reason_text)
            return Switched(on=True, action=NOTE)
        if period is None:
            return Switched(on=False, action=None)
        period.ended_at = utcnow()
        period.ended_by = who
        before = {"on": True, "note": period.note}
        _audit(session, actor, OFF, period, before, {"on": False}, reason_text)
        return Switched(on=False, action=OFF, turned_away=await _turned_away(session, period.id))


def _audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    period: MaintenancePeriod,
    before: dict,
    after: dict,
    reason: str | None,
) -> None:
    audit.record(
        session,
        actor,
        action,
        target_type="maintenance",
        target_id=period.id,
        before=before,
        after=after,
        reason=reason,
    )


async def _turned_away(session: AsyncSession, period_id: int) -> list[int]:
    return list(
        await session.scalars(
            select(MaintenanceNotice.user_id)
            .where(MaintenanceNotice.period_id == period_id)
            .order_by(MaintenanceNotice.noticed_at)
        )
    )
